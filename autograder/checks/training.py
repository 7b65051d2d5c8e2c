"""Checks on training: the history, accuracy computed by the grader, learning curves.

Accuracy is never read from the student's history or ``evaluate()`` output:
:func:`model_accuracy` predicts on data the test cell loaded itself and
counts the hits, after checking that the predicted rows are probabilities.
"""

from collections.abc import Mapping, Sequence

import numpy as np

from . import suspicion
from .codec import FigureDescription, describe_figure
from .describe import describe, format_number
from .environment import passed
from .messages import message
from .outcomes import IncorrectAnswer
from .predictions import predict, predicted_classes, probability_rows

# Suspicion (benchmarks/calibrate_suspicion.py, 20 seeds of each reference solution, the
# runs of calibrate_thresholds.py): the best test accuracy any reference run reached, and
# the most any reference run did better on the test split than on its own training split
# (never: the maxima are below 0). A model beyond either by its margin is flagged for the
# instructor, never a change of points. The reference trained 60 more epochs on the test split:
# digits 100 % on test, 3.8 points above its training split (flagged); cancer unchanged.
REFERENCE_BEST = {"digits": 0.9611, "cancer": 0.9649}
REFERENCE_GAP = {"digits": -0.0006, "cancer": -0.0087}
BEST_MARGIN = 0.02  # a longer or wider honest training may beat the reference a little
GAP_MARGIN = 0.01

ACCURACY_KEYS = (
    "accuracy",
    "acc",
    "sparse_categorical_accuracy",
    "categorical_accuracy",
    "binary_accuracy",
)


def percent(x: float) -> str:
    """0.9321 → «93,2 %» (Spanish decimal comma)."""
    return f"{100 * x:.1f} %".replace(".", ",")


def history_dict(value: object, name: str) -> dict[str, list[float]]:
    """The metrics of a ``keras.callbacks.History`` (or of its ``.history`` dict)."""
    import keras

    if isinstance(value, keras.callbacks.History):
        value = value.history
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise IncorrectAnswer(message("history_type", name=name, found=describe(value)))
    return {k: [float(v) for v in vs] for k, vs in value.items()}


def accuracy_key(history: Mapping) -> str | None:
    """The history key holding training accuracy, whatever the metric was called."""
    return next((k for k in ACCURACY_KEYS if k in history), None)


def check_history(
    value: object, name: str, *, validation: bool = True, accuracy: bool = False
) -> None:
    """A history with at least one epoch and, if asked, validation and accuracy metrics.

    ``accuracy`` is off by default: the accuracy metric is the compile check's
    business, and one mistake must not be punished twice. With ``validation``,
    every metric recorded needs its ``val_`` twin.
    """
    history = history_dict(value, name)
    if not history.get("loss"):
        raise IncorrectAnswer(message("history_empty", name=name))
    key = accuracy_key(history)
    if accuracy and key is None:
        keys = ", ".join(f"`{k}`" for k in history) or message("none_keys")
        raise IncorrectAnswer(message("history_no_accuracy", name=name, keys=keys))
    if validation:
        for wanted in ("val_loss",) + ((f"val_{key}",) if key else ()):
            if not history.get(wanted):
                raise IncorrectAnswer(message("history_no_validation", name=name, series=wanted))


def model_probabilities(
    model: object, name: str, x: np.ndarray, classes: int, *, probabilities: bool = True
) -> np.ndarray:
    """Predicted outputs on ``x``, checked to be probability rows (if ``probabilities``)."""
    return probability_rows(predict(model, name, x), name, classes, probabilities=probabilities)


def model_accuracy(
    model: object,
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    classes: int,
    *,
    probabilities: bool = True,
) -> float:
    """Fraction of ``x`` the model classifies as ``y`` (integer labels), by the grader.

    With ``probabilities=False`` the outputs need not be probabilities (where
    another grade cell checks the output layer): the class is still the
    argmax, or ``p > 0.5`` for one column.
    """
    probs = model_probabilities(model, name, x, classes, probabilities=probabilities)
    return float(np.mean(predicted_classes(probs) == np.asarray(y).reshape(-1)))


