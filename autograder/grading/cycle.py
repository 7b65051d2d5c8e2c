"""The grading cycle on a course: collect, autograde in parallel, feedback, reports.

``grade_course`` grades a real course directory; the sample-submission demo
(:mod:`autograder.content.demo`) drives the same ``grade_assignment`` and
``finish`` after releasing and submitting through a real exchange.
"""

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from . import gradebook, intake, runner, steps
from .class_report import class_suspicions, write_class_report
from .course import Course, open_course
from .exchange import StepFailed, check_step, instructor_api
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
    scheduler=None,
) -> list[gradebook.StudentResult]:
    """Collect, check and autograde every submission in parallel, give feedback; return
    the scores. A submission that could not be graded is «sin calificar» with its reason.

    ``scheduler``: None for a local Dask cluster of ``workers`` processes, or an
    existing cluster (see :func:`runner.grading_client`)."""
    if use_exchange:
        steps.collect(course, assignment)
    register_assignment(course, assignment, progress)
    students = steps.submitted_students(course, assignment)
    checked = intake.check_submissions(course, assignment, students)
    for student, note in checked.notes.items():
        progress(f"  ℹ {student}: {note}")
    for student, reason in checked.flagged.items():
        progress(f"  ⚠ {student}: sin calificar: {reason}")
    summary = runner.autograde_all(
        course,
        assignment,
        checked.gradable(students),
        workers=workers,
        force=force,
        progress=progress,
        scheduler=scheduler,
    )
    skipped = sum(o.skipped for o in summary.outcomes)
    if skipped:
        progress(
            f"  {skipped} entregas sin cambios desde la última calificación: se saltan "
            "(--force para recalificarlas)"
        )
    errors = {**{o.student: o.error for o in summary.outcomes if o.error}, **checked.flagged}
    feedback_errors = give_feedback(course, assignment, use_exchange, progress)
    results = gradebook.read_results(course, assignment, students)
    for student, cell, note in class_suspicions(course, assignment, results):
        progress(f"  ⚠ sospecha · {student} · {cell}: {note}")
    for result in results:
        if result.student in errors:
            result.mark_ungraded(errors[result.student])
        elif result.error:
            result.mark_ungraded(result.error)
        result.note = "; ".join(
            n for n in (checked.notes.get(result.student), feedback_errors.get(result.student)) if n
        )
    return results


def register_assignment(course: Course, assignment: str, progress=print) -> None:
    """Make sure the gradebook knows ``assignment``; if not, register it from ``source/``
    with nbgrader's ``generate_assignment`` (which also writes ``release/``)."""
    with Gradebook(course.gradebook_url) as gb:
        try:
            gb.find_assignment(assignment)
            return
        except MissingEntry:
            pass
    progress(
        f"  La tarea {assignment} no estaba en el gradebook: se registra desde source/ "
        f"(nbgrader generate_assignment {assignment})"
    )
    api = instructor_api(course, exchange=False)
    check_step("generate_assignment", api.generate_assignment(assignment, force=True))


def give_feedback(course: Course, assignment: str, release: bool, progress=print) -> dict:
    """Generate (and release) feedback; return {student: why theirs is missing}.

    One student's failure must not stop the others: when the step fails for the
    assignment, it is repeated student by student."""
    graded = sorted(p.parent.name for p in course.folder("autograded").glob(f"*/{assignment}"))
    if not graded:
        return {}
    try:
        steps.give_feedback(course, assignment, release=release)
        return {}
    except StepFailed:
        log.warning("feedback for %s failed as a whole; retrying per student", assignment)
    missing = {}
    api = instructor_api(course, exchange=release)
    for student in graded:
        result = api.generate_feedback(assignment, student_id=student)
        if result.get("success") and release:
            result = api.release_feedback(assignment, student_id=student)
        if not result.get("success"):
            reason = steps.failure_reason(result)
            log.warning("feedback %s/%s failed:\n%s", student, assignment, result.get("log"))
            missing[student] = f"sin retroalimentación: {reason}"
            progress(f"  ⚠ {student}: sin retroalimentación: {reason}")
    return missing


def finish(report: CycleReport) -> CycleReport:
    reports = report.course.folder("informes")
    report.grades_csv = gradebook.export_grades(
        report.course, reports / "calificaciones.csv", report.results
    )
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
    scheduler=None,
) -> CycleReport:
    """Grade a real course directory: collect from its exchange, or with
    ``use_exchange=False`` grade what is already in ``submitted/``."""
    start = time.monotonic()
    course = open_course(root)
    check_kernel(course.config)
    report = CycleReport(course)
    for assignment in assignments or course.assignments():
        progress(f"Tarea {assignment}: recoger y calificar")
        report.results[assignment] = grade_assignment(
            course, assignment, progress, use_exchange, workers, force, scheduler
        )
        report.feedback[assignment] = course.folder("feedback")
    report.seconds = time.monotonic() - start
    return finish(report)
