"""Checks for students' Keras ``Sequential`` models, coarse to fine.

Every equivalent way of writing the same network passes: activations given by
name, by function (``keras.activations.relu``, ``tf.nn.relu``) or as separate
``Activation``/``ReLU``/``Softmax`` layers; input declared with ``keras.Input``
or ``input_shape=``; layers passed as a list or with ``add``; loss and
optimizer by name, function or object. :func:`dense_steps` first reduces a
model to a list of :class:`Step` (one per ``Dense`` layer with the activation
that follows it); the checks then compare steps, never raw layers.

Only public Keras 3 API is read: ``model.layers``, ``layer.get_config()``,
``model.inputs``, ``count_params()``, ``compute_output_shape``,
``model.loss`` and ``model.get_compile_config()``. Checks run under
``warnings.catch_warnings()``: a test cell must never write to stderr.
"""

import contextlib
import logging
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .describe import describe, format_number
from .messages import message
from .outcomes import IncorrectAnswer, StudentCodeError

# Activation names that are the same function under another name.
_ACTIVATION_ALIASES = {"softmax_v2": "softmax", "none": "linear", "": "linear"}
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
_IGNORED_LAYERS = {"Dropout", "InputLayer"}
_ACTIVATION_LAYERS = {"Activation", "ReLU", "Softmax", "LeakyReLU", "ELU", "PReLU"}


@dataclass(frozen=True)
class Step:
    """One ``Dense`` layer and the activation applied to its output."""

    layer: int  # 1-based position in model.layers
    units: int
    activation: str  # normalised name; "relu → softmax" when stacked
    source: int  # position of the layer that sets the activation
    source_name: str  # its class name, for messages


def _keras():
    import keras

    return keras


