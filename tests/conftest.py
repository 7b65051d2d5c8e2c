"""Shared fixtures: one real nbgrader cycle per assignment, reused by its tests."""

import fcntl
import os
import pickle
from contextlib import contextmanager
from pathlib import Path

import pytest

from autograder.checks.environment import quiet_tensorflow
from autograder.content.demo import SAMPLES, course_with_submissions, load_expected, sample_notebook
from autograder.grading.course import REPO_ROOT as REPO
from autograder.grading.course import prepare_environment

quiet_tensorflow()
prepare_environment()

__all__ = ["REPO", "SAMPLES", "course_with_submissions", "sample_notebook"]
SOURCE_STUDENT = "fuente"  # the source notebook itself, submitted as a student


def assignments() -> list[str]:
    return sorted(p.name for p in (REPO / "source").iterdir() if (p / f"{p.name}.ipynb").is_file())


def expected(assignment: str) -> dict:
    """The samples' expected points; {} when missing (a test then fails on it)."""
    return load_expected(assignment)


@contextmanager
def fails(kind, *fragments):
    """The block raises ``kind`` and its message holds every fragment."""
    with pytest.raises(kind) as info:
        yield info
    text = str(info.value)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"


def per_assignment(params, group: str = ""):
    """Parametrize over assignments, asking xdist to keep each one's tests on one worker
    (``--dist loadgroup``): a session fixture that grades the assignment's set then runs
    once. ``group`` prefixes the group name, so that the sets of different test files
    spread over the workers; without it the group is the assignment, shared with the
    sample cycle below (which the workers share through a lock anyway)."""
    return [pytest.param(*p, marks=pytest.mark.xdist_group(group + p[0])) for p in params]


def interleaved(params):
    """Order (assignment, ...) cases so that neighbours belong to different assignments:
    xdist workers taking consecutive tests then start different grading cycles."""
    seen = {}
    ranked = []
    for p in params:
        seen[p[0]] = seen.get(p[0], -1) + 1
        ranked.append((seen[p[0]], p))
    return [p for _, p in sorted(ranked, key=lambda r: r[0])]


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """``graded(assignment)`` runs the full cycle once per test run and assignment."""
    base = tmp_path_factory.getbasetemp()
    # xdist workers each get base/popen-gwN: share the run's folder above it.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    cache = {}

    def get(assignment: str):
        if assignment not in cache:
            cache[assignment] = _cycle_once(shared, assignment)
        return cache[assignment]

    return get


def _cycle_once(shared: Path, assignment: str):
    """The first worker to ask runs the cycle; the others wait for it and reuse its report."""
    from autograder.content.demo import run_demo

    workdir = shared / f"cycle-{assignment}"
    with open(shared / f"cycle-{assignment}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        saved = shared / f"cycle-{assignment}.pickle"
        if saved.is_file():
            return pickle.loads(saved.read_bytes())
        report = run_demo(
            workdir,
            [assignment],
            progress=lambda *_: None,
            extra={SOURCE_STUDENT: "source/{assignment}/{assignment}.ipynb"},
            workers=1,  # the test run already uses every core
        )
        saved.write_bytes(pickle.dumps(report))
        return report


def results_by_student(report, assignment: str) -> dict:
    return {r.student: r for r in report.results[assignment]}


def gradebook_snapshot(course, assignment: str, students) -> dict:
    """Every grade and comment nbgrader stored, per student and cell."""
    from nbgrader.api import Gradebook

    snap = {}
    with Gradebook(course.gradebook_url) as gb:
        for student in students:
            nb = gb.find_submission(assignment, student).notebooks[0]
            for g in nb.grades:
                snap[(student, g.name, "grade")] = (
                    g.auto_score,
                    g.manual_score,
                    g.needs_manual_grade,
                    g.max_score,
                )
            for c in nb.comments:
                snap[(student, c.name, "comment")] = (c.auto_comment, c.manual_comment)
    return snap


def coalesced(outputs) -> list[dict]:
    """Outputs with consecutive stream chunks joined: the kernel may split a line into
    chunks at any flush, in serial and parallel runs alike."""
    merged = []
    for out in outputs:
        last = merged[-1] if merged else None
        if last and out.output_type == "stream" == last["output_type"] and out.name == last["name"]:
            last["text"] += out.text
        else:
            merged.append(dict(out))
    return merged


def autograded_sources_and_outputs(course, assignment: str, student: str) -> list[tuple]:
    """(source, coalesced outputs) of every cell of a student's autograded notebook."""
    import nbformat

    path = course.folder("autograded") / student / assignment / f"{assignment}.ipynb"
    return [(c.source, coalesced(c.get("outputs", []))) for c in nbformat.read(path, 4).cells]
