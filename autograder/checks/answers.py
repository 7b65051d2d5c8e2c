"""Finding the student's answers and calling their functions, in either of two modes.

- **In the kernel** (the student's JupyterLab, nbgrader Validate): test cells
  run in the student's kernel and answers are read from the IPython user
  namespace; tests outside a kernel pass ``namespace``.
- **Grader mode** (autograde, see :mod:`autograder.grading.verdicts`): test
  cells run in a trusted grader process inside :func:`grader_mode`; answers
  are fetched from the student's kernel as data through a
  :class:`~autograder.checks.channel.KernelChannel`, and ``call`` runs the
  student's function there on inputs sent as data. No verdict is computed
  where student code runs.

The same test cells give the same messages in both modes.
"""

import contextlib
import sys
from collections.abc import Callable, Iterator, Mapping

import numpy as np

from . import codec
from .describe import short_repr, type_name
from .messages import message
from .outcomes import CheckFailure, IncorrectAnswer, NotAttempted, StudentCodeError
from .serve import captured_output

_channel = None  # the KernelChannel while grading in grader mode


class UnreadableAnswer(IncorrectAnswer):
    """The answer is not plain data (or not a standard Keras object): it cannot be graded."""


class UndefinedAfterError(StudentCodeError):
    """The name is undefined because a student cell raised an error."""


@contextlib.contextmanager
def grader_mode(channel: object) -> Iterator[None]:
    """Within the block, answers come from ``channel`` (a ``KernelChannel``)."""
    global _channel
    previous, _channel = _channel, channel
    try:
        yield
    finally:
        _channel = previous


def in_grader_mode() -> bool:
    return _channel is not None


def _user_namespace() -> Mapping:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("answer() needs a namespace outside IPython")
    return shell.user_ns


def _undefined(name: str) -> CheckFailure:
    """Not attempted; in grader mode, the student's error if one of their solution cells
    raised (the grader saw it happen)."""
    error = _channel.student_error if _channel is not None else ""
    if error:
        return UndefinedAfterError(message("not_defined_after_error", name=name, error=error))
    return NotAttempted(message("not_defined", name=name))


def answer(name: str, namespace: Mapping | None = None) -> object:
    """Return the student's ``name``, or fail as not attempted if undefined.

    In grader mode the value is fetched as data; a value that is not plain
    data (or a model that is not standard Keras) is an incorrect answer.
    """
    if namespace is None and _channel is not None:
        return _remote_answer(name)
    ns = _user_namespace() if namespace is None else namespace
    if name not in ns:
        raise _undefined(name)
    return ns[name]


def optional_answer(name: str, namespace: Mapping | None = None) -> object:
    """The student's ``name``, or ``None`` if undefined or unreadable (for checks that adapt)."""
    try:
        return answer(name, namespace)
    except (NotAttempted, UndefinedAfterError, UnreadableAnswer):
        return None


def function(name: str, namespace: Mapping | None = None) -> Callable:
    """Return the student's function ``name``; it must be callable (in the kernel only)."""
    value = answer(name, namespace)
    if not callable(value):
        raise IncorrectAnswer(message("not_callable", name=name, found=type_name(value)))
    return value


