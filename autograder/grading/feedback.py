"""nbgrader preprocessors for students' feedback: their results and messages, nothing more.

The autograded notebook holds the full test cells, and their error outputs
carry tracebacks quoting the hidden code. After :class:`ClearHiddenTestsInTestCells`
removes the hidden source, :class:`HideTestTracebacks` keeps only the message of
each test-cell error and, in a test cell that scored 0, drops the visible check's
«passed» line (the student would read a green tick next to a failure).
"""

import re

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

from ..checks import outcomes
from ..checks.messages import PASSED

OUR_FAILURES = {
    cls.__name__
    for cls in (
        outcomes.CheckFailure,
        outcomes.NotAttempted,
        outcomes.IncorrectAnswer,
        outcomes.StudentCodeError,
    )
}
# Terminal colour codes (Keras writes them into its error messages).
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PASSED_MARK = PASSED.split("{", 1)[0].strip()


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


def one_line(output: NotebookNode) -> list[str]:
    """The only traceback line a student may see for an error output."""
    if output.get("ename") in OUR_FAILURES:
        return [strip_ansi(output.get("evalue", ""))]
    first = strip_ansi(str(output.get("evalue", ""))).strip().split("\n", 1)[0]
    return [f"{output.get('ename', 'Error')}: {first}"]


def is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def scored_zero(cell: NotebookNode) -> bool:
    """A grade cell whose score (set by nbgrader's ``GetGrades``) is 0 of more than 0."""
    meta = cell.metadata.get("nbgrader", {})
    score, points = meta.get("score"), meta.get("points")
    return score is not None and float(score) == 0 and float(points or 0) > 0


def without_passed_lines(output: NotebookNode) -> NotebookNode | None:
    """``output`` without the «passed» lines of a visible check; ``None`` if nothing is left."""
    if output.output_type != "stream":
        return output
    kept = [line for line in output.text.splitlines(True) if not line.startswith(PASSED_MARK)]
    if not kept:
        return None
    output.text = "".join(kept)
    return output


class HideTestTracebacks(NbGraderPreprocessor):
    """Replace test-cell tracebacks with their one-line message; in a test cell that
    scored 0, drop the lines that say its visible check passed."""

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            outputs = []
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = one_line(output)
                    output.evalue = strip_ansi(str(output.get("evalue", "")))
                if scored_zero(cell):
                    output = without_passed_lines(output)
                if output is not None:
                    outputs.append(output)
            cell.outputs = outputs
        return cell, resources


class ClearHiddenTestsInTestCells(ClearHiddenTests):
    """nbgrader's ``ClearHiddenTests`` applied to test cells only.

    Test cells are the instructor's code (restored from the gradebook when edited);
    the text ``BEGIN HIDDEN TESTS`` in a student's own cell is just their text and
    must neither raise nor hide anything."""

    def preprocess_cell(self, cell, resources, index):
        if not is_test_cell(cell):
            return cell, resources
        return super().preprocess_cell(cell, resources, index)
