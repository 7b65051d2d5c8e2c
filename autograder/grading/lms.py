"""Grades into the LMS: CSV files that Moodle's and Canvas's grade import accept.

``python -m autograder lms COURSE --formato moodle|canvas --mapa alumnos.csv``
reads the final score of every submission in the nbgrader gradebook (manual
grades included, as in ``nbgrader export``) and writes one row per student and
one column per assignment.

The mapping file (``--mapa``) says who each nbgrader student is in the LMS::

    alumno,lms
    ana,ana.garcia@universidad.es
    luis,luis.perez@universidad.es

``alumno`` is the nbgrader student id (the hub's unix user); ``lms`` is the
identifier the LMS matches on: the username, the email address or the ID number
in Moodle; the Canvas user ID, SIS User ID or SIS Login ID in Canvas (``--campo``
says which). Optional columns ``nombre`` and ``seccion`` fill Canvas's
``Student`` and ``Section``. A student of the gradebook missing from the mapping
is left out of the file and named in a Spanish message (exit status 1); a
mapping row with no grades is ignored.

Column rules, from each LMS's import documentation:

Moodle, *Importar calificaciones → Archivo CSV* (MoodleDocs «Grade import»,
https://docs.moodle.org/311/en/Grade_import, and ``grade/import/csv`` in Moodle's
source): the first row is the header; the import form then asks which column
identifies the user («Identificar usuario por»: *Mapear desde* a column, *Mapear
a* ``userid``, ``username``, ``useridnumber`` or ``useremail``) and maps every
other column to a grade item or to a new one. Email addresses are compared case-
sensitively. Files are read as UTF-8 with the chosen separator (comma here). An
empty cell imports nothing for that user and item.
So: first column ``username``, ``email`` or ``idnumber`` (``--campo``), then one
numeric column per assignment, header = the assignment's name; decimals with a
point.

Canvas, *Grades → Import* (the layout of Canvas's own *Export*; the required columns as
summarised from the Canvas Instructor Guide «How do I import grades in the Gradebook?» by
https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades,
and the CSV rules of https://canvas.instructure.com/doc/api/file.sis_csv.html): the header
row must hold
``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID`` and ``Section``; a student
is matched by ``ID``, ``SIS User ID`` or ``SIS Login ID`` (one is enough, the
others may be empty); every further column is an assignment (an unknown name
creates a new assignment); the optional second row ``Points Possible`` gives each
assignment's maximum. Standard CSV rules (RFC 4180 quoting, UTF-8), as in
Canvas's CSV format documentation.
So: those five columns with the identifier in the one ``--campo`` names, then
one column per assignment, and a ``Points Possible`` row.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from .course import Course, CourseError

MOODLE_FIELDS = {"username": "username", "email": "email", "idnumber": "idnumber"}
CANVAS_FIELDS = {"id": "ID", "sis_user_id": "SIS User ID", "sis_login_id": "SIS Login ID"}
CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "Points Possible"
DEFAULT_FIELD = {"moodle": "username", "canvas": "sis_login_id"}


@dataclass
class Mapping:
    """nbgrader student id → LMS identifier (and optional name and section)."""

    ids: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)


@dataclass
class Grades:
    """Final scores per assignment and student; the maximum of each assignment."""

    assignments: list[str]
    max_score: dict[str, float]
    scores: dict[str, dict[str, float]]  # student -> assignment -> score


@dataclass
class Export:
    path: Path
    written: list[str]
    unmapped: list[str]


def read_mapping(path: Path) -> Mapping:
    """Read ``alumno,lms[,nombre,seccion]``; raise CourseError on a malformed file."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
            header = set(rows[0]) if rows else set()
    except OSError as exc:
        raise CourseError(f"No se pudo leer el mapa de alumnos {path}: {exc}") from exc
    if not {"alumno", "lms"} <= header:
        raise CourseError(
            f"{path}: el mapa de alumnos necesita las columnas «alumno» y «lms» "
            f"(tiene: {', '.join(sorted(header)) or 'ninguna'})"
        )
    mapping = Mapping()
    for number, row in enumerate(rows, start=2):
        student, lms_id = (row["alumno"] or "").strip(), (row["lms"] or "").strip()
        if not student or not lms_id:
            raise CourseError(f"{path}, línea {number}: falta «alumno» o «lms»")
        if student in mapping.ids:
            raise CourseError(f"{path}, línea {number}: el alumno {student} aparece dos veces")
        mapping.ids[student] = lms_id
        mapping.names[student] = (row.get("nombre") or "").strip()
        mapping.sections[student] = (row.get("seccion") or "").strip()
    return mapping


def read_grades(course: Course) -> Grades:
    """Every assignment's final score per student (manual grades and late penalty included)."""
    from nbgrader.api import Gradebook

    with Gradebook(course.gradebook_url) as gb:
        assignments = sorted(a.name for a in gb.assignments)
        max_score = {a.name: float(a.max_score) for a in gb.assignments}
        scores: dict[str, dict[str, float]] = {}
        for name in assignments:
            for submission in gb.assignment_submissions(name):
                scores.setdefault(submission.student.id, {})[name] = float(submission.score)
    return Grades(assignments, max_score, scores)


def _number(value: float) -> str:
    return f"{round(value, 2):g}"


def write_lms_csv(
    grades: Grades, mapping: Mapping, lms: str, dest: Path, id_field: str | None = None
) -> Export:
    """Write the import file for ``lms`` ("moodle" or "canvas"); see the module docstring."""
    id_field = id_field or DEFAULT_FIELD.get(lms, "")
    fields = {"moodle": MOODLE_FIELDS, "canvas": CANVAS_FIELDS}.get(lms)
    if fields is None:
        raise CourseError(f"Formato desconocido «{lms}»: usa moodle o canvas")
    if id_field not in fields:
        raise CourseError(
            f"Campo «{id_field}» no válido para {lms}: usa {', '.join(sorted(fields))}"
        )
    students = sorted(grades.scores)
    unmapped = [s for s in students if s not in mapping.ids]
    written = [s for s in students if s in mapping.ids]
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        if lms == "moodle":
            writer.writerow([fields[id_field], *grades.assignments])
            for student in written:
                row = [mapping.ids[student]]
                row += [_cell(grades, student, a) for a in grades.assignments]
                writer.writerow(row)
        else:
            writer.writerow([*CANVAS_HEADER, *grades.assignments])
            writer.writerow(
                [
                    POINTS_POSSIBLE,
                    "",
                    "",
                    "",
                    "",
                    *(_number(grades.max_score[a]) for a in grades.assignments),
                ]
            )
            for student in written:
                ids = {column: "" for column in CANVAS_FIELDS.values()}
                ids[fields[id_field]] = mapping.ids[student]
                name = mapping.names.get(student) or student
                section = mapping.sections.get(student, "")
                row = [name, *(ids[c] for c in CANVAS_HEADER[1:4]), section]
                row += [_cell(grades, student, a) for a in grades.assignments]
                writer.writerow(row)
    return Export(dest, written, unmapped)


def _cell(grades: Grades, student: str, assignment: str) -> str:
    score = grades.scores.get(student, {}).get(assignment)
    return "" if score is None else _number(score)


def unmapped_message(unmapped: list[str], mapping_path: Path) -> str:
    """The Spanish message for gradebook students missing from the mapping."""
    return (
        f"AVISO: {len(unmapped)} alumno(s) con notas no están en el mapa {mapping_path} y NO "
        f"se han incluido en el archivo: {', '.join(unmapped)}. Añade una línea "
        "«alumno,identificador» por cada uno y vuelve a ejecutar la orden."
    )
