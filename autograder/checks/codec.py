"""Values as data: what may cross between the student's kernel and the grader.

At autograde the checks run in a trusted grader process and the student's
objects live in the student's kernel. Only data crosses, as JSON text, never
pickle and never code:

- ``None``, booleans, integers, floats (NaN and infinities too), strings;
- lists, tuples and dicts of these (dict keys: strings, numbers, booleans,
  ``None`` or tuples);
- NumPy arrays and scalars (``np.save``/``np.load`` with ``allow_pickle=False``,
  so object arrays are refused), NumPy and TensorFlow dtypes, tensor shapes;
- ``tf.Tensor`` as an array tagged as a tensor (decoded as a ``tf.Tensor``);
- a Keras model or layer as its configuration, weights and compile
  configuration, rebuilt on decoding from built-in Keras classes only;
- a ``keras.callbacks.History`` as its ``history`` dict, ``params`` and ``epoch``;
- a Matplotlib figure as a :class:`FigureDescription` (axes, lines' data,
  labels, titles): a figure is never rebuilt.

:func:`encode` runs wherever the value lives and raises :class:`NotEncodable`
for anything else (an object with its own ``__eq__``, a subclass of a built-in
type, a fake history). :func:`decode` runs on the receiving side, trusts
nothing in the payload and raises :class:`NotStandard` for a model, layer or
history that is not plain Keras, :class:`BadPayload` for malformed data.
"""

import base64
import io
import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

MAX_DEPTH = 32
MAX_ARRAY_BYTES = 256 * 2**20  # per array; larger answers are not an exercise of this course

# Instance attributes that would change what a model or layer computes or reports
# (the grader rebuilds from the configuration, so these would silently be lost).
_OVERRIDABLE = {
    "__call__",
    "call",
    "predict",
    "predict_on_batch",
    "predict_step",
    "evaluate",
    "test_step",
    "count_params",
    "get_weights",
    "get_config",
    "summary",
    "compute_output_shape",
}


class NotEncodable(Exception):
    """The value is not plain data; ``what`` is its Spanish type description."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


class NotStandard(Exception):
    """A model, layer or history that is not plain Keras; ``kind`` is one of
    ``model``, ``layer``, ``history``; ``detail`` names what was found."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


class BadPayload(Exception):
    """Malformed data from the other side of the channel."""


@dataclass
class LineDescription:
    """One plotted line: its data and label."""

    x: np.ndarray
    y: np.ndarray
    label: str = ""


@dataclass
class AxesDescription:
    """One panel of a figure: title, axis labels and lines."""

    title: str = ""
    xlabel: str = ""
    ylabel: str = ""
    lines: list[LineDescription] = field(default_factory=list)


@dataclass
class FigureDescription:
    """A Matplotlib figure reduced to what the checks read (never rebuilt as a figure)."""

    axes: list[AxesDescription] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<figura con {len(self.axes)} gráficos>"


def describe_figure(fig: object) -> FigureDescription:
    """The description of a ``matplotlib.figure.Figure``: each axes' title, labels and lines."""
    return FigureDescription(
        [
            AxesDescription(
                str(ax.get_title()),
                str(ax.get_xlabel()),
                str(ax.get_ylabel()),
                [
                    LineDescription(
                        np.asarray(line.get_xdata(), dtype=float),
                        np.asarray(line.get_ydata(), dtype=float),
                        str(line.get_label()),
                    )
                    for line in ax.get_lines()
                ],
            )
            for ax in fig.axes
        ]
    )


# --- encoding (the side where the value lives) --------------------------------------------


def dumps(value: object) -> str:
    """``value`` as JSON text; :class:`NotEncodable` if it is not plain data."""
    return json.dumps(encode(value), allow_nan=False, separators=(",", ":"))


def encode(value: object, depth: int = 0, *, trusted: bool = False) -> dict:
    """The JSON-able tree of ``value`` (see the module docstring). ``trusted`` (the
    grader's own values only) also accepts subclasses of ``History``."""
    if depth > MAX_DEPTH:
        raise NotEncodable("una estructura anidada demasiado profunda")
    kind = type(value)
    if value is None:
        return {"t": "none"}
    if kind is bool:
        return {"t": "bool", "v": value}
    if kind is int:
        return {"t": "int", "v": str(value)}
    if kind is float:
        return {"t": "float", "v": repr(value)}
    if kind is str:
        return {"t": "str", "v": value}
    if kind in (list, tuple):
        return {"t": kind.__name__, "v": [encode(v, depth + 1, trusted=trusted) for v in value]}
    if kind is dict:
        return {
            "t": "dict",
            "v": [
                [encode(k, depth + 1, trusted=trusted), encode(v, depth + 1, trusted=trusted)]
                for k, v in value.items()
            ],
        }
    if isinstance(value, np.ndarray | np.generic):
        return _encode_numpy(value)
    if kind is np.dtype or isinstance(value, np.dtype):
        return {"t": "npdtype", "v": str(np.dtype(value))}
    module = kind.__module__ or ""
    if module.startswith(("tensorflow", "keras")) or _is_keras_object(value):
        return _encode_library(value, depth, trusted)
    if module.startswith("matplotlib"):
        from matplotlib.figure import Figure

        if kind is Figure:
            return _encode_figure(describe_figure(value))
    if kind is FigureDescription:
        return _encode_figure(value)
    raise NotEncodable(_type_text(value))


