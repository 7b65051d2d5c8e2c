"""The gradebook: safe for concurrent writers, read back per cell, exported to CSV.

SQLite gradebooks are switched to WAL mode and writers wait up to
``SQLITE_TIMEOUT_S`` for the write lock, so concurrent writers queue instead of
failing with «database is locked». PostgreSQL URLs are used as is.
"""

import csv
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins.export import CsvExportPlugin

from .course import Course

SQLITE_TIMEOUT_S = 120


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


def sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:///"):
        return None
    return Path(url[len("sqlite:///") :].split("?", 1)[0])


def prepare_gradebook(course: Course) -> Course:
    """Make the gradebook safe for concurrent writers; return the course to use."""
    path = sqlite_path(course.gradebook_url)
    if path is None:
        return course
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
    config = course.config.copy()
    config.CourseDirectory.db_url = f"sqlite:///{path}?timeout={SQLITE_TIMEOUT_S}"
    return Course(root=course.root, config=config)


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
