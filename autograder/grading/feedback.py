"""nbgrader preprocessor that keeps test code out of students' feedback.

The autograded notebook holds the full test cells, and their error outputs
carry tracebacks quoting the hidden code. After ``ClearHiddenTests`` removes
the hidden source, this keeps only the message of each test-cell error.
"""

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from ..checks import outcomes

OUR_FAILURES = {
    cls.__name__
    for cls in (
        outcomes.CheckFailure,
        outcomes.NotAttempted,
        outcomes.IncorrectAnswer,
        outcomes.StudentCodeError,
    )
}


def one_line(output: NotebookNode) -> list[str]:
    """The only traceback line a student may see for an error output."""
    if output.get("ename") in OUR_FAILURES:
        return [output.get("evalue", "")]
    return [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]


def is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


class HideTestTracebacks(NbGraderPreprocessor):
    """Replace test-cell tracebacks with their one-line message."""

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = one_line(output)
        return cell, resources
