"""Checks on a confusion matrix and per-class recall (sensitivity, specificity).

The expected matrix is counted by the grader from the model's own predictions
on data the test cell loaded itself: never from the student's ``y_test`` or
predicted classes.
"""

import numpy as np

from .describe import describe, format_number, is_tensor
from .messages import message
from .outcomes import IncorrectAnswer
from .predictions import predict, predicted_classes, probability_rows


def model_confusion(
    model: object, name: str, x: np.ndarray, y: np.ndarray, classes: int
) -> np.ndarray:
    """The grader's confusion matrix of ``model`` on ``(x, y)``: shape ``(classes, classes)``,
    row = true class, column = predicted class (scikit-learn's order). Classes are the
    argmax of the outputs, or ``p > 0.5`` for one sigmoid column; the outputs need not be
    probabilities (another grade cell checks the output layer)."""
    predicted = model_classes(model, name, x, classes=classes)
    truth = np.asarray(y).reshape(-1).astype(int)
    matrix = np.zeros((classes, classes), dtype=int)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix


def _counts(value: object, name: str, classes: int) -> np.ndarray:
    """``value`` as a ``(classes, classes)`` array of non-negative whole counts."""
    if not (isinstance(value, np.ndarray | list | tuple) or is_tensor(value)):
        raise IncorrectAnswer(
            message("confusion_type", name=name, found=describe(value), classes=classes)
        )
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise IncorrectAnswer(
            message("confusion_type", name=name, found=describe(value), classes=classes)
        ) from exc
    if array.shape != (classes, classes):
        raise IncorrectAnswer(
            message("confusion_shape", name=name, found=array.shape, classes=classes)
        )
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(array != np.round(array)):
        raise IncorrectAnswer(message("confusion_counts", name=name))
    return array.astype(int)


def check_confusion_matrix(
    value: object,
    name: str,
    *,
    classes: int,
    total: int,
    model: object = None,
    model_name: str = "model",
    x: np.ndarray | None = None,
    y: np.ndarray | None = None,
    predicted: object = None,
    predicted_name: str = "clases_test",
) -> None:
    """``value`` is a confusion matrix of ``total`` examples, coarse to fine: a
    ``(classes, classes)`` array of whole counts that add up to ``total``; with ``model``,
    ``x`` and ``y``, equal to the grader's :func:`model_confusion`; with ``predicted`` (the
    student's own predicted classes, already checked) and ``y`` (the grader's labels), equal
    to the matrix of ``y`` against ``predicted``. A transposed matrix gets its own message."""
    found = _counts(value, name, classes)
    if int(found.sum()) != total:
        raise IncorrectAnswer(
            message("confusion_total", name=name, found=int(found.sum()), expected=total)
        )
    if model is not None:
        expected = model_confusion(model, model_name, x, y, classes)
        mismatch = message(
            "confusion_mismatch",
            name=name,
            found=found.tolist(),
            model=model_name,
            expected=expected.tolist(),
        )
    elif predicted is not None:
        expected = labels_confusion(y, predicted, classes)
        mismatch = message(
            "confusion_mismatch_own",
            name=name,
            found=found.tolist(),
            predicted=predicted_name,
            expected=expected.tolist(),
        )
    else:
        return
    if np.array_equal(found, expected):
        return
    if np.array_equal(found, expected.T):
        raise IncorrectAnswer(message("confusion_transposed", name=name))
    raise IncorrectAnswer(mismatch)


def labels_confusion(y: np.ndarray, predicted: object, classes: int) -> np.ndarray:
    """Confusion matrix of true labels ``y`` against ``predicted`` classes (both shape
    ``(n,)``, whole numbers in ``range(classes)``): shape ``(classes, classes)``, row = true
    class, column = predicted class."""
    truth = np.asarray(y).reshape(-1).astype(int)
    guess = np.asarray(predicted, dtype=float).reshape(-1).astype(int)
    matrix = np.zeros((classes, classes), dtype=int)
    np.add.at(matrix, (truth, guess), 1)
    return matrix