def _is_keras_object(value: object) -> bool:
    """A model, layer or history of a class defined elsewhere (e.g. a student's subclass)."""
    keras = sys.modules.get("keras")
    if keras is None:
        return False
    return isinstance(value, keras.Model | keras.layers.Layer | keras.callbacks.History)


def _type_text(value: object) -> str:
    from .describe import type_name

    return type_name(value)


def _array_text(array: np.ndarray) -> str:
    if array.dtype.hasobject:
        raise NotEncodable("un array de objetos de Python (`dtype=object`)")
    if array.nbytes > MAX_ARRAY_BYTES:
        raise NotEncodable(f"un array de {array.nbytes // 2**20} MB")
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _encode_numpy(value: object) -> dict:
    if isinstance(value, np.generic):
        return {"t": "npscalar", "v": _array_text(np.asarray(value))}
    return {"t": "ndarray", "v": _array_text(np.asarray(value))}


def _encode_figure(fig: FigureDescription) -> dict:
    return {
        "t": "figure",
        "axes": [
            {
                "title": ax.title,
                "xlabel": ax.xlabel,
                "ylabel": ax.ylabel,
                "lines": [
                    {"x": _array_text(line.x), "y": _array_text(line.y), "label": line.label}
                    for line in ax.lines
                ],
            }
            for ax in fig.axes
        ],
    }


def _encode_library(value: object, depth: int, trusted: bool) -> dict:
    import keras
    import tensorflow as tf

    if isinstance(value, tf.TensorShape):
        dims = None if value.rank is None else [d for d in value.as_list()]
        return {"t": "tensorshape", "v": dims}
    if isinstance(value, tf.DType):
        return {"t": "tfdtype", "v": value.name}
    if tf.is_tensor(value):  # a tf.Variable travels as its current value
        try:
            array = value.numpy()
        except (AttributeError, TypeError, ValueError) as exc:  # a symbolic tensor
            raise NotEncodable("un tensor simbólico (no tiene valores)") from exc
        return {"t": "tensor", "v": _array_text(np.asarray(array))}
    if isinstance(value, keras.callbacks.History):
        if type(value) is not keras.callbacks.History and not trusted:
            raise NotStandard("history", type(value).__name__)
        return {
            "t": "history",
            "history": encode(_plain_history(value.history), depth + 1),
            "params": encode(_plain(value.params or {}), depth + 1),
            "epoch": encode([int(e) for e in value.epoch], depth + 1),
        }
    if isinstance(value, keras.Model):
        return _encode_keras(value, "model")
    if isinstance(value, keras.layers.Layer):
        return _encode_keras(value, "layer")
    raise NotEncodable(_type_text(value))


def _plain_history(history: object) -> dict:
    if type(history) is not dict:
        raise NotStandard("history", type(history).__name__)
    return {str(k): [float(v) for v in vs] for k, vs in history.items()}