def check_accuracy(
    model: object,
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    *,
    classes: int,
    threshold: float,
    what: str,
    hint: str = "accuracy_hint",
    probabilities: bool = True,
    passed_text: str | None = None,
) -> None:
    """The grader's own accuracy of ``model`` on ``(x, y)`` is at least ``threshold``
    (a fraction in [0, 1]; thresholds come from ``benchmarks/calibrate_thresholds.py``).

    ``hint`` is a catalogue key; ``passed_text``, with ``{found}`` for the accuracy
    as a Spanish percentage, is shown as the visible check's success line."""
    found = model_accuracy(model, name, x, y, classes, probabilities=probabilities)
    if suspicion.active() and found >= threshold:  # only points earned need a second look
        _suspect(model, name, x, found, classes, probabilities)
    if found < threshold:
        raise IncorrectAnswer(
            message(
                "accuracy_low",
                name=name,
                found=percent(found),
                what=what,
                threshold=percent(threshold),
                hint=message(hint),
            )
        )
    if passed_text:
        passed(passed_text.format(found=percent(found)))


def _known_split(x: np.ndarray) -> tuple[str, tuple] | None:
    """Which course data set ``x`` is the test split of: ("digits"|"cancer", split) or None."""
    from .data import cancer_split, digits_split

    for key, split in (("digits", digits_split), ("cancer", cancer_split)):
        data = split()
        if np.shape(x) == data[1].shape and np.allclose(x, data[1], atol=1e-6):
            return key, data
    return None


def _suspect(model, name, x, found, classes, probabilities) -> None:
    """Report a model too good on the test split (grader mode only; see
    :mod:`autograder.checks.suspicion`)."""
    known = _known_split(x)
    if known is None:
        return
    key, (x_train, _x_test, y_train, _y_test) = known
    train = model_accuracy(model, name, x_train, y_train, classes, probabilities=probabilities)
    if found - train > REFERENCE_GAP[key] + GAP_MARGIN:
        suspicion.report(
            f"`{name}` acierta más en los datos de prueba ({percent(found)}) que en los de "
            f"entrenamiento ({percent(train)}): ¿se entrenó con los datos de prueba?"
        )
    if found > REFERENCE_BEST[key] + BEST_MARGIN:
        suspicion.report(
            f"`{name}` acierta el {percent(found)} de los datos de prueba, más que la solución "
            f"de referencia en la calibración ({percent(REFERENCE_BEST[key])})."
        )


def check_class_recall(
    model: object,
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    *,
    classes: int,
    threshold: float,
    what: str,
    probabilities: bool = True,
) -> None:
    """Every class is recognised at least ``threshold`` of the time (no class left behind)."""
    probs = model_probabilities(model, name, x, classes, probabilities=probabilities)
    hits = predicted_classes(probs) == np.asarray(y).reshape(-1)
    for label in np.unique(y):
        recall = float(hits[np.asarray(y).reshape(-1) == label].mean())
        if recall < threshold:
            raise IncorrectAnswer(
                message(
                    "class_recall_low",
                    name=name,
                    found=percent(recall),
                    label=int(label),
                    what=what,
                    threshold=percent(threshold),
                )
            )


def crossentropy(probs: np.ndarray, y: np.ndarray) -> float:
    """Mean crossentropy of probability rows (or one sigmoid column) against integer labels."""
    eps = 1e-7
    y = np.asarray(y).reshape(-1).astype(int)
    p = np.clip(probs, eps, 1 - eps)
    if p.ndim == 1 or p.shape[1] == 1:
        p = p.reshape(-1)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    return float(-np.mean(np.log(p[np.arange(len(y)), y])))


