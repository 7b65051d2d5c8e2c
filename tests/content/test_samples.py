"""Every assignment through real nbgrader: releases, samples, source, feedback."""

import html
import re
from html.parser import HTMLParser

import nbformat
import pytest
from conftest import (
    REPO,
    SAMPLES,
    SOURCE_STUDENT,
    assignments,
    expected,
    interleaved,
    per_assignment,
    results_by_student,
)

SAMPLE_CASES = per_assignment(
    interleaved([(a, s) for a in assignments() for s in sorted(expected(a))])
)
ASSIGNMENTS = per_assignment([(a,) for a in assignments()])


@pytest.mark.parametrize(("assignment", "student"), SAMPLE_CASES)
def test_sample_gets_expected_points_per_cell(graded, assignment, student):
    result = results_by_student(graded(assignment), assignment)[student]
    assert not result.error, result.error
    assert result.points == expected(assignment)[student]["points"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_solution_gets_full_marks(graded, assignment):
    result = results_by_student(graded(assignment), assignment)[SOURCE_STUDENT]
    assert not result.error, result.error
    assert result.points == result.max_points
    assert result.max_total > 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_gets_zero_without_crash(graded, assignment):
    result = results_by_student(graded(assignment), assignment)["sin_intentar"]
    assert not result.error, result.error
    assert result.points and set(result.points.values()) == {0.0}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_sin_intentar_sample_is_the_release(assignment):
    sample = nbformat.read(SAMPLES / assignment / "sin_intentar" / f"{assignment}.ipynb", 4)
    release = nbformat.read(REPO / "release" / assignment / f"{assignment}.ipynb", 4)
    assert sample == release


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_expected_points_cover_every_autograded_cell(graded, assignment):
    result = results_by_student(graded(assignment), assignment)[SOURCE_STUDENT]
    for student, entry in expected(assignment).items():
        assert set(entry["points"]) == set(result.max_points), student
        for cell, points in entry["points"].items():
            assert 0 <= points <= result.max_points[cell], (student, cell)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_leave_no_partial_credit_or_stderr(graded, assignment):
    """A value or stderr output in a test cell would change nbgrader's score."""
    course = graded(assignment).course
    path = course.folder("autograded") / SOURCE_STUDENT / assignment / f"{assignment}.ipynb"
    for cell in nbformat.read(path, 4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            kinds = {(o.output_type, o.get("name")) for o in cell.outputs}
            assert ("execute_result", None) not in kinds, meta["grade_id"]
            assert ("stream", "stderr") not in kinds, meta["grade_id"]


class _Text(HTMLParser):
    """Visible text of an HTML page (code highlighting spans joined)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(raw: str) -> str:
    parser = _Text()
    parser.feed(raw)
    return html.unescape("".join(parser.parts))


def hidden_test_lines(assignment: str) -> list[str]:
    """Distinctive lines that only the hidden tests of the source contain."""
    nb = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", 4)
    visible = (REPO / "release" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8")
    visible = "\n".join(c.source for c in nbformat.reads(visible, 4).cells)
    found = []
    for cell in nb.cells:
        hidden = re.findall(r"BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S)
        for block in hidden:
            found += [line.strip() for line in block.splitlines() if len(line.strip()) > 15]
    return [line for line in found if line not in visible]


def leaked(text: str, lines: list[str]) -> list[str]:
    return [line for line in lines if line in text]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_holds_no_hidden_test_code(graded, assignment):
    lines = hidden_test_lines(assignment)
    assert lines, "the source must have hidden tests"
    pages = sorted((graded(assignment).course.folder("feedback")).rglob("*.html"))
    assert len(pages) == len(expected(assignment)) + 1  # samples + source
    for page in pages:
        text = html_text(page.read_text(encoding="utf-8"))
        assert leaked(text, lines) == [], page
        assert "HIDDEN TESTS" not in text, page


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_leak_detector_sees_hidden_code_in_the_autograded_notebook(graded, assignment):
    """Proof the check above can fail: the instructor's copy does hold the code."""
    from nbconvert import HTMLExporter

    course = graded(assignment).course
    path = course.folder("autograded") / SOURCE_STUDENT / assignment / f"{assignment}.ipynb"
    body, _ = HTMLExporter().from_notebook_node(nbformat.read(path, 4))
    assert leaked(html_text(body), hidden_test_lines(assignment))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_shows_the_students_messages(graded, assignment):
    course = graded(assignment).course
    page = course.folder("feedback") / "sin_intentar" / assignment / f"{assignment}.html"
    text = html_text(page.read_text(encoding="utf-8"))
    assert "⏳ Sin intentar" in text
    assert "Score: 0.0 / " in text or "0.0 / " in text
