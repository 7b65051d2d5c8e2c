"""The instructor's side of the cycle: release, collect, autograde, feedback, export."""

import csv
import logging
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins.export import CsvExportPlugin

from .course import Course
from .exchange import check_step, instructor_api

log = logging.getLogger("autograder")


@dataclass
class StudentResult:
    """One student's autograded scores for one assignment."""

    student: str
    points: dict[str, float] = field(default_factory=dict)
    max_points: dict[str, float] = field(default_factory=dict)
    error: str = ""

    @property
    def total(self) -> float:
        return sum(self.points.values())

    @property
    def max_total(self) -> float:
        return sum(self.max_points.values())


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


def read_results(course: Course, assignment: str, students: list[str]) -> list[StudentResult]:
    """Per-cell autograded points from the gradebook (manual cells left out)."""
    results = []
    with Gradebook(course.gradebook_url) as gb:
        for student in students:
            result = StudentResult(student)
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                result.error = "sin calificar"
                results.append(result)
                continue
            for notebook in submission.notebooks:
                manual = {cell.name for cell in notebook.notebook.solution_cells}
                for grade in notebook.grades:
                    if grade.name in manual:
                        continue  # written answers are graded by hand
                    result.points[grade.name] = float(grade.score)
                    result.max_points[grade.name] = float(grade.max_score)
            results.append(result)
    return results


def export_grades(course: Course, dest: Path) -> Path:
    """nbgrader's own CSV export of every grade in the gradebook."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with Gradebook(course.gradebook_url) as gb:
        CsvExportPlugin(to=str(dest)).export(gb)
    return dest


def write_cell_grades(results: dict[str, list[StudentResult]], dest: Path) -> Path:
    """CSV with one row per student and grade cell."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["tarea", "alumno", "celda", "puntos", "maximo"])
        for assignment, rows in results.items():
            for r in rows:
                for cell, points in r.points.items():
                    writer.writerow([assignment, r.student, cell, points, r.max_points[cell]])
    return dest
