"""The course's datasets as the grader loads them itself, and checks on students' splits.

Hidden tests never trust the student's ``x_test``/``y_test``: they reload the
data here, with the exact recipe the notebooks state.
"""

import numpy as np

from .arrays import check_array
from .describe import format_number
from .messages import message
from .outcomes import IncorrectAnswer

SPLIT = {"test_size": 0.2, "random_state": 0}
DIGITS_CLASSES = 10
DIGITS_FEATURES = 64
CANCER_FEATURES = 30


def digits_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Digits scaled to float32 in [0, 1] (/16), stratified 80/20 split, ``random_state=0``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    return tuple(train_test_split(x, digits.target, stratify=digits.target, **SPLIT))


def cancer_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Breast cancer data, stratified 80/20 split, standardised with the training statistics."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    data = load_breast_cancer()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, stratify=data.target, **SPLIT
    )
    scaler = StandardScaler().fit(x_train)
    return (
        scaler.transform(x_train).astype(np.float32),
        scaler.transform(x_test).astype(np.float32),
        y_train,
        y_test,
    )


def sparse_labels(value: object, name: str, classes: int, rows: int | None = None) -> np.ndarray:
    """Integer labels from integer or one-hot labels; fail on anything else."""
    array = np.asarray(value)
    n = array.shape[0] if array.ndim else 0
    if rows is not None and n != rows:
        n = rows
    if array.ndim == 2 and array.shape[1] == 1:
        array = array.reshape(-1)
    if array.ndim == 1 and (rows is None or array.shape[0] == rows):
        return array.astype(int)
    if array.ndim == 2 and array.shape[1] == classes and (rows is None or array.shape[0] == rows):
        onehot = np.isclose(array, 0) | np.isclose(array, 1)
        if not onehot.all() or not np.allclose(array.sum(axis=1), 1):
            raise IncorrectAnswer(message("labels_onehot_values", name=name, classes=classes))
        return array.argmax(axis=1)
    raise IncorrectAnswer(
        message("labels_format", name=name, found=array.shape, n=n, classes=classes)
    )


def check_data_shapes(
    x_train: object,
    x_test: object,
    y_train: object,
    y_test: object,
    *,
    features: int,
    total: int,
    classes: int,
) -> None:
    """``x_train``/``x_test`` are ``(n, features)``, labels match, rows add up to ``total``."""
    check_array(x_train, "x_train", kind="numpy", ndim=2, shape=(None, features))
    check_array(x_test, "x_test", kind="numpy", ndim=2, shape=(None, features))
    n_train, n_test = x_train.shape[0], x_test.shape[0]
    check_array(
        np.asarray(n_train + n_test),
        "x_train.shape[0] + x_test.shape[0]",
        kind="numpy",
        expected=total,
        hints={"values": "Divide todos los ejemplos: ninguno debe perderse ni repetirse."},
    )
    sparse_labels(y_train, "y_train", classes, rows=n_train)
    sparse_labels(y_test, "y_test", classes, rows=n_test)


def check_scaled(value: object, name: str, divisor: float = 16.0) -> None:
    """The largest value is 1: the data was divided by its maximum, ``divisor``."""
    found = float(np.max(np.asarray(value, dtype=float)))
    if not np.isclose(found, 1.0, rtol=1e-4):
        raise IncorrectAnswer(
            message(
                "scale_max",
                name=name,
                found=format_number(found),
                expected=1,
                divisor=format_number(divisor),
            )
        )


def check_split_rows(value: object, name: str, expected: np.ndarray) -> None:
    """Same rows, in the same order, as ``expected``, whatever the student's scaling."""
    found = np.asarray(value, dtype=float)
    if found.shape != expected.shape:
        where = min(found.shape[0], expected.shape[0]) if found.ndim else 0
        raise IncorrectAnswer(message("split_rows", name=name, where=where))
    top = found.max()
    scaled = found / top * expected.max() if top > 0 else found
    rows_ok = np.isclose(scaled, expected, atol=1e-3).all(axis=1)
    if not rows_ok.all():
        raise IncorrectAnswer(message("split_rows", name=name, where=int(np.argmin(rows_ok))))


def check_split_labels(value: object, name: str, x_name: str, expected: np.ndarray) -> None:
    """Labels (integer or one-hot) equal ``expected``."""
    found = sparse_labels(value, name, int(expected.max()) + 1)
    if found.shape != expected.shape or not (found == expected).all():
        where = int(np.argmax(found != expected)) if found.shape == expected.shape else 0
        raise IncorrectAnswer(message("split_labels", name=name, x_name=x_name, where=where))
