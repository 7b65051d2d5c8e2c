"""The grading cycle on a course: collect, autograde in parallel, feedback, reports.

``grade_course`` grades a real course directory; the sample-submission demo
(:mod:`autograder.content.demo`) drives the same ``grade_assignment`` and
``finish`` after releasing and submitting through a real exchange.
"""

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import gradebook, runner, steps
from .class_report import class_suspicions, write_class_report
from .course import Course, open_course
from .preflight import check_kernel

log = logging.getLogger("autograder")


@dataclass
class CycleReport:
    """What a cycle produced, for printing and for tests."""

    course: Course
    results: dict[str, list[gradebook.StudentResult]] = field(default_factory=dict)
    expected: dict[str, dict] = field(default_factory=dict)
    grades_csv: Path | None = None
    class_report: Path | None = None
    cells_csv: Path | None = None
    feedback: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0


def grade_assignment(
    course: Course,
    assignment: str,
    progress=print,
    use_exchange: bool = True,
    workers: int | None = None,
    force: bool = False,
) -> list[gradebook.StudentResult]:
    """Collect, autograde every submission in parallel, give feedback; return the scores."""
    if use_exchange:
        steps.collect(course, assignment)
    students = steps.submitted_students(course, assignment)
    summary = runner.autograde_all(
        course, assignment, students, workers=workers, force=force, progress=progress
    )
    if students:
        steps.give_feedback(course, assignment, release=use_exchange)
    results = gradebook.read_results(course, assignment, students)
    for student, cell, note in class_suspicions(course, assignment, results):
        progress(f"  ⚠ sospecha · {student} · {cell}: {note}")
    errors = {o.student: o.error for o in summary.outcomes}
    for result in results:
        result.error = result.error or errors.get(result.student, "")
    return results


def finish(report: CycleReport) -> CycleReport:
    reports = report.course.folder("informes")
    report.grades_csv = gradebook.export_grades(report.course, reports / "calificaciones.csv")
    report.cells_csv = gradebook.write_cell_grades(report.results, reports / "puntos_por_celda.csv")
    report.class_report = write_class_report(report.course, report.results, reports)
    return report


def grade_course(
    root: Path,
    assignments: list[str] | None = None,
    progress=print,
    use_exchange: bool = True,
    workers: int | None = None,
    force: bool = False,
) -> CycleReport:
    """Grade a real course directory: collect from its exchange, or with
    ``use_exchange=False`` grade what is already in ``submitted/``."""
    start = time.monotonic()
    course = open_course(root)
    check_kernel()
    report = CycleReport(course)
    for assignment in assignments or course.assignments():
        progress(f"Tarea {assignment}: recoger y calificar")
        report.results[assignment] = grade_assignment(
            course, assignment, progress, use_exchange, workers, force
        )
        report.feedback[assignment] = course.folder("feedback")
    report.seconds = time.monotonic() - start
    return finish(report)