def check_evaluation(
    values: Mapping[str, object],
    model: object,
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    *,
    classes: int,
    atol: float = 0.005,
    loss_rtol: float = 0.02,
) -> None:
    """``values`` (e.g. ``{"exactitud": ..., "perdida": ...}``) match the grader's evaluation.

    Keys ending in ``exactitud`` are compared with the accuracy, the others with
    the crossentropy, both computed from the model's predictions on ``(x, y)``.
    Outputs that are not probabilities are another check's fault: then only the
    accuracy is compared, so that one mistake is not punished twice.
    """
    probs = predict(model, name, x)
    accuracy = float(np.mean(predicted_classes(probs) == np.asarray(y).reshape(-1)))
    try:
        probability_rows(probs, name, classes)
    except IncorrectAnswer:  # not probabilities: another cell's fault, compare accuracy only
        values = {k: v for k, v in values.items() if "exactitud" in k}
    loss = crossentropy(probs, y)
    for variable, value in values.items():
        wanted = accuracy if "exactitud" in variable else loss
        tolerance = {"atol": atol} if "exactitud" in variable else {"rtol": loss_rtol, "atol": 1e-3}
        try:
            found = float(np.asarray(value).reshape(-1)[0]) if np.size(value) == 1 else None
        except (TypeError, ValueError):
            found = None
        if found is None or not np.isclose(found, wanted, **tolerance):
            shown = describe(value) if found is None else format_number(found)
            raise IncorrectAnswer(
                message(
                    "evaluation_mismatch",
                    variable=variable,
                    found=shown,
                    name=name,
                    expected=format_number(round(wanted, 4)),
                )
            )


# --- learning curves -----------------------------------------------------------------------


def synthetic_history(keys: Sequence[str], epochs: int = 7, seed: int = 3) -> object:
    """A ``keras.callbacks.History`` with made-up curves under ``keys``: hidden tests plot it."""
    import keras

    class ExampleHistory(keras.callbacks.History):
        def __repr__(self) -> str:  # shown in messages as the call's argument
            return "historial"

    rng = np.random.default_rng(seed)
    history = ExampleHistory()
    history.history = {
        k: [round(float(v), 4) for v in rng.uniform(0.05, 0.95, epochs)] for k in keys
    }
    history.epoch = list(range(epochs))
    return history


def _lines(ax: object) -> list[np.ndarray]:
    return [np.asarray(line.y, dtype=float) for line in ax.lines]


def _axes_with(fig: FigureDescription, values: Sequence[float]) -> set[int]:
    wanted = np.asarray(values, dtype=float)
    return {
        i
        for i, ax in enumerate(fig.axes)
        if any(y.shape == wanted.shape and np.allclose(y, wanted) for y in _lines(ax))
    }


def check_learning_curves(fig: object, call: str, history: Mapping[str, Sequence[float]]) -> None:
    """``fig`` plots loss and accuracy, training and validation, in two panels.

    Curves are found by their values, whatever the colours, labels or order. ``fig`` is
    a Matplotlib figure or, in grader mode, its :class:`~autograder.checks.codec.FigureDescription`.
    """
    from matplotlib.figure import Figure

    if isinstance(fig, Figure):
        fig = describe_figure(fig)
    if not isinstance(fig, FigureDescription):
        raise IncorrectAnswer(message("figure_type", call=call, found=describe(fig)))
    key = accuracy_key(history) or "accuracy"
    panels = {}
    for series in ("loss", "val_loss", key, f"val_{key}"):
        found = _axes_with(fig, history[series])
        if not found:
            raise IncorrectAnswer(message("figure_missing_curve", call=call, series=series))
        panels[series] = found
    for train, val in (("loss", "val_loss"), (key, f"val_{key}")):
        if not panels[train] & panels[val]:
            raise IncorrectAnswer(
                message("figure_curves_apart", call=call, series=train, other=val)
            )
    loss_axes = panels["loss"] & panels["val_loss"]
    accuracy_axes = panels[key] & panels[f"val_{key}"]
    if not any(a != b for a in loss_axes for b in accuracy_axes):
        raise IncorrectAnswer(message("figure_one_panel", call=call))


def check_plots_history(
    function: str, history: str = "history", *, epochs: int = 6, seed: int = 1
) -> None:
    """The student's ``function(historial)`` plots the four curves of a made-up history.

    The history has the metric keys of the student's own ``history`` when it has
    validation curves (so a renamed accuracy metric still fits), else the standard
    four; its values are random, so curves are recognised by value, not copied.
    """
    import matplotlib.pyplot as plt

    from .answers import call, optional_answer

    own = optional_answer(history)
    keys = list(history_dict(own, history)) if own is not None else []
    keys = keys if "val_loss" in keys else ["loss", "accuracy", "val_loss", "val_accuracy"]
    example = synthetic_history(keys, epochs=epochs, seed=seed)
    try:
        check_learning_curves(call(function, example), f"{function}(historial)", example.history)
    finally:
        plt.close("all")
