"""The grades table, the expected-score comparison and the class report."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.grading.class_report import frequent_failures, pass_rates, write_class_report
from autograder.grading.course import Course, load_config
from autograder.grading.cycle import CycleReport
from autograder.grading.gradebook import StudentResult
from autograder.grading.report import all_as_expected, assignment_table, mismatches

REPO = Path(__file__).resolve().parents[2]


def _result(student, a, b):
    return StudentResult(student, {"celda_a": a, "celda_b": b}, {"celda_a": 1, "celda_b": 2})


EXPECTED = {
    "ana": {"description": "", "points": {"celda_a": 1, "celda_b": 2}},
    "luis": {"description": "", "points": {"celda_a": 0, "celda_b": 2}},
}


def test_table_lists_cells_students_totals_and_checks():
    table = assignment_table("01_x", [_result("ana", 1, 2), _result("luis", 0, 2)], EXPECTED)
    lines = table.splitlines()
    assert lines[0] == "Tarea 01_x"
    assert lines[1].split() == ["celda", "ana", "luis"]
    assert lines[2].split() == ["celda_a", "1", "0"]
    assert lines[4].split() == ["TOTAL", "3/3", "2/3"]
    assert lines[5].split() == ["✓", "esperado", "✓", "esperado"]


def test_mismatch_is_reported_per_cell():
    result = _result("luis", 1, 2)
    assert mismatches(result, EXPECTED["luis"]) == ["celda_a: 1 ≠ 0"]
    table = assignment_table("01_x", [result], EXPECTED)
    assert "✗ DIFIERE" in table and "✗ luis: celda_a: 1 ≠ 0" in table


def _report(results, tmp_path):
    course = Course(root=tmp_path, config=load_config(REPO))
    return CycleReport(course, results={"01_x": results}, expected={"01_x": EXPECTED})


def test_all_as_expected_needs_every_student_right_and_graded(tmp_path):
    assert all_as_expected(_report([_result("ana", 1, 2), _result("luis", 0, 2)], tmp_path))
    assert not all_as_expected(_report([_result("luis", 1, 2)], tmp_path))
    failed = _result("ana", 1, 2)
    failed.error = "tiempo agotado"
    assert not all_as_expected(_report([failed], tmp_path))
    assert not all_as_expected(_report([_result("pepe", 1, 2)], tmp_path))  # unknown student


def _autograded(course, student, message):
    cell = new_code_cell("check()")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "celda_a"}
    cell.outputs = [new_output("error", ename="IncorrectAnswer", evalue=message, traceback=[])]
    folder = course.folder("autograded") / student / "01_x"
    folder.mkdir(parents=True)
    nbformat.write(new_notebook(cells=[cell]), folder / "01_x.ipynb")


def test_class_report_counts_failures_and_draws_plots(tmp_path):
    course = Course(root=tmp_path, config=load_config(REPO))
    results = [_result("ana", 0, 2), _result("luis", 0, 0), _result("eva", 1, 2)]
    _autograded(course, "ana", "❌ Incorrecto: `x` tiene forma (2,)")
    _autograded(course, "luis", "❌ Incorrecto: `x` tiene forma (2,)")
    (course.folder("autograded") / "eva" / "01_x").mkdir(parents=True)

    assert pass_rates(results) == {"celda_a": 1 / 3, "celda_b": 2 / 3}
    assert frequent_failures(course, "01_x", results) == [
        ("celda_a", "❌ Incorrecto: `x` tiene forma (2,)", 2)
    ]
    page = write_class_report(course, {"01_x": results}, tmp_path / "informes")
    text = page.read_text(encoding="utf-8")
    assert "Fallos más frecuentes" in text and "tiene forma (2,)" in text
    for png in ("01_x_notas.png", "01_x_celdas.png"):
        assert (tmp_path / "informes" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    csv_text = (tmp_path / "informes" / "fallos_frecuentes.csv").read_text(encoding="utf-8")
    assert "01_x,celda_a" in csv_text and csv_text.strip().endswith(",2")
