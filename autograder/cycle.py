"""The main job: the full grading cycle, on sample submissions or a real course.

``run_demo`` lays out a fresh course from the repository, releases every
assignment through a real nbgrader exchange, has each sample student fetch,
fill in and submit it, then grades. ``grade_course`` does the grading half
on a real course directory.
"""

import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import exchange, grading, parallel
from .class_report import write_class_report
from .course import REPO_ROOT, Course, new_course_copy, open_course
from .preflight import check_kernel

log = logging.getLogger("autograder")
SAMPLES = REPO_ROOT / "tests" / "samples"


@dataclass
class CycleReport:
    """What a cycle produced, for printing and for tests."""

    course: Course
    results: dict[str, list[grading.StudentResult]] = field(default_factory=dict)
    expected: dict[str, dict] = field(default_factory=dict)
    grades_csv: Path | None = None
    class_report: Path | None = None
    cells_csv: Path | None = None
    feedback: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0


def load_expected(assignment: str, samples: Path = SAMPLES) -> dict:
    path = samples / assignment / "expected.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def sample_students(assignment: str, samples: Path = SAMPLES) -> list[str]:
    folder = samples / assignment
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / f"{assignment}.ipynb").is_file())


def submit_notebook(
    course: Course, assignment: str, student: str, home: Path, notebook: Path
) -> None:
    """One student: fetch the release, put their work in it, submit."""
    folder = exchange.fetch_assignment(course, student, home, assignment)
    shutil.copy2(notebook, folder / f"{assignment}.ipynb")
    exchange.submit(course, student, home, assignment)


def grade_assignment(
    course: Course,
    assignment: str,
    progress=print,
    use_exchange: bool = True,
    workers: int | None = None,
    force: bool = False,
) -> list[grading.StudentResult]:
    """Collect, autograde every submission in parallel, give feedback; return the scores."""
    if use_exchange:
        grading.collect(course, assignment)
    students = grading.submitted_students(course, assignment)
    summary = parallel.autograde_all(
        course, assignment, students, workers=workers, force=force, progress=progress
    )
    if students:
        grading.give_feedback(course, assignment, release=use_exchange)
    results = grading.read_results(course, assignment, students)
    errors = {o.student: o.error for o in summary.outcomes}
    for result in results:
        result.error = result.error or errors.get(result.student, "")
    return results


def finish(report: CycleReport) -> CycleReport:
    reports = report.course.folder("informes")
    report.grades_csv = grading.export_grades(report.course, reports / "calificaciones.csv")
    report.cells_csv = grading.write_cell_grades(report.results, reports / "puntos_por_celda.csv")
    report.class_report = write_class_report(report.course, report.results, reports)
    return report


def run_demo(
    workdir: Path,
    assignments: list[str] | None = None,
    progress=print,
    samples: Path = SAMPLES,
    extra: dict[str, str] | None = None,
    workers: int | None = None,
) -> CycleReport:
    """The whole cycle on the bundled sample submissions, in a fresh ``workdir``.

    ``extra`` maps more student ids to a notebook path relative to the
    course, with ``{assignment}`` filled in (e.g. the source solution).
    """
    start = time.monotonic()
    course = new_course_copy(workdir / "curso")
    check_kernel()
    exchange_root = workdir / "exchange"
    exchange_root.mkdir(parents=True, exist_ok=True)
    course.config.Exchange.root = str(exchange_root)
    homes = workdir / "alumnos"
    report = CycleReport(course)
    for assignment in assignments or course.assignments():
        progress(f"Tarea {assignment}: publicar, entregar muestras, calificar")
        grading.release(course, assignment)
        notebooks = {
            s: samples / assignment / s / f"{assignment}.ipynb"
            for s in sample_students(assignment, samples)
        }
        for student, pattern in (extra or {}).items():
            notebooks[student] = course.root / pattern.format(assignment=assignment)
        students = sorted(notebooks)
        for student in students:
            submit_notebook(course, assignment, student, homes / student, notebooks[student])
        report.results[assignment] = grade_assignment(course, assignment, progress, workers=workers)
        report.expected[assignment] = load_expected(assignment, samples)
        for student in students:
            exchange.fetch_feedback(course, student, homes / student, assignment)
        report.feedback[assignment] = homes
    report.seconds = time.monotonic() - start
    return finish(report)


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
