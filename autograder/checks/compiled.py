"""Compile settings of a student's model: a loss that fits the labels and the output,
an accuracy metric. Read through ``model.loss`` and ``model.get_compile_config()``."""

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
    model: object, name: str, *, classes: int, labels: object = None, metric: bool = True
) -> None:
    """Compiled with one crossentropy that fits the labels and, if ``metric``, accuracy.

    ``labels`` are the student's own training labels: integer labels need
    sparse categorical crossentropy, one-hot labels categorical crossentropy,
    one sigmoid output binary crossentropy. Unknown labels accept either.
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
    encoding = label_encoding(labels, classes)
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


def check_metric(model: object, name: str, *, classes: int, labels: object = None) -> None:
    """Compiled with an accuracy metric that fits the labels (the loss is another check)."""
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
    return message("labels_sparse", shape=np.shape(labels))


def _check_accuracy_metric(
    metrics: object, name: str, labels: object, out: Step, classes: int
) -> None:
    encoding = label_encoding(labels, classes)
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
