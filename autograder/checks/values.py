"""Checks for plain Python values: tuples and exact equality."""

from .describe import describe
from .messages import message
from .outcomes import IncorrectAnswer


def check_sequence(value: object, name: str, length: int, hint: str = "") -> tuple:
    """Fail unless ``value`` is a tuple or list of ``length`` items; return it as a tuple."""
    if not isinstance(value, tuple | list) or len(value) != length:
        found = describe(value)
        if isinstance(value, tuple | list):
            found = message("sequence_length", found=found, length=len(value))
        raise IncorrectAnswer(message("sequence", name=name, found=found, length=length, hint=hint))
    return tuple(value)


def check_equal(found: object, expected: object, name: str, hint: str | None = None) -> None:
    """Fail unless ``found == expected``."""
    if not _same(found, expected):
        raise IncorrectAnswer(
            message(
                "equal",
                name=name,
                found=repr(found),
                expected=repr(expected),
                hint=hint or message("hint_equal"),
            )
        )


def _same(found: object, expected: object) -> bool:
    # A student may hand back an array where a tuple is expected; comparing
    # those element-wise must not crash the check.
    try:
        return bool(found == expected)
    except (TypeError, ValueError):
        return False
