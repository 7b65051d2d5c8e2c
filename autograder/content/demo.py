"""The sample-submission demo: the main job's input and the tests' shared course.

``run_demo`` lays out a fresh course from the repository, releases every
assignment through a real nbgrader exchange, has each sample student in
``samples/`` fetch, fill in and submit it, then grades it with the same cycle
as a real course. ``course_with_submissions`` builds a course whose
``submitted/`` already holds given notebooks, as if collected.
"""

import json
import shutil
import time
from pathlib import Path

from ..grading import exchange, steps
from ..grading.course import REPO_ROOT, Course, new_course_copy
from ..grading.cycle import CycleReport, finish, grade_assignment
from ..grading.exchange import check_step, instructor_api
from ..grading.preflight import check_kernel

SAMPLES = REPO_ROOT / "samples"


def load_expected(assignment: str, samples: Path = SAMPLES) -> dict:
    path = samples / assignment / "expected.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def sample_students(assignment: str, samples: Path = SAMPLES) -> list[str]:
    folder = samples / assignment
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / f"{assignment}.ipynb").is_file())


def sample_notebook(assignment: str, student: str, samples: Path = SAMPLES) -> Path:
    return samples / assignment / student / f"{assignment}.ipynb"


def submit_notebook(
    course: Course, assignment: str, student: str, home: Path, notebook: Path
) -> None:
    """One student: fetch the release, put their work in it, submit."""
    folder = exchange.fetch_assignment(course, student, home, assignment)
    shutil.copy2(notebook, folder / f"{assignment}.ipynb")
    exchange.submit(course, student, home, assignment)


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
    check_kernel(course.config)
    exchange_root = workdir / "exchange"
    exchange_root.mkdir(parents=True, exist_ok=True)
    course.config.Exchange.root = str(exchange_root)
    homes = workdir / "alumnos"
    report = CycleReport(course)
    for assignment in assignments or course.assignments():
        progress(f"Tarea {assignment}: publicar, entregar muestras, calificar")
        steps.release(course, assignment)
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


def course_with_submissions(
    root: Path, assignment: str, notebooks: dict[str, Path], db_url: str | None = None
) -> Course:
    """A course whose ``submitted/`` holds ``notebooks`` (student -> path), as if collected."""
    course = new_course_copy(root / "curso")
    course.config.Exchange.root = str(root)  # exists; nbgrader only checks it
    if db_url:
        course.config.CourseDirectory.db_url = db_url
    check_step("generate_assignment", instructor_api(course).generate_assignment(assignment))
    for i, (student, path) in enumerate(sorted(notebooks.items())):
        folder = course.folder("submitted") / student / assignment
        folder.mkdir(parents=True)
        shutil.copy2(path, folder / f"{assignment}.ipynb")
        (folder / "timestamp.txt").write_text(f"2026-11-28 10:00:{i:02d}.000000 UTC")
    return course