def snake_case(name: str) -> str:
    """``SparseCategoricalCrossentropy`` → ``sparse_categorical_crossentropy``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def activation_name(activation: object) -> str:
    """Normalised name of an activation given any way Keras accepts it."""
    if activation is None:
        return "linear"
    if isinstance(activation, str):
        name = snake_case(activation) if not activation.islower() else activation
    elif isinstance(activation, dict):  # a serialised function or layer
        config = activation.get("config")
        if isinstance(config, str):
            name = config
        else:
            name = snake_case(str(activation.get("class_name", "")))
    elif isinstance(activation, _keras().layers.Layer):
        name = _activation_layer_name(activation)
    else:
        name = getattr(activation, "__name__", type(activation).__name__)
    name = name.rsplit(".", 1)[-1]
    return _ACTIVATION_ALIASES.get(name, name)


def _activation_layer_name(layer: object) -> str:
    kind = type(layer).__name__
    config = layer.get_config()
    if kind == "Activation":
        return activation_name(config.get("activation"))
    if kind == "ReLU":
        plain = (
            config.get("max_value") is None
            and not config.get("negative_slope")
            and not config.get("threshold")
        )
        return "relu" if plain else "relu (con parámetros)"
    return snake_case(kind)


def _dense_activation(layer: object) -> str:
    return activation_name(layer.get_config().get("activation"))


def dense_steps(model: object, name: str) -> list[Step]:
    """Reduce ``model`` to its ``Dense`` steps; fail on layers the course does not use."""
    keras = _keras()
    steps: list[Step] = []
    for index, layer in enumerate(model.layers, 1):
        kind = type(layer).__name__
        if isinstance(layer, keras.layers.Dense):
            units = int(layer.get_config()["units"])
            steps.append(Step(index, units, _dense_activation(layer), index, kind))
        elif kind in _ACTIVATION_LAYERS:
            if not steps:
                raise IncorrectAnswer(message("model_activation_first", index=index, layer=kind))
            last = steps[-1]
            added = _activation_layer_name(layer)
            combined = added if last.activation == "linear" else f"{last.activation} → {added}"
            steps[-1] = Step(last.layer, last.units, combined, index, kind)
        elif kind not in _IGNORED_LAYERS:
            raise IncorrectAnswer(message("model_layer_kind", index=index, layer=kind))
    if not steps:
        raise IncorrectAnswer(message("model_no_layers", name=name))
    return steps


def sequential_steps(value: object, name: str) -> list[Step]:
    """The dense steps of ``value``; fail unless it is a ``keras.Sequential`` of them."""
    keras = _keras()
    if not isinstance(value, keras.Sequential):
        found = describe(value)
        if isinstance(value, type):
            found = f"la clase `{value.__name__}` (faltan los paréntesis)"
        elif isinstance(value, keras.Model):
            found = f"un modelo `{type(value).__name__}`"
        raise IncorrectAnswer(message("model_type", name=name, found=found))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dense_steps(value, name)


def check_sequential(value: object, name: str) -> None:
    """Fail unless ``value`` is a ``keras.Sequential`` of dense (and activation) layers.

    Like every ``check_*`` here it returns nothing: a test cell ending with it
    must leave no value that nbgrader could read as partial credit.
    """
    sequential_steps(value, name)


def _units_text(units: Sequence[int]) -> str:
    return ", ".join(f"`Dense({u})`" for u in units) or "ninguna"


def check_layers(model: object, name: str, units: Sequence[int]) -> None:
    """The model has exactly ``len(units)`` dense steps with these units."""
    steps = sequential_steps(model, name)
    found = [s.units for s in steps]
    if len(steps) != len(units):
        if len(steps) < len(units) and found[-1:] == list(units[-1:]):
            hint = message("model_missing_hidden", units=units[0])
        elif len(steps) > len(units):
            hint = message("model_extra_layers")
        else:
            hint = ""
        raise IncorrectAnswer(
            message(
                "model_dense_count",
                name=name,
                found=len(steps),
                units=_units_text(found),
                expected=len(units),
                expected_units=_units_text(units),
                hint=hint,
            )
        )
    for step, wanted in zip(steps, units, strict=True):
        if step.units != wanted:
            raise IncorrectAnswer(
                message("model_units", index=step.layer, found=step.units, expected=wanted)
            )


def _hidden_steps(model: object, name: str) -> list[Step]:
    steps = sequential_steps(model, name)
    if len(steps) < 2:
        raise IncorrectAnswer(
            message("model_min_hidden", name=name, units=_units_text([s.units for s in steps]))
        )
    return steps[:-1]


def check_min_hidden(model: object, name: str) -> None:
    """At least one dense step before the output step."""
    _hidden_steps(model, name)


def input_shape(model: object) -> tuple | None:
    """The model's input shape, or ``None`` while Keras does not know it."""
    if not model.built:
        return None
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):  # built without a symbolic input
        return None
    return tuple(inputs[0].shape) if inputs else None


def check_input(model: object, name: str, features: int) -> None:
    """The model takes vectors of ``features`` values: shape ``(None, features)``."""
    sequential_steps(model, name)
    found = input_shape(model)
    if found is None:
        raise IncorrectAnswer(message("model_not_built", name=name, features=features))
    expected = (None, features)
    if found != expected:
        raise IncorrectAnswer(
            message(
                "model_input_shape", name=name, found=found, expected=expected, features=features
            )
        )


def check_output_shapes(model: object, name: str, features: int) -> None:
    """Every dense step outputs ``(None, units)`` for inputs of ``features`` values."""
    steps = sequential_steps(model, name)
    check_input(model, name, features)
    shape: tuple = (None, features)
    by_layer = {s.layer: s for s in steps}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for index, layer in enumerate(model.layers, 1):
            shape = tuple(layer.compute_output_shape(shape))
            if index in by_layer and shape != (None, by_layer[index].units):
                raise IncorrectAnswer(
                    message(
                        "model_output_shape",
                        index=index,
                        layer=type(layer).__name__,
                        found=shape,
                        expected=(None, by_layer[index].units),
                    )
                )


