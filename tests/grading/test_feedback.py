"""The feedback preprocessor keeps only one message line per test-cell error."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.grading.feedback import HideTestTracebacks


def _cell(grade, solution, ename, evalue, traceback):
    cell = new_code_cell("check(x)")
    cell.metadata["nbgrader"] = {"grade": grade, "solution": solution, "grade_id": "g", "points": 1}
    cell.outputs = [new_output("error", ename=ename, evalue=evalue, traceback=traceback)]
    return cell


def _run(cell):
    nb = new_notebook(cells=[cell])
    nb, _ = HideTestTracebacks().preprocess(nb, {})
    return nb.cells[0].outputs[0].traceback


def test_our_failures_show_only_their_message():
    cell = _cell(
        True,
        False,
        "IncorrectAnswer",
        "❌ Incorrecto: `x` tiene forma (2,)",
        ["Traceback", "_secret_hidden_input = 42", "IncorrectAnswer: ..."],
    )
    assert _run(cell) == ["❌ Incorrecto: `x` tiene forma (2,)"]


def test_other_errors_in_test_cells_show_name_and_message():
    cell = _cell(
        True,
        False,
        "NameError",
        "name 'x' is not defined",
        ["Traceback", "----> 3 hidden_check(x)"],
    )
    assert _run(cell) == ["NameError: name 'x' is not defined"]


def test_student_cells_keep_their_traceback():
    trace = ["Traceback", "----> 1 mi_codigo()"]
    assert _run(_cell(False, True, "ValueError", "bad", list(trace))) == trace


def test_preprocessor_runs_on_a_real_notebook_roundtrip(tmp_path):
    cell = _cell(True, False, "StudentCodeError", "💥 Error en tu código: f(1)", ["code line"])
    path = tmp_path / "n.ipynb"
    nbformat.write(new_notebook(cells=[cell]), path)
    nb, _ = HideTestTracebacks().preprocess(nbformat.read(path, 4), {})
    assert nb.cells[0].outputs[0].traceback == ["💥 Error en tu código: f(1)"]
