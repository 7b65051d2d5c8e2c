"""Checks for the course's nbgrader test cells, and the instructor tooling.

Test cells use the public API re-exported here; messages live in
:mod:`autograder.messages`.
"""

from .answers import answer, call, function
from .arrays import check_array, check_kind, check_values
from .environment import passed, quiet_tensorflow, set_seeds, setup_notebook
from .outcomes import CheckFailure, IncorrectAnswer, NotAttempted, StudentCodeError
from .outputs import check_number, check_probabilities
from .values import check_equal, check_sequence

__all__ = [
    "CheckFailure",
    "IncorrectAnswer",
    "NotAttempted",
    "StudentCodeError",
    "answer",
    "call",
    "check_array",
    "check_equal",
    "check_kind",
    "check_number",
    "check_probabilities",
    "check_sequence",
    "check_values",
    "function",
    "passed",
    "quiet_tensorflow",
    "set_seeds",
    "setup_notebook",
]
