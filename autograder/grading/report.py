"""Printing the grades table of a cycle, and comparing with expected scores."""

from .cycle import CycleReport
from .gradebook import UNGRADED, StudentResult


def _fmt(x: float) -> str:
    return f"{x:g}"


def mismatches(result: StudentResult, expected: dict) -> list[str]:
    """Grade cells whose points differ from ``expected`` (a sample's entry)."""
    wanted = expected.get("points", {})
    cells = sorted(set(wanted) | set(result.points))
    missing = float("nan")
    return [
        f"{cell}: {_fmt(result.points.get(cell, missing))} ≠ {_fmt(wanted.get(cell, missing))}"
        for cell in cells
        if result.points.get(cell) != wanted.get(cell)
    ]


def assignment_table(assignment: str, results: list[StudentResult], expected: dict) -> str:
    """One table: a row per grade cell, a column per student, totals last."""
    if not results:
        return f"Tarea {assignment}: sin entregas"
    cells = list(dict.fromkeys(c for r in results for c in r.max_points))
    students = [r.student for r in results]
    width = max([len(c) for c in cells] + [len("celda")]) + 2
    col = max([len(s) for s in students] + [len("✓ esperado")]) + 2
    if any(r.error for r in results):
        col = max(col, len(UNGRADED) + 2)
    lines = [f"Tarea {assignment}", "celda".ljust(width) + "".join(s.rjust(col) for s in students)]
    for cell in cells:
        row = [_fmt(r.points[cell]) if cell in r.points else "-" for r in results]
        lines.append(cell.ljust(width) + "".join(v.rjust(col) for v in row))
    totals = [UNGRADED if r.error else f"{_fmt(r.total)}/{_fmt(r.max_total)}" for r in results]
    lines.append("TOTAL".ljust(width) + "".join(t.rjust(col) for t in totals))
    if expected:
        checks = [
            "✓ esperado" if not mismatches(r, expected.get(r.student, {})) else "✗ DIFIERE"
            for r in results
        ]
        lines.append("".ljust(width) + "".join(c.rjust(col) for c in checks))
    for r in results:
        if r.error:
            lines.append(f"  ⚠ {r.student}: {UNGRADED}: {r.error}")
        if r.note:
            lines.append(f"  ℹ {r.student}: {r.note}")
        for diff in mismatches(r, expected.get(r.student, {})) if r.student in expected else []:
            lines.append(f"  ✗ {r.student}: {diff}")
    return "\n".join(lines)


def render(report: CycleReport) -> str:
    parts = [
        assignment_table(a, rows, report.expected.get(a, {})) for a, rows in report.results.items()
    ]
    parts.append(f"Calificaciones (CSV de nbgrader): {report.grades_csv}")
    parts.append(f"Puntos por celda (CSV): {report.cells_csv}")
    parts.append(f"Informe de la clase (HTML con gráficos): {report.class_report}")
    parts.append(f"Retroalimentación HTML: {report.course.folder('feedback')}")
    homes = {where for where in report.feedback.values()} - {report.course.folder("feedback")}
    for where in sorted(homes):
        parts.append(f"  recibida por los alumnos: {where}/<alumno>/<tarea>/feedback")
    parts.append(
        f"Registro de la calificación: {report.course.folder('informes')}/calificacion.log"
    )
    parts.append(f"Tiempo total: {report.seconds:.0f} s")
    return "\n\n".join(parts)


def ungraded(report: CycleReport) -> list[tuple[str, StudentResult]]:
    """(assignment, result) of every submission that could not be graded."""
    return [(a, r) for a, rows in report.results.items() for r in rows if r.error]


def all_as_expected(report: CycleReport) -> bool:
    return all(
        r.student in report.expected.get(a, {})
        and not r.error
        and not mismatches(r, report.expected[a][r.student])
        for a, rows in report.results.items()
        for r in rows
    )
