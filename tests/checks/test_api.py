"""The one import surface of test cells, and the walls between the package's rooms."""

import ast
import builtins
import subprocess
import sys

import nbformat
import pytest
from conftest import REPO, assignments

import autograder


def _test_cells(assignment: str) -> list[tuple[str, str]]:
    nb = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", 4)
    return [
        (cell.metadata["nbgrader"]["grade_id"], cell.source)
        for cell in nb.cells
        if cell.cell_type == "code"
        and cell.metadata.get("nbgrader", {}).get("grade")
        and not cell.metadata["nbgrader"].get("solution")
    ]


def _imports(tree: ast.AST) -> list[tuple[str, list[str]]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.append((node.module or "", [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names]
    return found


def _free_names(tree: ast.AST) -> set[str]:
    """Names a cell reads without binding them itself: what it takes from the kernel."""
    bound, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return loaded - bound - set(dir(builtins))


CELLS = [(a, gid, src) for a in assignments() for gid, src in _test_cells(a)]


@pytest.mark.parametrize("assignment, grade_id, source", CELLS, ids=[c[1] for c in CELLS])
def test_test_cells_import_our_package_only_from_its_top_level(assignment, grade_id, source):
    for module, names in _imports(ast.parse(source)):
        if module.split(".")[0] == "autograder":
            assert module == "autograder" and names, f"{grade_id}: import from {module}"
            assert set(names) <= set(autograder.__all__), f"{grade_id}: {names}"


@pytest.mark.parametrize("assignment, grade_id, source", CELLS, ids=[c[1] for c in CELLS])
def test_test_cells_reach_student_objects_only_through_answer_and_call(
    assignment, grade_id, source
):
    assert _free_names(ast.parse(source)) == set(), grade_id


def test_free_names_sees_a_student_global():
    # The scan itself must be able to fail.
    assert _free_names(ast.parse("from autograder import answer\nanswer('x')\nmodel.fit")) == {
        "model"
    }


def test_public_api_names_exist():
    for name in autograder.__all__:
        assert getattr(autograder, name) is not None, name


def test_checks_never_import_nbgrader_or_the_grading_tooling():
    probe = (
        "import importlib, pkgutil, sys\n"
        "import autograder, autograder.checks\n"
        "for m in pkgutil.iter_modules(autograder.checks.__path__):\n"
        "    importlib.import_module('autograder.checks.' + m.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'nbgrader'\n"
        "             or m.startswith(('autograder.grading', 'autograder.content')))\n"
        "print(bad)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert done.stdout.strip() == "[]", done.stdout
