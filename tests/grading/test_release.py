"""release/ is nbgrader's output for source/, clean, and every notebook is stored clean."""

import subprocess

import nbformat
import pytest
from conftest import REPO, SAMPLES, assignments, expected

from autograder.grading.release import generate_release

REQUIRED_SAMPLES = {"correcto", "alternativo", "sin_intentar", "con_errores"}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    dest = tmp_path_factory.mktemp("release")
    generate_release(dest)
    return dest


def _notebooks(root):
    return sorted(p.relative_to(root) for p in root.rglob("*.ipynb"))


def test_release_is_what_nbgrader_generates_from_source(regenerated):
    released = REPO / "release"
    assert _notebooks(regenerated) == _notebooks(released)
    for rel in _notebooks(released):
        assert nbformat.read(released / rel, 4) == nbformat.read(regenerated / rel, 4), rel
    other = {p.relative_to(regenerated) for p in regenerated.rglob("*") if p.is_file()}
    assert other == {p.relative_to(released) for p in released.rglob("*") if p.is_file()}


def test_every_assignment_is_released():
    assert [p.name for p in sorted((REPO / "release").iterdir())] == assignments()


@pytest.mark.parametrize("assignment", assignments())
def test_release_has_no_solutions_or_hidden_tests(assignment):
    text = (REPO / "release" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    source = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", 4)
    release = nbformat.read(REPO / "release" / assignment / f"{assignment}.ipynb", 4)
    for src, rel in zip(source.cells, release.cells, strict=True):
        if src.metadata.get("nbgrader", {}).get("solution") and src.cell_type == "code":
            assert "NotImplementedError" in rel.source


def _tracked_notebooks():
    out = subprocess.run(
        ["git", "ls-files", "*.ipynb"], cwd=REPO, capture_output=True, text=True, check=True
    )
    return [REPO / line for line in out.stdout.splitlines()]


def test_no_notebook_is_stored_with_outputs():
    notebooks = _tracked_notebooks() or sorted(REPO.glob("[srt]*/**/*.ipynb"))
    assert notebooks
    for path in notebooks:
        for cell in nbformat.read(path, 4).cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path


@pytest.mark.parametrize("assignment", assignments())
def test_assignment_has_the_required_samples(assignment):
    students = set(expected(assignment))
    assert REQUIRED_SAMPLES <= students
    assert len(students) >= 5, "at least one partly wrong sample as well"
    for student in students:
        assert (SAMPLES / assignment / student / f"{assignment}.ipynb").is_file()
        assert expected(assignment)[student]["description"]


@pytest.mark.parametrize("assignment", assignments())
def test_assignment_is_worth_ten_points(assignment):
    nb = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", 4)
    points = [
        c.metadata["nbgrader"].get("points", 0)
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    ]
    assert sum(points) == 10
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids))
