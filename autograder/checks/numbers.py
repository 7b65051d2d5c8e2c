"""Checks for what a neuron or a layer outputs: single numbers and probabilities."""

import numbers
from collections.abc import Mapping

import numpy as np

from .arrays import check_array, first_position
from .describe import describe, format_number, is_tensor
from .messages import message
from .outcomes import IncorrectAnswer


def _as_scalar(value: object) -> object:
    """The plain number inside ``value``, or None if it is not one number."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, np.ndarray) or is_tensor(value):
        array = np.asarray(value)
        if array.ndim != 0 or array.dtype.kind not in "iuf":
            return None
        return array.item()
    if isinstance(value, numbers.Real):
        return value.item() if isinstance(value, np.generic) else value
    return None


def check_number(
    value: object,
    name: str,
    expected: float | None = None,
    *,
    integer: bool = False,
    alternatives: tuple = (),
    rtol: float = 1e-6,
    atol: float = 1e-8,
    hint: str | None = None,
) -> None:
    """Fail unless ``value`` is one real number (close to ``expected`` if given).

    Python and NumPy numbers and 0-d arrays or tensors count as a number;
    booleans and arrays with more than one element do not. ``integer``
    also requires an integer type (a class index, for example). Values in
    ``alternatives`` count as right too (for example the value consistent
    with the student's own earlier answer); the message shows ``expected``.
    """
    scalar = _as_scalar(value)
    if scalar is None:
        raise IncorrectAnswer(
            message(
                "number_type",
                name=name,
                found=describe(value),
                hint=hint or message("hint_number"),
            )
        )
    if integer and isinstance(scalar, float) and np.isfinite(scalar):
        shown_type = type(value).__name__
        if isinstance(value, np.ndarray) or is_tensor(value):
            shown_type = str(np.asarray(value).dtype)  # a 0-d array or tensor: its dtype
        raise IncorrectAnswer(
            message(
                "number_float_not_integer",
                name=name,
                found=repr(scalar),
                type=shown_type,
                hint=hint or message("hint_integer"),
            )
        )
    if integer and isinstance(scalar, float):
        raise IncorrectAnswer(message("number_not_finite", name=name, found=scalar))
    if integer and not isinstance(scalar, int):
        raise IncorrectAnswer(
            message(
                "number_integer",
                name=name,
                found=format_number(scalar),
                hint=hint or message("hint_integer"),
            )
        )
    if not np.isfinite(scalar):
        raise IncorrectAnswer(message("number_not_finite", name=name, found=scalar))
    if expected is None:
        return
    accepted = (expected, *alternatives)
    if not any(np.isclose(scalar, v, rtol=rtol, atol=atol) for v in accepted):
        raise IncorrectAnswer(
            message(
                "equal",
                name=name,
                found=format_number(scalar),
                expected=format_number(expected),
                hint=hint or message("hint_equal"),
            )
        )


def dtype_tolerance(value: object, atol: float) -> float:
    """``atol``, widened to what the value's floating dtype can hold: a row of ``k``
    float16 probabilities sums to 1 only within about ``k`` units in the last place
    (``np.finfo(dtype).eps``), so numerically equivalent outputs in another dtype pass."""
    dtype = np.asarray(value).dtype
    if dtype.kind != "f":
        return atol
    width = np.shape(value)[-1] if np.ndim(value) else 1
    return max(atol, float(np.finfo(dtype).eps) * max(width, 1))


def check_probabilities(
    value: object,
    name: str,
    *,
    shape: tuple | None = None,
    expected: object = None,
    atol: float = 1e-6,
    hints: Mapping[str, str] | None = None,
) -> None:
    """Fail unless ``value`` holds probabilities along its last axis.

    Coarse to fine: array or tensor, ``shape``, finite, every value in
    [0, 1], every slice along the last axis summing to 1, then (if given)
    the values in ``expected``. ``hints`` may override the stages of
    :func:`check_array`, ``"finite"`` and ``"sum"``.
    """
    hints = {"finite": message("hint_prob_finite"), **(hints or {})}
    # check_array goes type → shape → finite → range, stopping at the first failure.
    check_array(value, name, kind="array", shape=shape, value_range=(0, 1), hints=hints)
    atol = dtype_tolerance(value, atol)
    array = np.asarray(value, dtype=float)
    sums = array.sum(axis=-1) if array.ndim else array
    bad = ~np.isclose(sums, 1.0, rtol=0, atol=atol)
    if bad.any():
        hint = hints.get("sum") or message("hint_prob_sum")
        if array.ndim <= 1:
            raise IncorrectAnswer(
                message("prob_sum", name=name, found=format_number(sums), hint=hint)
            )
        where = first_position(bad)
        shown = where[0] if len(where) == 1 else where
        raise IncorrectAnswer(
            message(
                "prob_sum_row",
                name=name,
                where=shown,
                found=format_number(sums[where]),
                hint=hint,
            )
        )
    if expected is not None:
        check_array(value, name, kind="array", expected=expected, rtol=0, atol=atol, hints=hints)