def check_parameters(
    model: object,
    name: str,
    features: int,
    *,
    total: int | None = None,
    budget: int | None = None,
) -> None:
    """Per-layer counts are ``(inputs + 1) × units``; the total is ``total`` or ≤ ``budget``.

    Each layer is checked against the student's own previous layer, so a wrong
    ``units`` elsewhere is not punished twice.
    """
    steps = sequential_steps(model, name)
    check_input(model, name, features)
    layers = model.layers
    inputs = features
    for step in steps:
        expected = (inputs + 1) * step.units
        found = int(layers[step.layer - 1].count_params())
        if found != expected:
            raise IncorrectAnswer(
                message(
                    "model_layer_params",
                    index=step.layer,
                    found=found,
                    expected=expected,
                    inputs=inputs,
                    units=step.units,
                )
            )
        inputs = step.units
    count = int(model.count_params())
    if total is not None and count != total:
        raise IncorrectAnswer(message("model_total_params", name=name, found=count, expected=total))
    if budget is not None and count > budget:
        raise IncorrectAnswer(message("model_budget", name=name, found=count, budget=budget))


def check_hidden_activations(model: object, name: str, activation: str = "relu") -> None:
    """Every hidden dense step uses ``activation``; there is at least one."""
    for step in _hidden_steps(model, name):
        if step.activation != activation:
            raise IncorrectAnswer(
                message(
                    "model_hidden_activation",
                    index=step.source,
                    layer=step.source_name,
                    found=step.activation,
                )
            )


def output_kind(step: Step) -> str | None:
    """``"softmax"`` or ``"sigmoid"`` for a valid classification output, else ``None``."""
    if step.activation == "softmax":
        return "softmax"
    if step.activation == "sigmoid" and step.units == 1:
        return "sigmoid"
    return None


def check_output(model: object, name: str, classes: int) -> None:
    """The output step gives probabilities for ``classes`` classes.

    Multiclass: ``Dense(classes, softmax)``. Two classes: ``Dense(1, sigmoid)``
    or ``Dense(2, softmax)``. The activation is checked by name, then the
    predicted rows themselves (sigmoid and softmax give the same loss and
    accuracy in Keras 3: only the predictions tell them apart).
    """
    out = sequential_steps(model, name)[-1]
    if classes == 2:
        if not (
            (out.units == 1 and out.activation == "sigmoid")
            or (out.units == 2 and out.activation == "softmax")
        ):
            raise IncorrectAnswer(
                message(
                    "model_binary_output",
                    index=out.source,
                    layer=out.source_name,
                    units=out.units,
                    found=out.activation,
                )
            )
    else:
        if out.units != classes:
            raise IncorrectAnswer(
                message(
                    "model_output_units",
                    index=out.layer,
                    found=out.units,
                    classes=classes,
                    expected=classes,
                )
            )
        if out.activation != "softmax":
            raise IncorrectAnswer(
                message(
                    "model_output_activation",
                    index=out.source,
                    layer=out.source_name,
                    found=out.activation,
                    classes=classes,
                )
            )


def _built_copy(model: object, features: int) -> object | None:
    """The model itself once built (predicting changes nothing); else a clone built for
    ``features`` inputs, so the student's model is never built by a check. ``None`` when
    Keras cannot clone it (e.g. an activation given as ``tf.nn.softmax``)."""
    if model.built:
        return model
    keras = _keras()
    try:
        clone = keras.models.clone_model(model)
        clone.build((None, features))
    except (TypeError, ValueError):
        return None
    return clone


