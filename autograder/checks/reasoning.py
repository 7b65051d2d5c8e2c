"""Checks for answers the student works out: right or wrong, with a hint that guides,
and never the expected value itself (a visible check that showed it would dictate it)."""

from collections.abc import Mapping

from .describe import format_number
from .messages import message
from .numbers import check_number
from .outcomes import IncorrectAnswer


def check_reasoned_number(
    value: object,
    name: str,
    expected: float,
    *,
    hint: str,
    diagnoses: Mapping[float, str] | None = None,
    atol: float = 0.5,
) -> None:
    """``value`` is one number within ``atol`` of ``expected`` (default: the same integer).

    A wrong value found in ``diagnoses`` (wrong value → Spanish hint for the mistake that
    gives it) gets that hint, any other wrong value gets ``hint``; the message never shows
    ``expected``.
    """
    check_number(value, name)
    found = float(value)
    if abs(found - expected) <= atol:
        return
    specific = next(
        (text for wrong, text in (diagnoses or {}).items() if abs(found - wrong) <= atol), hint
    )
    raise IncorrectAnswer(
        message("reasoned_wrong", name=name, found=format_number(value), hint=specific)
    )