def format_call(name: str, args: tuple, kwargs: Mapping) -> str:
    parts = [short_repr(a) for a in args]
    parts += [f"{k}={short_repr(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def call(
    name: str, *args, namespace: Mapping | None = None, quiet: bool = False, **kwargs
) -> object:
    """Call the student's function ``name`` and keep the outcomes apart.

    ``NotImplementedError`` means not attempted; any other exception is the
    student's error, reported with the call that raised it. A function must
    not modify its input arrays. Warnings and stderr output of the student's
    code are captured (a test cell's stderr would score 0): in the kernel they
    are shown as a short note unless ``quiet``; in grader mode nothing the
    student's code writes is shown.
    """
    shown = format_call(name, args, kwargs)
    if namespace is None and _channel is not None:
        return _remote_call(name, shown, args, kwargs)
    func = function(name, namespace)
    # Only arrays are compared afterwards: copying a Keras model argument would save and
    # reload it, and Keras warns on stderr (which scores the cell 0).
    before = tuple(np.copy(a) if isinstance(a, np.ndarray) else None for a in args)
    with captured_output() as notes:
        try:
            result = func(*args, **kwargs)
        except NotImplementedError as exc:
            raise NotAttempted(message("not_implemented", name=name)) from exc
        except Exception as exc:  # the student's code may raise anything
            raise StudentCodeError(
                message("raised", call=shown, ename=type(exc).__name__, evalue=exc)
            ) from exc
    if notes and not quiet:
        sys.stdout.write(message("call_notes", call=shown, notes=" · ".join(notes)) + "\n")
    _check_unchanged(shown, before, args)
    return result


def _check_unchanged(shown: str, before: tuple, after: tuple) -> None:
    for position, (old, new) in enumerate(zip(before, after, strict=True)):
        if isinstance(old, np.ndarray) and not np.array_equal(
            old, new, equal_nan=old.dtype.kind == "f"
        ):
            raise IncorrectAnswer(message("input_modified", call=shown, arg=f"nº {position + 1}"))


# --- grader mode -------------------------------------------------------------------------


def _remote_answer(name: str) -> object:
    if name in _channel.cache:
        return _channel.cache[name]
    reply = _channel.request({"op": "answer", "name": name})
    value = _reply_value(reply, name, shown=f"`{name}`")
    _channel.cache[name] = value
    return value


def _remote_call(name: str, shown: str, args: tuple, kwargs: Mapping) -> object:
    _channel.cache.clear()  # the student's function may change their globals
    request = {
        "op": "call",
        "name": name,
        "args": codec.encode(tuple(args), trusted=True),
        "kwargs": codec.encode(dict(kwargs), trusted=True),
    }
    reply = _channel.request(request)
    status = reply.get("status")
    if status == "not_callable":
        found = str(reply.get("what", ""))[:100]
        raise IncorrectAnswer(message("not_callable", name=name, found=found))
    if status == "not_implemented":
        raise NotAttempted(message("not_implemented", name=name))
    if status == "raised":
        raise StudentCodeError(
            message(
                "raised",
                call=shown,
                ename=str(reply.get("ename", "Error"))[:100],
                evalue=str(reply.get("evalue", ""))[:300],
            )
        )
    value = _reply_value(reply, name, shown=f"`{shown}`")
    modified = reply.get("modified")
    if isinstance(modified, list) and modified and type(modified[0]) is int:
        raise IncorrectAnswer(message("input_modified", call=shown, arg=f"nº {modified[0] + 1}"))
    return value


def _reply_value(reply: dict, name: str, shown: str) -> object:
    status = reply.get("status")
    if status == "undefined":
        raise _undefined(name)
    if status == "not_encodable":
        what = str(reply.get("what", ""))[:100]
        raise UnreadableAnswer(message("not_encodable", what=shown, found=what))
    if status == "not_standard":
        raise _not_standard(shown, str(reply.get("kind")), str(reply.get("detail", "")))
    if status != "ok":
        raise StudentCodeError(message("channel_broken", ename="respuesta", evalue=str(status)))
    try:
        return codec.decode(reply.get("value"))
    except codec.NotStandard as exc:
        raise _not_standard(shown, exc.kind, exc.detail) from exc
    except codec.BadPayload as exc:
        raise UnreadableAnswer(message("not_encodable", what=shown, found=str(exc)[:100])) from exc


def _not_standard(shown: str, kind: str, detail: str) -> UnreadableAnswer:
    found = detail[:120]
    if kind == "model":
        return UnreadableAnswer(message("not_standard_model", what=shown, found=found))
    if kind == "layer":
        return UnreadableAnswer(message("not_standard_layer", what=shown, found=found))
    return UnreadableAnswer(message("not_standard_history", what=shown, found=found))
