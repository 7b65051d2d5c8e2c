"""nbgrader's steps for the instructor: release, collect, autograde one submission, feedback."""

import logging
import re

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
    """Autograde one submission; return '' or the reason it could not be graded
    (one line; nbgrader's log and traceback go to the grading log)."""
    api = instructor_api(course, exchange=False)
    result = api.autograde(assignment, student, force=True, create=True)
    if result.get("success"):
        return ""
    log.warning(
        "autograde %s/%s failed:\n%s\n%s",
        student,
        assignment,
        result.get("log", ""),
        result.get("error", ""),
    )
    return failure_reason(result)


# The line naming the exception at the end of a Python traceback.
_EXCEPTION_LINE = re.compile(r"^(?:[\w.]+\.)?(\w+(?:Error|Exception|Exit))(?::\s*(.*))?$")
_GENERIC = ("Please see the", "There was an error processing")


def failure_reason(result: dict) -> str:
    """The first real error of a failed nbgrader step, as one line.

    nbgrader's own error is «Please see the above traceback»: the cause is in its
    log, as the last line of the first traceback, or else its first ERROR line.
    """
    text = f"{result.get('log', '')}\n{result.get('error', '')}"
    lines = [line.rstrip() for line in text.splitlines()]
    for index, line in enumerate(lines):
        if "Traceback (most recent call last)" not in line:
            continue
        for after in lines[index + 1 :]:
            match = _EXCEPTION_LINE.match(after.removeprefix("[ERROR] ").strip())
            if match:
                name, detail = match.groups()
                if detail and not detail.startswith(_GENERIC):
                    return f"{name}: {detail}" if name != "StructureError" else detail
                if not detail:
                    return name
                break
    errors = [
        line.removeprefix("[ERROR] ")
        for line in lines
        if line.startswith("[ERROR]") and not line.removeprefix("[ERROR] ").startswith(_GENERIC)
    ]
    if errors:
        return errors[0]
    return next((line for line in reversed(lines) if line.strip()), "error desconocido")


def give_feedback(course: Course, assignment: str, release: bool = True) -> None:
    api = instructor_api(course, exchange=release)
    check_step("generate_feedback", api.generate_feedback(assignment))
    if release:
        check_step("release_feedback", api.release_feedback(assignment))