def check_class_values(
    value: object,
    name: str,
    *,
    classes: int,
    model: object = None,
    model_name: str = "model",
    x: np.ndarray | None = None,
) -> None:
    """Every value of ``value`` (an array already checked for shape) is a whole class number
    in ``range(classes)``, not a probability; with ``model`` and ``x``, ``value`` does not hold
    a single class when the grader's :func:`model_classes` of ``model`` on ``x`` holds more
    (the usual cause: ``argmax`` over one sigmoid column, which is always 0)."""
    array = np.asarray(value, dtype=float).reshape(-1)
    bad = ~np.isin(array, np.arange(classes))
    if bad.any():
        raise IncorrectAnswer(
            message(
                "classes_not_whole",
                name=name,
                found=format_number(array[bad][0]),
                last=classes - 1,
            )
        )
    if model is None or len(np.unique(array)) != 1:
        return
    expected = model_classes(model, model_name, x, classes=classes)
    if len(np.unique(expected)) > 1:
        raise IncorrectAnswer(
            message("classes_single", name=name, found=int(array[0]), model=model_name)
        )


def _rate(value: object, name: str, hint: str) -> float:
    """``value`` as one number in [0, 1]."""
    array = None
    if isinstance(value, int | float | np.generic | np.ndarray) or is_tensor(value):
        array = np.asarray(value)
    if (
        array is None
        or array.size != 1
        or array.dtype.kind not in "iuf"
        or isinstance(value, bool | np.bool_)
    ):
        raise IncorrectAnswer(message("rate_type", name=name, found=describe(value), hint=hint))
    rate = float(array.reshape(-1)[0])
    if not 0 <= rate <= 1:
        raise IncorrectAnswer(
            message("rate_range", name=name, found=format_number(rate), hint=hint)
        )
    return rate


def check_recall(
    value: object,
    name: str,
    *,
    label: int,
    classes: int,
    hint: str,
    model: object = None,
    model_name: str = "model",
    x: np.ndarray | None = None,
    y: np.ndarray | None = None,
    atol: float = 1e-3,
    matrix: object = None,
    matrix_name: str = "matriz",
) -> None:
    """``value`` is one number in [0, 1]; with ``model``, ``x`` and ``y``, it is the recall
    of class ``label`` (hits of that class / its examples, from the grader's confusion
    matrix) within ``atol``; with ``matrix`` (the student's own confusion matrix, already
    checked), it is that recall read from ``matrix``. ``hint`` (Spanish) says how that
    recall is computed."""
    found = _rate(value, name, hint)
    if model is None:
        if matrix is not None:
            own = _counts(matrix, matrix_name, classes)
            expected = own[label, label] / max(int(own[label].sum()), 1)
            if abs(found - expected) > atol:
                raise IncorrectAnswer(
                    message(
                        "recall_mismatch_own",
                        name=name,
                        found=format_number(found),
                        matrix=matrix_name,
                        hint=hint,
                    )
                )
        return
    matrix = model_confusion(model, model_name, x, y, classes)
    expected = matrix[label, label] / max(int(matrix[label].sum()), 1)
    if abs(found - expected) > atol:
        raise IncorrectAnswer(
            message(
                "recall_mismatch",
                name=name,
                found=format_number(found),
                model=model_name,
                expected=format_number(round(float(expected), 4)),
                hint=hint,
            )
        )


def model_classes(model: object, name: str, x: np.ndarray, *, classes: int) -> np.ndarray:
    """The grader's predicted class per row of ``x`` (argmax, or ``p > 0.5`` for one
    sigmoid column), shape ``(len(x),)``; the outputs need not be probabilities."""
    probs = probability_rows(predict(model, name, x), name, classes, probabilities=False)
    return predicted_classes(probs)
