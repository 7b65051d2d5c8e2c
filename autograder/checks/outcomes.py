"""The three ways a check can fail, kept apart as in learntools.

Each is an ``AssertionError`` so that nbgrader scores the test cell 0, and
each carries a Spanish message from the catalogue. Inside a notebook,
:func:`install_display` shows only that message instead of a traceback, so
students never see test code.
"""

from .messages import OUTCOME_LABELS


class CheckFailure(AssertionError):
    """Base class: a check did not pass."""

    outcome = "incorrect"

    def __str__(self) -> str:
        return f"{OUTCOME_LABELS[self.outcome]}: {super().__str__()}"


class NotAttempted(CheckFailure):
    """The stub still raises ``NotImplementedError`` or the name is undefined."""

    outcome = "not_attempted"


class IncorrectAnswer(CheckFailure):
    """The student's answer exists but is wrong."""

    outcome = "incorrect"


class StudentCodeError(CheckFailure):
    """Calling the student's code raised an exception."""

    outcome = "student_error"


def _show_message_only(shell, etype, value, tb, tb_offset=None):
    # IPython's own set_custom_exc docstring shows handlers displaying via
    # _showtraceback: the kernel still sends an error output (nbgrader scores
    # the cell 0) whose traceback is only our message, never the test code.
    stb = [str(value)]
    shell._showtraceback(etype, value, stb)
    return stb


def install_display() -> bool:
    """Show check failures as one Spanish line in IPython; False outside it."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((CheckFailure,), _show_message_only)
    return True
