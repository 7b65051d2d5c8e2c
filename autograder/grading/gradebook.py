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


GRADED = "calificada"
UNGRADED = "sin calificar"


@dataclass
class StudentResult:
    """One student's autograded scores for one assignment.

    ``error`` is the reason a submission could not be graded: then ``status`` is
    «sin calificar», ``points`` is empty and the submission is left out of statistics.
    ``note`` tells the instructor what intake changed (e.g. a renamed notebook).
    """

    student: str
    points: dict[str, float] = field(default_factory=dict)
    max_points: dict[str, float] = field(default_factory=dict)
    error: str = ""
    note: str = ""

    @property
    def status(self) -> str:
        return UNGRADED if self.error else GRADED

    def mark_ungraded(self, reason: str) -> None:
        """No grade for this submission, whatever the gradebook holds for it."""
        self.error = reason.strip().splitlines()[0] if reason.strip() else UNGRADED
        self.points = {}

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
                result.error = "no hay calificación en el gradebook"
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


STATUS_COLUMNS = ["estado", "motivo"]
SCORE_COLUMNS = ("raw_score", "late_submission_penalty", "score")


def export_grades(
    course: Course, dest: Path, results: dict[str, list[StudentResult]] | None = None
) -> Path:
    """nbgrader's own CSV export of every grade in the gradebook, plus ``estado`` and
    ``motivo`` columns from ``results``: an ungraded submission has empty scores."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with Gradebook(course.gradebook_url) as gb:
        CsvExportPlugin(to=str(dest)).export(gb)
    by_key = {(a, r.student): r for a, rows in (results or {}).items() for r in rows}
    with dest.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0]) if rows else ["assignment", "student_id", *SCORE_COLUMNS]
    with dest.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields + STATUS_COLUMNS)
        writer.writeheader()
        for row in rows:
            result = by_key.get((row.get("assignment"), row.get("student_id")))
            row["estado"], row["motivo"] = (result.status, result.error) if result else ("", "")
            if result and result.error:
                row.update(dict.fromkeys(SCORE_COLUMNS, ""))
            writer.writerow(row)
        exported = {(row.get("assignment"), row.get("student_id")) for row in rows}
        for (assignment, student), result in by_key.items():
            if (assignment, student) not in exported and result.error:
                # never reached the gradebook (e.g. flagged before grading)
                writer.writerow(
                    {
                        "assignment": assignment,
                        "student_id": student,
                        "estado": result.status,
                        "motivo": result.error,
                    }
                )
    return dest


def write_cell_grades(results: dict[str, list[StudentResult]], dest: Path) -> Path:
    """CSV with one row per student and grade cell."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["tarea", "alumno", "celda", "puntos", "maximo", "estado", "motivo"])
        for assignment, rows in results.items():
            for r in rows:
                if r.error:
                    writer.writerow([assignment, r.student, "", "", "", r.status, r.error])
                for cell, points in r.points.items():
                    writer.writerow(
                        [assignment, r.student, cell, points, r.max_points[cell], r.status, ""]
                    )
    return dest
