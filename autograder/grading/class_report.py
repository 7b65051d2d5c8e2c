"""Class report for instructors: what the class got right and wrong, per assignment.

For each assignment: a histogram of totals, the pass rate of each grade
cell, and the most frequent failure messages with how many students hit
each. Written as an HTML page with PNG plots (matplotlib) plus a CSV.
"""

import csv
import html
from collections import Counter
from pathlib import Path

import matplotlib
import nbformat

from .course import Course
from .feedback import is_test_cell, one_line
from .gradebook import StudentResult

matplotlib.use("Agg")  # no display on grading servers
import matplotlib.pyplot as plt  # noqa: E402

TOP_FAILURES = 10


def failure_messages(course: Course, assignment: str, student: str) -> dict[str, str]:
    """The first failure message of each failed test cell in an autograded notebook."""
    folder = course.folder("autograded") / student / assignment
    found = {}
    for path in sorted(folder.glob("*.ipynb")):
        for cell in nbformat.read(path, 4).cells:
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            if is_test_cell(cell) and errors:
                found[cell.metadata["nbgrader"]["grade_id"]] = one_line(errors[0])[0]
    return found


def suspicions(course: Course, assignment: str, student: str) -> list[tuple[str, str]]:
    """(grade cell, note) for each suspicion the grader stored in the autograded notebook
    (see :mod:`autograder.checks.suspicion`): for the instructor, never a change of points."""
    folder = course.folder("autograded") / student / assignment
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        for cell in nbformat.read(path, 4).cells:
            for note in cell.metadata.get("autograder", {}).get("suspicion", []):
                found.append((cell.metadata.get("nbgrader", {}).get("grade_id", ""), str(note)))
    return found


def class_suspicions(
    course: Course, assignment: str, results: list[StudentResult]
) -> list[tuple[str, str, str]]:
    """(student, grade cell, note) over the class."""
    return [
        (r.student, cell, note)
        for r in results
        for cell, note in suspicions(course, assignment, r.student)
    ]


def frequent_failures(
    course: Course, assignment: str, results: list[StudentResult]
) -> list[tuple[str, str, int]]:
    """(grade cell, message, number of students), most frequent first."""
    counts = Counter()
    for result in graded_only(results):
        for cell, text in failure_messages(course, assignment, result.student).items():
            counts[(cell, text)] += 1
    return [(cell, text, n) for (cell, text), n in counts.most_common(TOP_FAILURES)]


def graded_only(results: list[StudentResult]) -> list[StudentResult]:
    """Submissions with a grade: an ungraded one is no zero and stays out of statistics."""
    return [r for r in results if not r.error]


def pass_rates(results: list[StudentResult]) -> dict[str, float]:
    cells = list(dict.fromkeys(c for r in results for c in r.max_points))
    graded = [r for r in graded_only(results) if r.max_points]
    return {
        cell: sum(r.points.get(cell, 0) >= r.max_points[cell] for r in graded) / len(graded)
        for cell in cells
    }


def plot_histogram(results: list[StudentResult], title: str, dest: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    totals = [r.total for r in graded_only(results)]
    top = max((r.max_total for r in results), default=10) or 10
    ax.hist(totals, bins=[x - 0.5 for x in range(int(top) + 2)], color="#4C72B0", rwidth=0.85)
    ax.set(title=title, xlabel="Puntos", ylabel="Alumnos", xlim=(-0.5, top + 0.5))
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(dest, dpi=100)
    plt.close(fig)
    return dest


def plot_pass_rates(rates: dict[str, float], title: str, dest: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(rates) + 1.2))
    names = list(rates)[::-1]
    ax.barh(names, [100 * rates[n] for n in names], color="#55A868")
    ax.set(title=title, xlabel="% de alumnos con todos los puntos", xlim=(0, 100))
    fig.tight_layout()
    fig.savefig(dest, dpi=100)
    plt.close(fig)
    return dest


def _ungraded_rows(results: list[StudentResult]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(r.student)}</td><td>{html.escape(r.error)}</td></tr>"
        for r in results
        if r.error
    )
    if not rows:
        return ""
    return (
        "<h3>Sin calificar (fuera de las estadísticas)</h3>"
        f"<table><tr><th>Alumno</th><th>Motivo</th></tr>{rows}</table>"
    )


def _suspicion_rows(flagged) -> str:
    if not flagged:
        return ""
    rows = "".join(
        f"<tr><td>{html.escape(s)}</td><td><code>{html.escape(c)}</code></td>"
        f"<td>{html.escape(n)}</td></tr>"
        for s, c, n in flagged
    )
    return (
        "<h3>Sospechas para revisar (los puntos no cambian)</h3><table><tr><th>Alumno</th>"
        f"<th>Celda</th><th>Motivo</th></tr>{rows}</table>"
    )


def _section(assignment: str, results, failures, images, flagged=()) -> str:
    rows = (
        "".join(
            f"<tr><td><code>{html.escape(c)}</code></td><td>{html.escape(m)}</td><td>{n}</td></tr>"
            for c, m, n in failures
        )
        or "<tr><td colspan='3'>Ningún fallo.</td></tr>"
    )
    graded = graded_only(results)
    mean = sum(r.total for r in graded) / len(graded) if graded else 0
    waiting = len(results) - len(graded)
    return (
        f"<h2>Tarea {html.escape(assignment)}</h2>"
        f"<p>{len(results)} entregas · {len(graded)} calificadas · media {mean:.1f} puntos"
        + (f" · {waiting} sin calificar" if waiting else "")
        + "</p>"
        + "".join(f"<img src='{p.name}' alt='{html.escape(p.stem)}'>" for p in images)
        + "<h3>Fallos más frecuentes</h3><table><tr><th>Celda</th><th>Mensaje</th>"
        f"<th>Alumnos</th></tr>{rows}</table>" + _ungraded_rows(results) + _suspicion_rows(flagged)
    )


STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:auto}img{max-width:100%;margin:.5em 0}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em;text-align:left}"
)


def write_class_report(course: Course, results: dict[str, list[StudentResult]], dest: Path) -> Path:
    """Write ``dest/informe_clase.html``, its PNGs and ``fallos_frecuentes.csv``."""
    dest.mkdir(parents=True, exist_ok=True)
    sections = []
    with (dest / "fallos_frecuentes.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["tarea", "celda", "mensaje", "alumnos"])
        for assignment, rows in results.items():
            if not rows:
                continue
            rates = pass_rates(rows)
            failures = frequent_failures(course, assignment, rows)
            writer.writerows((assignment, c, m, n) for c, m, n in failures)
            images = [
                plot_histogram(rows, f"{assignment}: notas", dest / f"{assignment}_notas.png"),
                plot_pass_rates(
                    rates, f"{assignment}: aciertos por celda", dest / f"{assignment}_celdas.png"
                ),
            ]
            flagged = class_suspicions(course, assignment, rows)
            sections.append(_section(assignment, rows, failures, images, flagged))
    page = dest / "informe_clase.html"
    page.write_text(
        f"<!DOCTYPE html><html lang='es'><head><meta charset='utf-8'>"
        f"<title>Informe de la clase</title><style>{STYLE}</style></head><body>"
        f"<h1>Informe de la clase · {html.escape(course.course_id)}</h1>"
        + "".join(sections)
        + "</body></html>",
        encoding="utf-8",
    )
    return page