def _plain(value: object) -> object:
    """Params of a History hold only numbers and strings; anything else as text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or type(value) in (bool, int, float, str):
        return value
    return str(value)


def _encode_keras(value: object, kind: str) -> dict:
    import keras

    _check_plain_keras(value, kind)
    config = keras.saving.serialize_keras_object(value)
    return {
        "t": kind,
        "config": json.dumps(config, default=_config_default),
        "weights": [_array_text(np.asarray(w)) for w in value.get_weights()],
    }


def _config_default(obj: object) -> object:
    if isinstance(obj, tuple):
        return list(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(type(obj).__name__)


def _check_plain_keras(value: object, kind: str) -> None:
    """Refuse a subclass, a ``Lambda`` or an instance whose methods were replaced: the
    grader would rebuild a different object. The grader enforces the same on decoding;
    this gives the message earlier, where it is cheap."""
    import keras

    layers = [value, *getattr(value, "layers", [])] if kind == "model" else [value]
    for obj in layers:
        cls = type(obj)
        if not (cls.__module__ or "").startswith("keras.") or cls.__name__ == "Lambda":
            raise NotStandard(kind, cls.__name__)
        replaced = sorted(_OVERRIDABLE & set(vars(obj)))
        if replaced:
            raise NotStandard(kind, f"{cls.__name__}.{replaced[0]}")
    if (
        kind == "model"
        and type(value) not in (keras.Sequential, keras.Model)
        and (type(value).__name__ != "Functional")
    ):
        raise NotStandard(kind, type(value).__name__)


# --- decoding (the receiving side) ---------------------------------------------------------


def loads(text: str) -> object:
    """The value of JSON text made by :func:`dumps`."""
    try:
        tree = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise BadPayload(f"not JSON: {exc}") from exc
    return decode(tree)


def decode(node: object, depth: int = 0) -> object:
    """The value of a tree made by :func:`encode`; trusts nothing in it."""
    if depth > MAX_DEPTH or not isinstance(node, dict) or not isinstance(node.get("t"), str):
        raise BadPayload("malformed node")
    kind = node["t"]
    value = node.get("v")
    try:
        if kind == "none":
            return None
        if kind == "bool":
            return _typed(value, bool)
        if kind == "int":
            return int(_typed(value, str))
        if kind == "float":
            return _float(_typed(value, str))
        if kind == "str":
            return _typed(value, str)
        if kind in ("list", "tuple"):
            items = [decode(v, depth + 1) for v in _typed(value, list)]
            return items if kind == "list" else tuple(items)
        if kind == "dict":
            return {
                _key(decode(k, depth + 1)): decode(v, depth + 1)
                for k, v in (_pair(p) for p in _typed(value, list))
            }
        if kind == "ndarray":
            return _array(value)
        if kind == "npscalar":
            return _array(value)[()]
        if kind == "npdtype":
            return np.dtype(_typed(value, str))
    except (TypeError, ValueError, OverflowError) as exc:
        raise BadPayload(f"bad {kind}: {exc}") from exc
    if kind == "figure":
        return _decode_figure(node)
    if kind in ("tensor", "tensorshape", "tfdtype", "history", "model", "layer"):
        return _decode_library(kind, node, depth)
    raise BadPayload(f"unknown kind {kind!r}")


def _typed(value: object, kind: type) -> object:
    if type(value) is not kind:
        raise TypeError(f"expected {kind.__name__}")
    return value


def _float(text: str) -> float:
    if text in ("nan", "inf", "-inf"):
        return float(text)
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("float")
    return number


def _pair(item: object) -> tuple:
    if type(item) is not list or len(item) != 2:
        raise TypeError("dict item")
    return item[0], item[1]


def _key(key: object) -> object:
    hash(key)  # tuples of lists are not keys
    return key


def _array(text: object) -> np.ndarray:
    raw = base64.b64decode(_typed(text, str), validate=True)
    if len(raw) > MAX_ARRAY_BYTES + 4096:
        raise ValueError("array too large")
    array = np.load(io.BytesIO(raw), allow_pickle=False)
    if not isinstance(array, np.ndarray):
        raise ValueError("not an array")
    return array


def _decode_figure(node: dict) -> FigureDescription:
    try:
        return FigureDescription(
            [
                AxesDescription(
                    _typed(ax["title"], str),
                    _typed(ax["xlabel"], str),
                    _typed(ax["ylabel"], str),
                    [
                        LineDescription(
                            _array(line["x"]).astype(float),
                            _array(line["y"]).astype(float),
                            _typed(line["label"], str),
                        )
                        for line in _typed(ax["lines"], list)
                    ],
                )
                for ax in _typed(node["axes"], list)
            ]
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadPayload(f"bad figure: {exc}") from exc


def _decode_library(kind: str, node: dict, depth: int) -> object:
    import keras
    import tensorflow as tf

    try:
        if kind == "tensor":
            return tf.constant(_array(node["v"]))
        if kind == "tensorshape":
            dims = node["v"]
            if dims is not None and not all(d is None or type(d) is int for d in dims):
                raise TypeError("dims")
            return tf.TensorShape(dims)
        if kind == "tfdtype":
            return tf.as_dtype(_typed(node["v"], str))
        if kind == "history":
            return _decode_history(node, depth)
    except (KeyError, TypeError, ValueError) as exc:
        raise BadPayload(f"bad {kind}: {exc}") from exc
    return _decode_keras(keras, kind, node)


def _decode_history(node: dict, depth: int) -> object:
    import keras

    history = decode(node["history"], depth + 1)
    params = decode(node["params"], depth + 1)
    epoch = decode(node["epoch"], depth + 1)
    if not isinstance(history, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(type(x) is float for x in v)
        for k, v in history.items()
    ):
        raise BadPayload("bad history")
    if not isinstance(params, dict) or not isinstance(epoch, list):
        raise BadPayload("bad history params")
    result = keras.callbacks.History()
    result.history = history
    result.params = params
    result.epoch = [int(e) for e in epoch]
    return result


def _decode_keras(keras: object, kind: str, node: dict) -> object:
    try:
        config = json.loads(_typed(node["config"], str))
        weights = [_array(w) for w in _typed(node["weights"], list)]
    except (KeyError, TypeError, ValueError) as exc:
        raise BadPayload(f"bad {kind}: {exc}") from exc
    if not isinstance(config, dict):
        raise BadPayload(f"bad {kind} config")
    foreign = _foreign_class(config)
    if foreign:
        raise NotStandard(kind, foreign)
    compile_config = config.pop("compile_config", None) if kind == "model" else None
    config = _keras_activations(config)
    try:
        obj = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as exc:  # noqa: BLE001 (Keras raises many kinds on an unknown config)
        raise NotStandard(kind, f"{type(exc).__name__}: {exc}") from exc
    wanted = keras.Model if kind == "model" else keras.layers.Layer
    if not isinstance(obj, wanted) or (kind == "layer" and isinstance(obj, keras.Model)):
        raise NotStandard(kind, type(obj).__name__)
    try:
        obj.set_weights(weights)
    except (ValueError, TypeError) as exc:
        raise NotStandard(kind, f"pesos: {exc}") from exc
    if compile_config:
        _compile(obj, compile_config)
    return obj


_FUNCTION_ALIASES = {"softmax_v2": "softmax"}  # tf.nn.softmax's name


def _keras_activations(config: object) -> object:
    """A function given by name only (``activation=tf.nn.relu`` serialises as a bare
    function name) becomes that name when Keras has an activation of that name."""
    import keras

    if isinstance(config, list):
        return [_keras_activations(c) for c in config]
    if not isinstance(config, dict):
        return config
    if (
        config.get("class_name") == "function"
        and config.get("module") in ("builtins", None)
        and isinstance(config.get("config"), str)
    ):
        name = _FUNCTION_ALIASES.get(config["config"], config["config"])
        try:
            keras.activations.get(name)
        except ValueError:
            return config
        return name
    return {k: _keras_activations(v) for k, v in config.items()}


def _foreign_class(config: object) -> str:
    """The first class in a Keras config that is not a built-in Keras one, or ''."""
    if isinstance(config, list):
        return next((f for f in (_foreign_class(c) for c in config) if f), "")
    if not isinstance(config, dict):
        return ""
    if "class_name" in config and "module" in config:
        module = config.get("module")
        name = config.get("class_name")
        registered = config.get("registered_name")
        builtin_function = name == "function" and module in ("builtins", None)
        if name == "Lambda" or (
            not builtin_function
            and (
                not isinstance(module, str)
                or not (module == "keras" or module.startswith("keras."))
            )
        ):
            return str(name)
        if registered not in (None, name, "function"):
            return str(registered)
    return next((f for f in (_foreign_class(v) for v in config.values()) if f), "")


def _compile(model: object, compile_config: Mapping) -> None:
    """Compile as the student did. A loss or metric given as the student's own function
    is stood in for by a function of the same name: the checks read only its name."""
    import keras

    try:
        optimizer = compile_config.get("optimizer")
        if isinstance(optimizer, dict):
            optimizer = keras.optimizers.deserialize(optimizer)
        model.compile(
            optimizer=optimizer or "rmsprop",
            loss=_compile_item(compile_config.get("loss")),
            metrics=_compile_item(compile_config.get("metrics")),
        )
    except Exception as exc:  # noqa: BLE001 (an unknown optimizer, loss or metric config)
        raise NotStandard("model", f"compile: {type(exc).__name__}: {exc}") from exc


def _compile_item(item: object) -> object:
    """A loss or metric (or a list/dict of them) from its serialised form."""
    import keras

    if item is None or isinstance(item, str):
        return item
    if isinstance(item, list):
        return [_compile_item(i) for i in item]
    if not isinstance(item, dict):
        raise TypeError(type(item).__name__)
    if "class_name" not in item:
        return {str(k): _compile_item(v) for k, v in item.items()}
    if item.get("class_name") == "function" and item.get("module") in ("builtins", None):
        name = str(item.get("config"))

        def stand_in(y_true, y_pred):
            raise RuntimeError("stand-in for the student's own function")

        stand_in.__name__ = name
        return stand_in
    return keras.saving.deserialize_keras_object(item, safe_mode=True)
