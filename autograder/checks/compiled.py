"""Compile settings of a student's model: a loss that fits the labels and the output,
an accuracy metric. Read through ``model.loss`` and ``model.get_compile_config()``.

Which labels the loss must fit is decided by the test cell, never relaxed by the
student: a test cell either states no labels (the student picks the format later,
when calling ``fit``: both categorical crossentropies fit) or passes the student's
``y_train``; then integer labels, the format of every course data set
(:mod:`autograder.checks.data`), are required unless that value really is one-hot.
A missing, unreadable or odd value gets the data set's own format, never "either".
"""

from collections.abc import Sequence

import numpy as np

from .architecture import Step, keras_module, model_steps, output_kind, snake_case
from .messages import message
from .outcomes import IncorrectAnswer

_CROSSENTROPIES = (
    "sparse_categorical_crossentropy",
    "categorical_crossentropy",
    "binary_crossentropy",
)
_ACCURACY_ANY = {"accuracy", "acc"}


class _Unstated:
    """The test cell gave no labels (not the same as the student's labels being missing)."""

    def __repr__(self) -> str:
        return "<labels not stated>"


UNSTATED = _Unstated()
_ACCURACY_FOR = {
    "sparse": {"sparse_categorical_accuracy"},
    "onehot": {"categorical_accuracy"},
    "binary": {"binary_accuracy"},
}


# --- compile: loss that fits the labels, accuracy metric ---------------------------------


def label_encoding(labels: object, classes: int) -> str | None:
    """``"sparse"`` (integer column), ``"onehot"`` (``(n, classes)``) or ``None`` if unknown."""
    if labels is None:
        return None
    shape = np.shape(labels)
    if len(shape) == 1 or (len(shape) == 2 and shape[1] == 1):
        return "sparse"
    if len(shape) == 2 and shape[1] == classes:
        return "onehot"
    return None


def fitting_encoding(labels: object, classes: int) -> str | None:
    """The label format the loss and metric must fit.

    ``None`` (either categorical format) only when the test cell stated no labels
    (``labels is UNSTATED``). Otherwise ``labels`` is the student's value: ``"onehot"``
    for a ``(n, classes)`` array, else ``"sparse"``, the integer labels of the course's
    data sets (digits 0-9, tumours 0/1; see :mod:`autograder.checks.data`). A student's
    value that is missing (``None``), unreadable or of another shape thus never widens
    what is accepted.
    """
    if labels is UNSTATED:
        return None
    return label_encoding(labels, classes) or "sparse"


def loss_name(loss: object) -> tuple[str, bool]:
    """Normalised name of a loss given by name, function or object, and its ``from_logits``."""
    keras = keras_module()
    if isinstance(loss, str):
        return (snake_case(loss) if not loss.islower() else loss), False
    if isinstance(loss, keras.losses.Loss):
        config = loss.get_config()
        kind = type(loss).__name__
        name = config.get("name", "") if kind == "LossFunctionWrapper" else snake_case(kind)
        return name, bool(config.get("from_logits", False))
    return getattr(loss, "__name__", type(loss).__name__), False


def _metric_names(metrics: object) -> list[str]:
    names = []
    for metric in metrics or []:
        if isinstance(metric, str):
            names.append(snake_case(metric) if not metric.islower() else metric)
        elif isinstance(metric, dict):
            config = metric.get("config")
            if isinstance(config, str):
                names.append(config)
            elif metric.get("class_name") == "Accuracy":
                names.append("exact_accuracy")
            else:
                names.append(snake_case(str(metric.get("class_name", ""))))
        else:
            names.append(str(metric))
    return names


def expected_losses(encoding: str | None, out: Step | None, classes: int) -> list[str]:
    """Crossentropies that fit the labels (and, for two classes, the output layer).

    Binary crossentropy fits only one sigmoid output: with two softmax outputs and integer
    labels ``fit`` fails, so it is not offered when the output has more than one unit."""
    if classes == 2 and out is not None and out.units == 1:
        return ["binary_crossentropy"]
    if encoding == "sparse":
        return ["sparse_categorical_crossentropy"]
    if encoding == "onehot":
        return ["categorical_crossentropy"]
    wanted = ["sparse_categorical_crossentropy", "categorical_crossentropy"]
    return wanted + (["binary_crossentropy"] if classes == 2 and out is None else [])


