"""The student's side of the grader channel: answers requests in the student's kernel.

Untrusted side: this module runs in the student's kernel, where the student's
code may have replaced anything, this module included. The grader trusts none
of it: it receives only data (:mod:`autograder.checks.codec`), rebuilds models
from built-in Keras classes, and computes every verdict itself. If the
student breaks this module, their answers just cannot be read.

The grader sends a JSON request as a user expression,
``handle('<request>')``; the reply is a :class:`Reply` whose only
representation is JSON text under :data:`REPLY_MIME`.
"""

import contextlib
import copy
import io
import json
import logging
import warnings

from . import codec

REPLY_MIME = "application/x-autograder-reply+json"
MAX_NOTES = 3  # warnings shown as notes after a call, at most


class Reply:
    """A reply shown only as JSON text under :data:`REPLY_MIME`."""

    def __init__(self, payload: dict):
        self.text = json.dumps(payload, allow_nan=False, separators=(",", ":"))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {REPLY_MIME: self.text}


def handle(request_text: str) -> Reply:
    """Serve one request: ``{"op": "answer", "name": ...}`` or
    ``{"op": "call", "name": ..., "args": ..., "kwargs": ..., "quiet": bool}``."""
    request = json.loads(request_text)
    namespace = _user_namespace()
    name = request["name"]
    if request["op"] == "answer":
        if name not in namespace:
            return Reply({"status": "undefined"})
        return _value_reply(namespace[name])
    if request["op"] == "call":
        return _call(namespace, name, request)
    return Reply({"status": "bad_request"})


def _user_namespace() -> dict:
    from IPython import get_ipython

    return get_ipython().user_ns


def _value_reply(value: object, **extra: object) -> Reply:
    try:
        encoded = codec.encode(value)
    except codec.NotStandard as exc:
        return Reply({"status": "not_standard", "kind": exc.kind, "detail": exc.detail})
    except codec.NotEncodable as exc:
        return Reply({"status": "not_encodable", "what": exc.what})
    except Exception as exc:  # noqa: BLE001 (a student's object may fail to serialise anyhow)
        return Reply(
            {"status": "not_encodable", "what": f"{codec._type_text(value)} ({_text(exc)})"}
        )
    if encoded["t"] == "figure" and type(value).__name__ == "Figure":
        import matplotlib.pyplot as plt

        plt.close(value)  # as the in-kernel check closes figures once read
    return Reply({"status": "ok", "value": encoded, **extra})


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:500]
    except Exception:  # noqa: BLE001 (a student's exception may fail even to print)
        return type(exc).__name__


def _call(namespace: dict, name: str, request: dict) -> Reply:
    if name not in namespace:
        return Reply({"status": "undefined"})
    func = namespace[name]
    if not callable(func):
        return Reply({"status": "not_callable", "what": codec._type_text(func)})
    args = codec.decode(request["args"])
    kwargs = codec.decode(request["kwargs"])
    kept = copy.deepcopy(args)
    with captured_output() as notes:
        try:
            result = func(*args, **kwargs)
        except NotImplementedError:
            return Reply({"status": "not_implemented"})
        except Exception as exc:  # noqa: BLE001 (the student's code may raise anything)
            return Reply({"status": "raised", "ename": type(exc).__name__, "evalue": _text(exc)})
    try:
        changed = [i for i, (a, b) in enumerate(zip(kept, args, strict=True)) if _changed(a, b)]
    except (TypeError, ValueError):
        changed = []
    return _value_reply(result, modified=changed, notes=notes)


def _changed(before: object, after: object) -> bool:
    import numpy as np

    if isinstance(before, np.ndarray):
        return not np.array_equal(before, after, equal_nan=before.dtype.kind == "f")
    return False


@contextlib.contextmanager
def captured_output():
    """Collect the warnings and stderr of student code (a list of one-line notes)
    instead of letting them reach the cell's outputs; TensorFlow's logger is quiet."""
    notes: list[str] = []
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    stderr = io.StringIO()
    caught: list = []
    try:
        # The filters in force are kept: a test that ignores warnings still ignores them.
        with warnings.catch_warnings(record=True) as recorded, contextlib.redirect_stderr(stderr):
            try:
                yield notes
            finally:
                caught = list(recorded)
    finally:
        logger.setLevel(level)
        found = [f"{w.category.__name__}: {w.message}" for w in caught]
        found += [line.strip() for line in stderr.getvalue().splitlines() if line.strip()]
        notes.extend(list(dict.fromkeys(found))[:MAX_NOTES])
