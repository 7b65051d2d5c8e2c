"""What a student reads in every source notebook (issue 15): headings, time, success lines.

Plain reads of the notebooks, no kernel: fast.
"""

import re

import nbformat
import pytest
from conftest import REPO, assignments

PASSED_TEXT = re.compile(r'(?:passed\(|passed_text=)\s*"([^"]+)"(?:\s*"([^"]*)")?')


def _notebook(assignment: str):
    return nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", 4)


@pytest.mark.parametrize("assignment", assignments())
def test_intro_states_the_expected_time(assignment):
    intro = _notebook(assignment).cells[0].source
    assert "**Tiempo estimado:**" in intro


@pytest.mark.parametrize("assignment", assignments())
def test_exercise_headings_are_numbered_in_order_with_their_points(assignment):
    """«## Ejercicio N (X puntos)» counts 1, 2, 3… and X is what its grade cells are worth."""
    heading = re.compile(r"^## Ejercicio (\d+) \((\d+) puntos?")
    numbers, stated, worth, current = [], {}, {}, None
    for cell in _notebook(assignment).cells:
        found = heading.match(cell.source) if cell.cell_type == "markdown" else None
        if found:
            current = int(found.group(1))
            numbers.append(current)
            stated[current], worth[current] = int(found.group(2)), 0
        elif cell.cell_type == "markdown" and cell.source.startswith("## "):
            current = None
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            assert current is not None, meta["grade_id"]
            worth[current] += meta.get("points", 0)
    assert numbers == list(range(1, len(numbers) + 1))
    assert stated == worth


@pytest.mark.parametrize("assignment", assignments())
def test_success_lines_read_as_sentences(assignment):
    """Each visible check's success text starts with a capital or a `name` and ends in «.»."""
    texts = []
    for cell in _notebook(assignment).cells:
        if cell.cell_type == "code":
            texts += ["".join(parts) for parts in PASSED_TEXT.findall(cell.source)]
    assert texts
    for text in texts:
        assert text[0].isupper() or text[0] == "`", text
        assert text.endswith("."), text