def _quote(names: Sequence[str]) -> str:
    return f" {message('word_or')} ".join(f"`{n}`" for n in names)


def check_compiled(
    model: object, name: str, *, classes: int, labels: object = UNSTATED, metric: bool = True
) -> None:
    """Compiled with one crossentropy that fits the labels and, if ``metric``, accuracy.

    ``labels`` is the student's own ``y_train`` as the test cell fetched it (``None``
    if undefined): one-hot labels need categorical crossentropy, anything else the
    sparse one, since the course's data sets have integer labels (see
    :func:`fitting_encoding`). Without ``labels`` the student picks the format when
    calling ``fit``, and either categorical crossentropy fits. One sigmoid output
    needs binary crossentropy. Raises :class:`IncorrectAnswer` naming what was found
    and what fits.
    """
    steps = model_steps(model, name)
    config = model.get_compile_config() or {}
    if not config:
        raise IncorrectAnswer(message("model_not_compiled", name=name))
    loss = model.loss
    if isinstance(loss, list | tuple | dict):
        raise IncorrectAnswer(message("model_loss_many", name=name, found=len(loss)))
    found, logits = loss_name(loss)
    out = steps[-1]
    encoding = fitting_encoding(labels, classes)
    wanted = expected_losses(encoding, out, classes)
    if found not in _CROSSENTROPIES:
        raise IncorrectAnswer(
            message("model_loss_kind", name=name, found=found, expected=_quote(wanted))
        )
    if found not in wanted:
        raise IncorrectAnswer(
            message(
                "model_loss_labels",
                name=name,
                found=found,
                labels=_labels_text(encoding, labels, out, classes),
                expected=_quote(wanted),
            )
        )
    if logits and output_kind(out):
        raise IncorrectAnswer(message("model_loss_logits", name=name))
    if metric:
        _check_accuracy_metric(config.get("metrics"), name, labels, out, classes)


def check_metric(model: object, name: str, *, classes: int, labels: object = UNSTATED) -> None:
    """Compiled with an accuracy metric that fits the labels (the loss is another check).

    ``labels`` as in :func:`check_compiled`: a missing value requires what fits integer
    labels, never either."""
    steps = model_steps(model, name)
    config = model.get_compile_config() or {}
    if not config:
        raise IncorrectAnswer(message("model_not_compiled", name=name))
    _check_accuracy_metric(config.get("metrics"), name, labels, steps[-1], classes)


def _labels_text(encoding: str | None, labels: object, out: Step, classes: int) -> str:
    if classes == 2 and out.units == 1:
        return message("labels_binary_output")
    if encoding is None and classes == 2:
        return message("labels_softmax_output", units=out.units)
    if encoding is None:
        return message("labels_classes", classes=classes)
    if encoding == "onehot":
        return message("labels_onehot", shape=np.shape(labels))
    if label_encoding(labels, classes) is None:
        return message("labels_dataset_sparse")
    return message("labels_sparse", shape=np.shape(labels))


def _check_accuracy_metric(
    metrics: object, name: str, labels: object, out: Step, classes: int
) -> None:
    encoding = fitting_encoding(labels, classes)
    names = _metric_names(metrics)
    if "exact_accuracy" in names:
        raise IncorrectAnswer(message("model_exact_accuracy"))
    fitting = set(_ACCURACY_ANY)
    if classes == 2 and out.units == 1:
        fitting |= _ACCURACY_FOR["binary"]
    elif encoding:
        fitting |= _ACCURACY_FOR[encoding]
    else:
        fitting |= _ACCURACY_FOR["sparse"] | _ACCURACY_FOR["onehot"]
    if any(n in fitting for n in names):
        return
    wrong = [n for n in names if n.endswith("accuracy")]
    if wrong:
        raise IncorrectAnswer(
            message(
                "model_wrong_accuracy",
                found=wrong[0],
                labels=_labels_text(encoding, labels, out, classes),
            )
        )
    shown = ", ".join(f"`{n}`" for n in names) or message("no_metric")
    raise IncorrectAnswer(message("model_no_accuracy", name=name, found=shown))
