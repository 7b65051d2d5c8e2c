"""What a student's model predicts: outputs for inputs the grader chooses, probability
rows, predicted classes. The model is called directly (``model(x, training=False)``)."""

import re
import sys
import warnings
from collections.abc import Sequence

import numpy as np

from .architecture import (
    check_hidden_activations,
    check_input,
    check_layers,
    check_output,
    check_output_shapes,
    check_parameters,
    input_shape,
    keras_module,
    model_steps,
)
from .describe import format_number
from .environment import quiet_keras
from .messages import message
from .outcomes import IncorrectAnswer, StudentCodeError


def _built_copy(model: object, features: int) -> object | None:
    """The model itself once built (predicting changes nothing); else a clone built for
    ``features`` inputs, so the student's model is never built by a check. ``None`` when
    Keras cannot clone it (e.g. an activation given as ``tf.nn.softmax``)."""
    if model.built:
        return model
    keras = keras_module()
    try:
        clone = keras.models.clone_model(model)
        clone.build((None, features))
    except (TypeError, ValueError):
        return None
    return clone


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_WRONG_WIDTH = re.compile(
    r"expected axis -1 of input shape to have value (\d+), but received input with shape "
    r"\((?:None|\d+), (\d+)\)"
)
_LIBRARY_HEADER = "Exception encountered when calling"
MAX_ERROR_CHARS = 200


def library_error_line(exc: BaseException, name: str) -> str:
    """One short Spanish line for an exception raised inside Keras/TensorFlow.

    Keras errors run over many English lines with terminal colour codes; a wrong input
    width is said in Spanish, anything else is its first meaningful line, cut to
    ``MAX_ERROR_CHARS``. The original goes to the process's real stderr, which is the
    grading log (not the notebook: stderr in a test cell scores 0)."""
    text = _ANSI.sub("", str(exc))
    print(f"[autograder] {type(exc).__name__}: {text}", file=sys.__stderr__, flush=True)
    width = _WRONG_WIDTH.search(text)
    if width:
        return message("model_input_width", name=name, expected=width[1], found=width[2])
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(_LIBRARY_HEADER)] or lines or [""]
    first = lines[0]
    cut = first if len(first) <= MAX_ERROR_CHARS else first[: MAX_ERROR_CHARS - 1] + "…"
    return f"`{type(exc).__name__}: {cut}`"


def predict(model: object, name: str, x: np.ndarray) -> np.ndarray:
    """The model's outputs for ``x``; an exception is the student's error.

    Calls the model directly (``model(x, training=False)``, as ``predict`` does
    batch by batch): no progress bar, no ``tf.function`` retracing warnings.
    The result keeps the model's floating dtype (float16 outputs are judged
    with float16 tolerances by :func:`probability_rows`).
    """
    keras = keras_module()
    try:
        with quiet_keras():
            out = keras.ops.convert_to_numpy(model(np.asarray(x, dtype="float32"), training=False))
    except Exception as exc:  # the student's model may raise anything
        raise StudentCodeError(
            message(
                "model_predict_error",
                name=name,
                features=np.shape(x)[-1],
                error=library_error_line(exc, name),
            )
        ) from exc
    out = np.asarray(out)
    return out if float_eps(out.dtype) else out.astype(float)


def float_eps(dtype: np.dtype) -> float | None:
    """Machine epsilon of a floating dtype (bfloat16 included: NumPy knows it only
    through TensorFlow's ``ml_dtypes``); ``None`` for other dtypes."""
    if dtype.name == "bfloat16":
        return 2.0**-7
    return float(np.finfo(dtype).eps) if dtype.kind == "f" else None


def sum_tolerance(probs: np.ndarray, base: float = 1e-3) -> float:
    """Tolerance on a row sum of ``probs``: ``base``, or more for low-precision floats
    (each of ``k`` values may be off by half a unit in the last place: k·eps)."""
    width = probs.shape[-1] if probs.ndim else 1
    return max(base, (float_eps(probs.dtype) or 0.0) * width)


