"""nbgrader's steps for the instructor: release, collect, autograde one submission, feedback."""

import logging

from .course import Course
from .exchange import check_step, instructor_api

log = logging.getLogger("autograder")


def release(course: Course, assignment: str) -> None:
    """Generate the student version and release it to the exchange."""
    api = instructor_api(course)
    check_step("generate_assignment", api.generate_assignment(assignment, force=True))
    check_step("release_assignment", api.release_assignment(assignment))


def collect(course: Course, assignment: str) -> None:
    check_step("collect", instructor_api(course).collect(assignment))


def submitted_students(course: Course, assignment: str) -> list[str]:
    submitted = course.folder("submitted")
    if not submitted.is_dir():
        return []
    return sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())


def autograde(course: Course, assignment: str, student: str) -> str:
    """Autograde one submission; return '' or the reason it could not be graded."""
    result = instructor_api(course).autograde(assignment, student, force=True, create=True)
    if result.get("success"):
        return ""
    log.warning("autograde %s/%s failed:\n%s", student, assignment, result.get("log"))
    return (result.get("error") or result.get("log") or "error desconocido").strip()


def give_feedback(course: Course, assignment: str, release: bool = True) -> None:
    api = instructor_api(course)
    check_step("generate_feedback", api.generate_feedback(assignment))
    if release:
        check_step("release_feedback", api.release_feedback(assignment))
