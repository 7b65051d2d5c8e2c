"""Suspicions for the instructor: results too good to be honest, never a change of points.

At autograde (grader mode) :func:`autograder.checks.training.check_accuracy`
reports here a model that does clearly better on the test split than on its
own training split (trained on the test data), or better than the reference
solution ever did in calibration. The grader stores the notes in the
autograded notebook (cell metadata ``autograder.suspicion``) and the class
report lists them. Students never see them; the points stand.
"""

import contextlib
from collections.abc import Iterator

_notes: list[str] | None = None


@contextlib.contextmanager
def collecting() -> Iterator[list[str]]:
    """Within the block, :func:`report` appends to the list it yields."""
    global _notes
    previous, _notes = _notes, []
    try:
        yield _notes
    finally:
        _notes = previous


def active() -> bool:
    """True while the grader collects suspicions (never in the student's kernel)."""
    return _notes is not None


def report(text: str) -> None:
    """Note ``text`` (Spanish, for the instructor) if the grader is collecting."""
    if _notes is not None and text not in _notes:
        _notes.append(text)
