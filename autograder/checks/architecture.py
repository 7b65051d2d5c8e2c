"""Checks of a student's Keras ``Sequential`` architecture, coarse to fine.

Every equivalent way of writing the same network passes: activations given by
name, by function (``keras.activations.relu``, ``tf.nn.relu``) or as separate
``Activation``/``ReLU``/``Softmax`` layers; input declared with ``keras.Input``
or ``input_shape=``; layers passed as a list or with ``add``. :func:`dense_steps`
first reduces a model to a list of :class:`Step` (one per ``Dense`` layer with
the activation that follows it); the checks then compare steps, never raw layers.

Only public Keras 3 API is read: ``model.layers``, ``layer.get_config()``,
``model.inputs``, ``count_params()`` and ``compute_output_shape``. Checks run
under ``warnings.catch_warnings()``: a test cell must never write to stderr.
"""

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from .describe import describe
from .environment import passed
from .messages import message
from .outcomes import IncorrectAnswer

# Activation names that are the same function under another name.
_ACTIVATION_ALIASES = {"softmax_v2": "softmax", "none": "linear", "": "linear"}
# Layers that change nothing the checks look at: an input declaration and dropout (off
# when predicting). A Flatten is ignored too when the model's input is flat (see
# :func:`_changes_nothing`).
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


def keras_module():
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
    elif isinstance(activation, keras_module().layers.Layer):
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
        return "relu" if plain else message("relu_with_parameters")
    return snake_case(kind)


def _dense_activation(layer: object) -> str:
    return activation_name(layer.get_config().get("activation"))


def dense_steps(model: object, name: str) -> list[Step]:
    """Reduce ``model`` to its ``Dense`` steps; fail on layers the course does not use."""
    keras = keras_module()
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
        elif kind not in _IGNORED_LAYERS and not _changes_nothing(model, layer):
            raise IncorrectAnswer(message("model_layer_kind", index=index, layer=kind))
    if not steps:
        raise IncorrectAnswer(message("model_no_layers", name=name))
    return steps


def _model_type_error(value: object, name: str) -> IncorrectAnswer:
    keras = keras_module()
    found = describe(value)
    if isinstance(value, type):
        found = message("class_not_instance", cls=value.__name__)
    elif isinstance(value, keras.Model):
        found = f"un modelo `{type(value).__name__}`"
    return IncorrectAnswer(message("model_type", name=name, found=found))


def is_chain(model: object) -> bool:
    """A Functional model whose layers feed each other one after another, like a
    ``Sequential`` (read through the public ``layer.input`` / ``layer.output``)."""
    keras = keras_module()
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    try:
        if len(model.inputs) != 1 or len(model.outputs) != 1 or not layers:
            return False
        feeds = [model.inputs[0], *(layer.output for layer in layers[:-1])]
        return all(layer.input is feed for layer, feed in zip(layers, feeds, strict=True)) and (
            layers[-1].output is model.outputs[0]
        )
    except (AttributeError, ValueError, TypeError):  # subclassed models have no graph
        return False


def _changes_nothing(model: object, layer: object) -> bool:
    """A ``Flatten`` of flat vectors: the model's input has one axis of features (or is
    not declared yet: a model built on first ``fit`` flattens whatever it is given, and
    the input and accuracy checks judge that)."""
    if not isinstance(layer, keras_module().layers.Flatten):
        return False
    shape = input_shape(model)
    return shape is None or len(shape) == 2


def sequential_steps(value: object, name: str) -> list[Step]:
    """The dense steps of ``value``; fail unless it is a ``keras.Sequential`` of them."""
    if not isinstance(value, keras_module().Sequential):
        raise _model_type_error(value, name)
    return model_steps(value, name)


def model_steps(value: object, name: str) -> list[Step]:
    """The dense steps of a ``keras.Sequential`` or of a Functional ``keras.Model`` that is
    a chain of layers: checks of layers, shapes, compile settings and predictions judge
    what the model does; only :func:`check_sequential` asks for the ``Sequential`` class."""
    keras = keras_module()
    if not isinstance(value, keras.Sequential) and not (
        isinstance(value, keras.Model) and is_chain(value)
    ):
        raise _model_type_error(value, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dense_steps(value, name)


def check_sequential(value: object, name: str) -> None:
    """Fail unless ``value`` is a ``keras.Sequential`` of dense (and activation) layers.

    Like every ``check_*`` here it returns nothing: a test cell ending with it
    must leave no value that nbgrader could read as partial credit.
    """
    sequential_steps(value, name)  # the one check that asks for the class itself


def _units_text(units: Sequence[int]) -> str:
    return ", ".join(f"`Dense({u})`" for u in units) or message("none_layers")


def check_layers(model: object, name: str, units: Sequence[int]) -> None:
    """The model has exactly ``len(units)`` dense steps with these units."""
    steps = model_steps(model, name)
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
    steps = model_steps(model, name)
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


def check_input(model: object, name: str, features: int, *, unbuilt_ok: bool = False) -> None:
    """The model takes vectors of ``features`` values: shape ``(None, features)``.

    With ``unbuilt_ok``, a model that does not know its input shape yet passes (one
    written without ``keras.Input`` learns it only when first trained)."""
    model_steps(model, name)
    found = input_shape(model)
    if found is None and unbuilt_ok:
        return
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
    steps = model_steps(model, name)
    check_input(model, name, features)
    shape: tuple = (None, features)
    by_layer = {s.layer: s for s in steps}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for index, layer in enumerate(model.layers, 1):
            if isinstance(layer, keras_module().layers.InputLayer):
                continue  # a Functional model lists its input as a layer
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
    passed_text: str | None = None,
) -> None:
    """Per-layer counts are ``(inputs + 1) × units``; the total is ``total`` or ≤ ``budget``.

    ``passed_text``, with ``{found}`` for the count, is shown as the visible check's
    success line. Checks return nothing: a value left at the end of a test cell is read
    by nbgrader as partial credit.

    Each layer is checked against the student's own previous layer, so a wrong
    ``units`` elsewhere is not punished twice.
    """
    steps = model_steps(model, name)
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
    if passed_text:
        passed(passed_text.format(found=count))


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
    out = model_steps(model, name)[-1]
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