def check_probability_rows(probs: np.ndarray, name: str, classes: int) -> None:
    """Rows of ``probs`` are probabilities: softmax rows sum to 1, a sigmoid column in [0, 1]."""
    probability_rows(probs, name, classes)


def probability_rows(
    probs: np.ndarray, name: str, classes: int, *, probabilities: bool = True
) -> np.ndarray:
    """``probs`` as a 2-D array, after failing unless it has one row per example and one
    column per class (or one sigmoid column for two) and, if ``probabilities``, its rows
    are probabilities."""
    rows = probs.shape[0]
    if probs.ndim == 1:
        probs = probs.reshape(rows, 1)
    width = probs.shape[1] if probs.ndim == 2 else None
    if width not in ({1, 2} if classes == 2 else {classes}):
        expected = (rows, classes) if classes != 2 else message("binary_output_shapes", rows=rows)
        raise IncorrectAnswer(
            message("model_predict_shape", name=name, found=probs.shape, expected=expected)
        )
    if not probabilities:
        return probs
    atol = sum_tolerance(probs)
    slack = atol if probs.dtype.itemsize < 4 else 1e-6
    probs = probs.astype(float)
    if width == 1:
        low, high = probs.min(), probs.max()
        if low < -slack or high > 1 + slack:
            raise IncorrectAnswer(
                message(
                    "model_not_probability",
                    name=name,
                    low=format_number(low),
                    high=format_number(high),
                )
            )
        return probs
    sums = probs.sum(axis=1)
    bad = np.flatnonzero(~np.isclose(sums, 1.0, atol=atol)) if probs.size else []
    if len(bad) or probs.min() < -slack:
        found = format_number(sums[bad[0]]) if len(bad) else message("negative_values")
        raise IncorrectAnswer(message("model_not_probabilities", name=name, found=found))
    return probs


def check_predicts_probabilities(model: object, name: str, features: int, classes: int) -> None:
    """The model (or, while unbuilt, a built copy) fed random inputs outputs probability rows.

    The inputs have the width the model itself declares when it declares one: a wrong
    input size is the input check's failure, not this one's."""
    model_steps(model, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        subject = _built_copy(model, features)
    if subject is None:
        return
    declared = input_shape(subject)
    if declared and len(declared) == 2 and isinstance(declared[1], int):
        features = declared[1]
    x = np.random.default_rng(0).normal(size=(16, features)).astype("float32")
    check_probability_rows(predict(subject, name, x), name, classes)


def predicted_classes(probs: np.ndarray) -> np.ndarray:
    """Class per row: argmax of softmax rows, ``p > 0.5`` for one sigmoid column."""
    if probs.ndim == 1 or probs.shape[1] == 1:
        return (probs.reshape(-1) > 0.5).astype(int)
    return probs.argmax(axis=1)


def check_model(
    model: object,
    name: str,
    *,
    features: int,
    units: Sequence[int],
    classes: int,
    total: int | None = None,
) -> None:
    """Everything about an architecture, coarse to fine: layers, input, shapes,
    parameters, activations, probabilities."""
    check_layers(model, name, units)
    check_input(model, name, features)
    check_output_shapes(model, name, features)
    check_parameters(model, name, features, total=total)
    check_hidden_activations(model, name)
    check_output(model, name, classes)
    check_predicts_probabilities(model, name, features, classes)


def check_predicted_classes(
    function: str, model: object, model_name: str, x: np.ndarray, x_name: str = "x"
) -> None:
    """The student's ``function(model, x)`` returns the most probable class of each row,
    as the grader computes it from ``model``'s own outputs (argmax, or ``p > 0.5`` for
    one sigmoid column). Keras warnings while it runs are silenced."""
    from .answers import call
    from .arrays import check_array

    expected = predicted_classes(predict(model, model_name, x))
    shown = f"{function}({model_name}, {x_name})"
    found = call(function, model, x, quiet=True)
    check_array(
        found,
        shown,
        kind="array",
        shape=expected.shape,
        expected=expected,
        hints={
            "shape": message("classes_hint_shape"),
            "values": message("classes_hint_values", model=model_name),
        },
    )
