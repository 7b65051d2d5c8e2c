"""Checks for NumPy arrays and TensorFlow tensors, coarse to fine.

:func:`check_array` runs type → rank → shape → dtype → finiteness → range →
values and stops at the first failure, so a student fixes one thing at a
time. Stage hints (``ndim``, ``shape``, ``finite``, ``range``, ``values``) can be
overridden per exercise through ``hints``.
"""

from collections.abc import Mapping

import numpy as np

from .describe import describe, dtype_name, format_number, is_tensor
from .messages import message
from .outcomes import IncorrectAnswer

KINDS = ("numpy", "tensor", "array")


def check_array(
    value: object,
    name: str,
    *,
    kind: str = "numpy",
    ndim: int | None = None,
    shape: tuple | None = None,
    dtype: str | None = None,
    value_range: tuple[float, float] | None = None,
    expected: object = None,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    hints: Mapping[str, str] | None = None,
) -> None:
    """Check ``value``, coarse to fine; raise at the first failure.

    Returns nothing, so a check ending a test cell leaves no output that
    nbgrader could read as partial credit. ``shape`` may hold ``None`` for
    any size on that axis; ``expected`` is compared with ``np.isclose``.
    """
    hints = dict(hints or {})
    check_kind(value, name, kind)
    array = np.asarray(value)
    if ndim is not None:
        _check_ndim(array, name, ndim, hints)
    if shape is not None:
        _check_shape(array, name, shape, hints)
    if dtype is not None:
        _check_dtype(value, name, dtype)
    if value_range is not None or expected is not None:
        _check_finite(array, name, hints)
    if value_range is not None:
        _check_range(array, name, value_range, hints)
    if expected is not None:
        check_values(array, name, expected, rtol=rtol, atol=atol, hint=hints.get("values"))


def first_position(mask: np.ndarray) -> tuple[int, ...]:
    """Index of the first True in ``mask``, as plain ints for messages."""
    return tuple(int(i) for i in np.argwhere(mask)[0])


def check_kind(value: object, name: str, kind: str) -> None:
    """Fail unless ``value`` is a NumPy array, a tensor, or either."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    is_array = isinstance(value, np.ndarray)
    found = describe(value)
    if kind == "numpy" and not is_array:
        raise IncorrectAnswer(message("type_numpy", name=name, found=found))
    if kind == "tensor" and not is_tensor(value):
        raise IncorrectAnswer(message("type_tensor", name=name, found=found))
    if kind == "array" and not (is_array or is_tensor(value)):
        raise IncorrectAnswer(message("type_array", name=name, found=found))


def _check_ndim(array: np.ndarray, name: str, ndim: int, hints: Mapping) -> None:
    if array.ndim != ndim:
        hint = hints.get("ndim") or message("hint_ndim")
        raise IncorrectAnswer(
            message("ndim", name=name, found=array.ndim, expected=ndim, hint=hint)
        )


def _shape_matches(found: tuple, expected: tuple) -> bool:
    return len(found) == len(expected) and all(
        e is None or f == e for f, e in zip(found, expected, strict=True)
    )


def _check_shape(array: np.ndarray, name: str, shape: tuple, hints: Mapping) -> None:
    if not _shape_matches(array.shape, tuple(shape)):
        hint = hints.get("shape") or message("hint_shape", name=name)
        shown = tuple("n" if s is None else s for s in shape)
        raise IncorrectAnswer(
            message("shape", name=name, found=array.shape, expected=shown, hint=hint)
        )


def _check_dtype(value: object, name: str, dtype: str) -> None:
    found = dtype_name(value)
    if found != np.dtype(dtype).name:
        # message() strips its text: the space before « o `tf.cast`…» is added here.
        tensor_hint = " " + message("tensor_hint", expected=dtype) if is_tensor(value) else ""
        raise IncorrectAnswer(
            message("dtype", name=name, found=found, expected=dtype, tensor_hint=tensor_hint)
        )


def _check_finite(array: np.ndarray, name: str, hints: Mapping) -> None:
    if array.dtype.kind not in "fc":
        return
    bad = ~np.isfinite(array)
    if bad.any():
        hint = hints.get("finite") or message("hint_finite")
        raise IncorrectAnswer(
            message("not_finite", name=name, where=first_position(bad), hint=hint)
        )


def _check_range(array: np.ndarray, name: str, value_range: tuple, hints: Mapping) -> None:
    low, high = value_range
    if array.size and (array.min() < low or array.max() > high):
        hint = hints.get("range") or message("hint_range")
        raise IncorrectAnswer(
            message(
                "range",
                name=name,
                low=format_number(array.min()),
                high=format_number(array.max()),
                expected_low=format_number(low),
                expected_high=format_number(high),
                hint=hint,
            )
        )


def check_values(
    value: object,
    name: str,
    expected: object,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    hint: str | None = None,
) -> None:
    """Fail at the first element that differs from ``expected`` beyond tolerance."""
    found = np.asarray(value, dtype=float)
    wanted = np.broadcast_to(np.asarray(expected, dtype=float), found.shape)
    close = np.isclose(found, wanted, rtol=rtol, atol=atol)
    if not close.all():
        index = first_position(~close)
        raise IncorrectAnswer(
            message(
                "values",
                name=name,
                where=index,
                found=format_number(found[index]),
                expected=format_number(wanted[index]),
                hint=hint or message("hint_values", name=name),
            )
        )
