"""Grade CSVs for Moodle and Canvas (autograder/grading/lms.py), parsed back with each LMS's rules.

The gradebook is a real nbgrader gradebook filled through nbgrader's API (no grading
needed): two assignments, three students, one manual grade, one missing submission.
"""

import csv
import io
import re

import pytest
from nbgrader.api import Gradebook

from autograder.grading.cli import main
from autograder.grading.course import CourseError, new_course_copy
from autograder.grading.lms import (
    CANVAS_HEADER,
    POINTS_POSSIBLE,
    read_grades,
    read_mapping,
    unmapped_message,
    write_lms_csv,
)

NUMBER = re.compile(r"^\d+(\.\d+)?$")  # both LMSs: a plain number, decimal point


# nbgrader's gradebook API warns about SQLAlchemy sessions on every add (harmless).
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = new_course_copy(tmp_path_factory.mktemp("lms") / "curso")
    with Gradebook(course.gradebook_url) as gb:
        for assignment, cells in (("01_tensores", 10), ("02_neurona", 4)):
            gb.add_assignment(assignment)
            gb.add_notebook(assignment, assignment)
            for i in range(cells):
                gb.add_grade_cell(f"c{i}", assignment, assignment, max_score=1, cell_type="code")
        for student in ("ana", "luis", "sin_mapa"):
            gb.add_student(student)
        scores = {
            ("01_tensores", "ana"): 10,
            ("01_tensores", "luis"): 5,
            ("02_neurona", "ana"): 3,
            ("01_tensores", "sin_mapa"): 7,
        }  # luis has not submitted 02_neurona
        for (assignment, student), score in scores.items():
            gb.add_submission(assignment, student)
            nb = gb.find_submission_notebook(assignment, assignment, student)
            for i, grade in enumerate(sorted(nb.grades, key=lambda g: g.name)):
                grade.auto_score = 1.0 if i < score else 0.0
        # The instructor's manual grade counts: luis gets half a point more on c9.
        nb = gb.find_submission_notebook("01_tensores", "01_tensores", "luis")
        next(g for g in nb.grades if g.name == "c9").manual_score = 0.5
        gb.db.commit()
    return course


@pytest.fixture
def mapping_file(tmp_path):
    path = tmp_path / "alumnos.csv"
    path.write_text(
        "alumno,lms,nombre,seccion\n"
        'ana,ana.garcia@uni.es,"García, Ana",Grupo A\n'
        'luis,luis.perez@uni.es,"Pérez ""Lucho"", Luis",Grupo B\n'
        "nadie,nadie@uni.es,Nadie,\n",
        encoding="utf-8",
    )
    return path


def parse(path):
    """RFC 4180 CSV, UTF-8 (the rule both import pages state)."""
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_moodle_csv_follows_the_import_rules(course, mapping_file, tmp_path):
    export = write_lms_csv(
        read_grades(course), read_mapping(mapping_file), "moodle", tmp_path / "m.csv", "email"
    )
    rows = parse(export.path)
    header, body = rows[0], rows[1:]
    # Header row, the identifier column first («Mapear desde» → useremail), one column per
    # assignment (each mapped to a grade item), every row as wide as the header.
    assert header == ["email", "01_tensores", "02_neurona"]
    assert all(len(r) == len(header) for r in body)
    by_user = {r[0]: r[1:] for r in body}
    assert by_user == {
        "ana.garcia@uni.es": ["10", "3"],
        "luis.perez@uni.es": ["5.5", ""],  # manual 0.5 counted; no submission → empty cell
    }
    assert all(NUMBER.match(v) for r in body for v in r[1:] if v)
    # Students without a mapping are left out and named.
    assert export.unmapped == ["sin_mapa"]
    message = unmapped_message(export.unmapped, mapping_file)
    assert "sin_mapa" in message and "NO se han incluido" in message


def test_canvas_csv_follows_the_import_rules(course, mapping_file, tmp_path):
    export = write_lms_csv(
        read_grades(course), read_mapping(mapping_file), "canvas", tmp_path / "c.csv"
    )
    rows = parse(export.path)
    header = rows[0]
    # Student, ID, SIS User ID, SIS Login ID, Section, then the assignments.
    assert header[:5] == CANVAS_HEADER and header[5:] == ["01_tensores", "02_neurona"]
    # The optional «Points Possible» row gives each assignment's maximum.
    assert rows[1][0].strip() == POINTS_POSSIBLE and rows[1][5:] == ["10", "4"]
    body = {r[0]: r for r in rows[2:]}
    assert set(body) == {"García, Ana", 'Pérez "Lucho", Luis'}  # quoted, UTF-8, round trip
    ana = body["García, Ana"]
    assert ana[1:5] == ["", "", "ana.garcia@uni.es", "Grupo A"]  # default: SIS Login ID
    assert ana[5:] == ["10", "3"]
    assert body['Pérez "Lucho", Luis'][5:] == ["5.5", ""]
    assert all(len(r) == len(header) for r in rows)
    assert all(NUMBER.match(v) for r in rows[1:] for v in r[5:] if v)

    other = write_lms_csv(
        read_grades(course), read_mapping(mapping_file), "canvas", tmp_path / "d.csv", "id"
    )
    assert parse(other.path)[2][1:4] == ["ana.garcia@uni.es", "", ""]


def test_cli_writes_the_file_and_names_unmapped_students(course, mapping_file, capsys):
    code = main(["lms", str(course.root), "--formato", "moodle", "--mapa", str(mapping_file)])
    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    assert (course.root / "informes" / "notas_moodle.csv").is_file()
    assert "sin_mapa" in err and "AVISO" in err
    assert parse(course.root / "informes" / "notas_moodle.csv")[0][0] == "username"


def test_bad_mapping_and_field_give_spanish_errors(course, tmp_path):
    bad = tmp_path / "malo.csv"
    bad.write_text("usuario,correo\nana,a@b\n", encoding="utf-8")
    with pytest.raises(CourseError, match="«alumno» y «lms»"):
        read_mapping(bad)
    twice = tmp_path / "doble.csv"
    twice.write_text("alumno,lms\nana,a\nana,b\n", encoding="utf-8")
    with pytest.raises(CourseError, match="aparece dos veces"):
        read_mapping(twice)
    good = tmp_path / "bien.csv"
    good.write_text("alumno,lms\nana,a\n", encoding="utf-8")
    with pytest.raises(CourseError, match="no válido para moodle"):
        write_lms_csv(read_grades(course), read_mapping(good), "moodle", tmp_path / "x", "sis")
