"""Issue 12: the pieces of intake, in-process and fast (the real command runs in
test_intake.py): structure repair, failure reasons, output cap, feedback, resume."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from autograder.grading.feedback import ClearHiddenTestsInTestCells, HideTestTracebacks
from autograder.grading.outputs import LimitOutputBytes
from autograder.grading.resume import fingerprint
from autograder.grading.steps import failure_reason
from autograder.grading.structure import (
    LOST_METADATA,
    StructureError,
    merge_repeated,
    restore_metadata,
)


def _meta(gid, grade=False, solution=False, locked=False, points=0):
    return {
        "grade_id": gid,
        "grade": grade,
        "solution": solution,
        "locked": locked,
        "points": points,
        "schema_version": 3,
    }


def source():
    cells = [
        new_markdown_cell("# Tarea"),
        new_code_cell("import numpy as np"),
        new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"),
        new_code_cell("check(x)\n### BEGIN HIDDEN TESTS\nsecret(x)\n### END HIDDEN TESTS"),
        new_markdown_cell("Nota"),
        new_code_cell("### BEGIN SOLUTION\ny = 2\n### END SOLUTION"),
        new_code_cell("check(y)"),
    ]
    metas = [
        _meta("intro", locked=True),
        _meta("prep", locked=True),
        _meta("sol_x", solution=True),
        _meta("test_x", grade=True, locked=True, points=1),
        _meta("nota", locked=True),
        _meta("sol_y", solution=True),
        _meta("test_y", grade=True, locked=True, points=1),
    ]
    for cell, meta in zip(cells, metas, strict=True):
        cell.metadata["nbgrader"] = meta
    return new_notebook(cells=cells)


def ids(nb):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


def test_lost_metadata_is_restored_by_content_and_order():
    student = new_notebook(
        cells=[
            new_markdown_cell("# Tarea"),
            new_code_cell("import numpy as np"),
            new_code_cell("x = 1  # mine"),
            new_code_cell("check(x)"),  # the release text: hidden tests removed
            new_markdown_cell("Nota"),
            new_code_cell("y = 2"),
            new_code_cell("print(y)"),  # an extra cell of the student's
            new_code_cell("check(y)"),
        ]
    )
    restore_metadata(student, source())
    assert ids(student) == ["intro", "prep", "sol_x", "test_x", "nota", "sol_y", None, "test_y"]
    assert student.cells[3].metadata["nbgrader"]["points"] == 1


def test_unrelated_notebook_without_metadata_is_flagged():
    with pytest.raises(StructureError, match=LOST_METADATA):
        restore_metadata(new_notebook(cells=[new_code_cell("print('hola')")]), source())


def test_split_solution_cell_is_joined_and_copied_test_cell_dropped():
    nb = source()
    first, second = nbformat.from_dict(nb.cells[5]), nbformat.from_dict(nb.cells[5])
    first.source, second.source = "y = 1", "y = y + 1"
    copied = nbformat.from_dict(nb.cells[6])
    nb.cells[5:6] = [copied, first, second]
    merge_repeated(nb, source())
    assert ids(nb) == ["intro", "prep", "sol_x", "test_x", "nota", "sol_y", "test_y"]
    assert nb.cells[5].source == "y = 1\ny = y + 1"


def test_repeated_solution_cells_apart_keep_running_as_plain_cells():
    nb = source()
    again = nbformat.from_dict(nb.cells[2])
    again.source = "x = 3"
    nb.cells.insert(4, again)
    merge_repeated(nb, source())
    assert ids(nb).count("sol_x") == 1 and "x = 3" in [c.source for c in nb.cells]


def test_failure_reason_is_the_real_first_error():
    log = (
        "[ERROR] There was an error processing assignment: /c/submitted/ana/02\n"
        "[ERROR] Traceback (most recent call last):\n"
        '      File "x.py", line 3, in f\n'
        "        raise KeyError\n"
        "    KeyError: 'grade_id'\n"
        "[ERROR] Please see the the above traceback for details\n"
    )
    error = "Traceback (most recent call last):\nNbGraderException: Please see the above traceback"
    assert failure_reason({"log": log, "error": error}) == "KeyError: 'grade_id'"
    no_trace = {"log": "[ERROR] No assignment with ID '02' exists in the database\n"}
    assert failure_reason(no_trace) == "No assignment with ID '02' exists in the database"


def test_outputs_are_cut_by_bytes_with_a_note():
    cell = new_code_cell("print('x' * 10**6)")
    cell.outputs = [
        new_output("stream", name="stdout", text="x" * 1_000_000),
        new_output("execute_result", data={"text/plain": "y" * 50}, execution_count=1),
    ]
    nb, _ = LimitOutputBytes(max_bytes=1000).preprocess(new_notebook(cells=[cell]), {})
    text = nb.cells[0].outputs[0].text
    assert text.startswith("x" * 1000) and "salida recortada: tenía 1.0 MB" in text
    assert len(text.encode()) < 1200


def _test_cell(source_text, outputs, score):
    cell = new_code_cell(source_text)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "grade_id": "g",
        "points": 1,
        "score": score,
    }
    cell.outputs = outputs
    return cell


def test_cell_that_scored_zero_loses_its_passed_line_only():
    outputs = [
        new_output("stream", name="stdout", text="✅ Comprobación visible superada. Bien.\nnota\n"),
        new_output("error", ename="IncorrectAnswer", evalue="❌ Incorrecto: \x1b[1mmal\x1b[0m"),
    ]
    zero = _test_cell("check()", [nbformat.from_dict(o) for o in outputs], 0)
    full = _test_cell("check()", [nbformat.from_dict(outputs[0])], 1)
    nb, _ = HideTestTracebacks().preprocess(new_notebook(cells=[zero, full]), {})
    assert nb.cells[0].outputs[0].text == "nota\n"
    assert nb.cells[0].outputs[1].traceback == ["❌ Incorrecto: mal"]
    assert nb.cells[1].outputs[0].text.startswith("✅")


def test_hidden_test_markers_in_student_cells_are_their_text():
    student = new_code_cell("# BEGIN HIDDEN TESTS\nx = 1")
    student.metadata["nbgrader"] = _meta("sol", solution=True)
    test = _test_cell("check()\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS", [], 1)
    nb, _ = ClearHiddenTestsInTestCells().preprocess(new_notebook(cells=[student, test]), {})
    assert nb.cells[0].source == "# BEGIN HIDDEN TESTS\nx = 1"
    assert "secret" not in nb.cells[1].source


def test_fingerprint_follows_content_not_checkpoints(tmp_path):
    (tmp_path / "a.ipynb").write_text("uno")
    before = fingerprint(tmp_path)
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb").write_text("otro")
    assert fingerprint(tmp_path) == before
    (tmp_path / "a.ipynb").write_text("dos")
    assert fingerprint(tmp_path) != before
