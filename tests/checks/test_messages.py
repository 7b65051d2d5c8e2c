"""The message catalogue: every key the code asks for exists, none is unused, and every
placeholder of a message is filled by each call that uses it."""

import ast
import functools
import string
from pathlib import Path

import nbformat
import pytest
from conftest import REPO

from autograder.checks.messages import MESSAGES

PACKAGE = REPO / "autograder"


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


@functools.cache
def _message_calls() -> list[tuple[Path, ast.Call]]:
    calls = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "message":
                calls.append((path, node))
    return calls


def _keys_of(call: ast.Call) -> list[str] | None:
    """The catalogue key a call asks for (a literal); ``None`` when the key is a variable (a
    key passed in by the caller as ``hint=``, checked below). Keys are never built from
    pieces, so that this scan sees every one."""
    first = call.args[0]
    if isinstance(first, ast.Constant):
        return [first.value]
    assert isinstance(first, ast.Name), f"line {call.lineno}: build no keys from pieces"
    return None


@functools.cache
def _keys_passed_as_hints() -> set[str]:
    """Keys handed to checks as ``hint="key"`` (e.g. ``check_accuracy``'s catalogue hint),
    in the package's defaults and in the notebooks' test cells."""
    sources = [p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")]
    for path in sorted((REPO / "source").glob("*/*.ipynb")):
        sources += [cell.source for cell in nbformat.read(path, 4).cells]
    found = set()
    for text in sources:
        try:
            tree = ast.parse(text)
        except SyntaxError:  # markdown cells
            continue
        for node in ast.walk(tree):
            values = []
            if isinstance(node, ast.keyword) and node.arg == "hint":
                values = [node.value]
            elif isinstance(node, ast.arg) and node.arg == "hint":
                continue
            elif isinstance(node, ast.FunctionDef):
                names = [a.arg for a in node.args.kwonlyargs]
                values = [
                    d for a, d in zip(names, node.args.kw_defaults, strict=True) if a == "hint"
                ]
            found |= {
                v.value for v in values if isinstance(v, ast.Constant) and v.value in MESSAGES
            }
    return found


def test_every_key_the_code_asks_for_exists():
    missing = [
        f"{path.relative_to(REPO)}:{call.lineno} {key}"
        for path, call in _message_calls()
        for key in _keys_of(call) or []
        if key not in MESSAGES
    ]
    assert not missing


def test_no_key_is_unused():
    used = {key for _, call in _message_calls() for key in _keys_of(call) or []}
    used |= _keys_passed_as_hints()
    assert sorted(set(MESSAGES) - used) == []


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_call_fills_every_placeholder(key):
    wanted = _placeholders(MESSAGES[key])
    for path, call in _message_calls():
        if key not in (_keys_of(call) or []):
            continue
        assert not any(k.arg is None for k in call.keywords), f"{path}:{call.lineno}: **fields"
        given = {k.arg for k in call.keywords}
        assert wanted <= given, f"{path.name}:{call.lineno} leaves {wanted - given} unfilled"
        assert given <= wanted, f"{path.name}:{call.lineno} passes unused {given - wanted}"


def test_hint_keys_need_no_fields():
    for key in _keys_passed_as_hints():
        assert not _placeholders(MESSAGES[key]), key