@contextlib.contextmanager
def quiet_keras() -> Iterator[None]:
    """Silence Python warnings and TensorFlow's Python logger (e.g. «triggered tf.function
    retracing» after several ``predict`` calls): in a test cell any stderr output scores 0."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def predict(model: object, name: str, x: np.ndarray) -> np.ndarray:
    """The model's outputs for ``x``; an exception is the student's error.

    Calls the model directly (``model(x, training=False)``, as ``predict`` does
    batch by batch): no progress bar, no ``tf.function`` retracing warnings.
    """
    keras = _keras()
    try:
        with quiet_keras():
            out = keras.ops.convert_to_numpy(model(np.asarray(x, dtype="float32"), training=False))
    except Exception as exc:  # the student's model may raise anything
        raise StudentCodeError(
            message(
                "model_predict_error",
                name=name,
                features=np.shape(x)[-1],
                ename=type(exc).__name__,
                evalue=exc,
            )
        ) from exc
    return np.asarray(out, dtype=float)


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
        expected = (rows, classes) if classes != 2 else f"({rows}, 1) o ({rows}, 2)"
        raise IncorrectAnswer(
            message("model_predict_shape", name=name, found=probs.shape, expected=expected)
        )
    if not probabilities:
        return probs
    if width == 1:
        low, high = probs.min(), probs.max()
        if low < -1e-6 or high > 1 + 1e-6:
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
    bad = np.flatnonzero(~np.isclose(sums, 1.0, atol=1e-3)) if probs.size else []
    if len(bad) or probs.min() < -1e-6:
        found = format_number(sums[bad[0]]) if len(bad) else "valores negativos"
        raise IncorrectAnswer(message("model_not_probabilities", name=name, found=found))
    return probs


def check_predicts_probabilities(model: object, name: str, features: int, classes: int) -> None:
    """The model (or, while unbuilt, a built copy) fed random inputs outputs probability rows."""
    sequential_steps(model, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        subject = _built_copy(model, features)
    if subject is None:
        return
    x = np.random.default_rng(0).normal(size=(16, features)).astype("float32")
    check_probability_rows(predict(subject, name, x), name, classes)


def predicted_classes(probs: np.ndarray) -> np.ndarray:
    """Class per row: argmax of softmax rows, ``p > 0.5`` for one sigmoid column."""
    if probs.ndim == 1 or probs.shape[1] == 1:
        return (probs.reshape(-1) > 0.5).astype(int)
    return probs.argmax(axis=1)


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
    keras = _keras()
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
    """Crossentropies that fit the labels (and, for two classes, the output layer)."""
    if classes == 2 and out is not None and out.units == 1:
        return ["binary_crossentropy"]
    if encoding == "sparse":
        return ["sparse_categorical_crossentropy"]
    if encoding == "onehot":
        return ["categorical_crossentropy"]
    wanted = ["sparse_categorical_crossentropy", "categorical_crossentropy"]
    return wanted + (["binary_crossentropy"] if classes == 2 else [])


def _quote(names: Sequence[str]) -> str:
    return " o ".join(f"`{n}`" for n in names)


def check_compiled(
    model: object, name: str, *, classes: int, labels: object = None, metric: bool = True
) -> None:
    """Compiled with one crossentropy that fits the labels and, if ``metric``, accuracy.

    ``labels`` are the student's own training labels: integer labels need
    sparse categorical crossentropy, one-hot labels categorical crossentropy,
    one sigmoid output binary crossentropy. Unknown labels accept either.
    """
    steps = sequential_steps(model, name)
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
    steps = sequential_steps(model, name)
    config = model.get_compile_config() or {}
    if not config:
        raise IncorrectAnswer(message("model_not_compiled", name=name))
    _check_accuracy_metric(config.get("metrics"), name, labels, steps[-1], classes)


def _labels_text(encoding: str | None, labels: object, out: Step, classes: int) -> str:
    if classes == 2 and out.units == 1:
        return message("labels_binary_output")
    if encoding is None:
        return message("labels_classes", classes=classes)
    return message(f"labels_{encoding}", shape=np.shape(labels))


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
    shown = ", ".join(f"`{n}`" for n in names) or "ninguna métrica"
    raise IncorrectAnswer(message("model_no_accuracy", name=name, found=shown))


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
