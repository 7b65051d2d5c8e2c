"""Finding the student's answers and calling their functions.

Test cells run in the student's kernel, so answers are read from the
IPython user namespace; tests outside a kernel pass ``namespace``.
"""

import contextlib
from collections.abc import Callable, Mapping

import numpy as np

from .describe import short_repr, type_name
from .environment import quiet_keras
from .messages import message
from .outcomes import IncorrectAnswer, NotAttempted, StudentCodeError


def _user_namespace() -> Mapping:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("answer() needs a namespace outside IPython")
    return shell.user_ns


def answer(name: str, namespace: Mapping | None = None) -> object:
    """Return the student's ``name``, or fail as not attempted if undefined."""
    ns = _user_namespace() if namespace is None else namespace
    if name not in ns:
        raise NotAttempted(message("not_defined", name=name))
    return ns[name]


def optional_answer(name: str, namespace: Mapping | None = None) -> object:
    """The student's ``name``, or ``None`` if undefined (for checks that adapt to it)."""
    try:
        return answer(name, namespace)
    except NotAttempted:
        return None


def function(name: str, namespace: Mapping | None = None) -> Callable:
    """Return the student's function ``name``; it must be callable."""
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
    student's error, reported with the call that raised it. Arguments are
    compared before and after: a function must not modify its inputs. With
    ``quiet``, Python warnings and TensorFlow's logger are silenced while it runs
    (a Keras ``predict`` inside the student's function must not write to stderr).
    """
    func = function(name, namespace)
    shown = format_call(name, args, kwargs)
    # Only arrays are compared afterwards: copying a Keras model argument would save and
    # reload it, and Keras warns on stderr (which scores the cell 0).
    before = tuple(np.copy(a) if isinstance(a, np.ndarray) else None for a in args)
    try:
        with quiet_keras() if quiet else contextlib.nullcontext():
            result = func(*args, **kwargs)
    except NotImplementedError as exc:
        raise NotAttempted(message("not_implemented", name=name)) from exc
    except Exception as exc:  # the student's code may raise anything
        raise StudentCodeError(
            message("raised", call=shown, ename=type(exc).__name__, evalue=exc)
        ) from exc
    _check_unchanged(shown, before, args)
    return result


def _check_unchanged(shown: str, before: tuple, after: tuple) -> None:
    for position, (old, new) in enumerate(zip(before, after, strict=True)):
        if isinstance(old, np.ndarray) and not np.array_equal(
            old, new, equal_nan=old.dtype.kind == "f"
        ):
            raise IncorrectAnswer(message("input_modified", call=shown, arg=f"nº {position + 1}"))
