"""Short Spanish descriptions of values, for messages."""

import numpy as np

from .messages import ARRAY_DESCRIPTION, TYPE_NAMES, message

_MAX_REPR = 60


def is_tensor(value: object) -> bool:
    """True for a TensorFlow tensor, without importing TensorFlow needlessly."""
    module = type(value).__module__ or ""
    if not module.startswith("tensorflow"):
        return False
    import tensorflow as tf

    return tf.is_tensor(value)


def type_name(value: object) -> str:
    """Spanish name of the value's type, e.g. «una lista»."""
    if is_tensor(value):
        return TYPE_NAMES["tensor"]
    name = type(value).__name__
    if name in TYPE_NAMES:
        return TYPE_NAMES[name]
    if isinstance(value, np.generic):  # np.float32(1.0), np.int64(3): a NumPy number
        return message("numpy_scalar", type=name)
    if callable(value):
        return TYPE_NAMES["function"]
    return TYPE_NAMES["other"].format(type=name)


def describe(value: object) -> str:
    """Describe a value: arrays by kind, shape and dtype, others by type."""
    if isinstance(value, np.ndarray) or is_tensor(value):
        shape = tuple(int(d) for d in value.shape)
        return ARRAY_DESCRIPTION.format(kind=type_name(value), shape=shape, dtype=dtype_name(value))
    return type_name(value)


def dtype_name(value: object) -> str:
    """The dtype's plain name (``float32``), for NumPy arrays and tensors."""
    dtype = value.dtype
    return getattr(dtype, "name", str(dtype))


def short_repr(value: object) -> str:
    """A one-line repr, cut to a readable length; arrays as ``<np.ndarray (2, 3) float64>``."""
    if isinstance(value, np.ndarray) or is_tensor(value):
        kind = "tf.Tensor" if is_tensor(value) else "np.ndarray"
        shape = tuple(int(d) for d in value.shape)
        return f"<{kind} {shape} {dtype_name(value)}>"
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 1] + "…"


def format_number(x: object) -> str:
    """A number as a short string: integers stay integers."""
    x = np.asarray(x).item()
    if isinstance(x, float):
        return f"{x:.6g}"
    return repr(x)
