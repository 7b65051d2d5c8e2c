"""Autograding on a local Dask cluster: same results as serial nbgrader, isolation, resume,
gradebooks, thread budget."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import nbformat
import pytest
from conftest import (
    REPO,
    autograded_sources_and_outputs,
    course_with_submissions,
    expected,
    gradebook_snapshot,
    sample_notebook,
)
from dask.system import CPU_COUNT

from autograder.grading import gradebook
from autograder.grading.runner import autograde_all

A = "01_tensores"
STUDENTS = ["correcto", "parcial", "con_errores", "sin_intentar"]
pytestmark = pytest.mark.xdist_group("parallel")


def _notebooks(students=STUDENTS):
    return {s: sample_notebook(A, s) for s in students}


def test_parallel_equals_serial_nbgrader_autograde(tmp_path):
    course = course_with_submissions(tmp_path, A, _notebooks())
    nbgrader = shutil.which("nbgrader", path=os.path.dirname(sys.executable))
    subprocess.run(
        [nbgrader, "autograde", A], cwd=course.root, check=True, capture_output=True, timeout=600
    )
    serial = gradebook_snapshot(course, A, STUDENTS)
    serial_cells = {s: autograded_sources_and_outputs(course, A, s) for s in STUDENTS}

    summary = autograde_all(course, A, STUDENTS, workers=3, force=True, progress=lambda _: None)

    assert summary.failures == []  # no «database is locked» with 3 concurrent SQLite writers
    assert gradebook_snapshot(course, A, STUDENTS) == serial
    for student in STUDENTS:
        assert autograded_sources_and_outputs(course, A, student) == serial_cells[student], student
    results = gradebook.read_results(course, A, STUDENTS)
    for r in results:
        assert r.points == expected(A)[r.student]["points"], r.student


HANG = """
import signal
import time
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    time.sleep(1)
"""
CRASH = "import os\nos.kill(os.getpid(), 9)"
# Unsandboxed, the kernel's parent is the Dask worker; in the sandbox (its own PID
# namespace) the kill cannot reach the worker.
KILL_WORKER = "import os\nos.kill(os.getppid(), 9)"
THREADS = (
    "import os\nprint([os.environ.get(v) for v in ('OMP_NUM_THREADS', 'TF_NUM_INTRAOP_THREADS')])"
)


def _broken_copy(tmp_path, name, code):
    nb = nbformat.read(sample_notebook(A, "correcto"), 4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(code))
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def test_hanging_crashing_and_worker_killing_submissions_do_not_stop_the_others(tmp_path):
    notebooks = _notebooks(["correcto"])
    notebooks["cuelga"] = _broken_copy(tmp_path, "cuelga", HANG)
    notebooks["revienta"] = _broken_copy(tmp_path, "revienta", CRASH)
    notebooks["mata"] = _broken_copy(tmp_path, "mata", KILL_WORKER)
    notebooks["hilos"] = _broken_copy(tmp_path, "hilos", THREADS)
    course = course_with_submissions(tmp_path, A, notebooks)
    seen = []

    # The timeout leaves a slow (loaded) machine ample time for the healthy submissions.
    summary = autograde_all(
        course, A, sorted(notebooks), workers=2, submission_timeout=60, progress=seen.append
    )

    outcomes = {o.student: o for o in summary.outcomes}
    assert sorted(outcomes) == sorted(notebooks)  # each exactly once
    # a hang is retried once (on the other worker), then flagged
    assert "tiempo agotado" in outcomes["cuelga"].error
    assert outcomes["cuelga"].attempts == 2
    # a submission that tries to kill its worker cannot reach it from the sandbox: graded on
    # the first attempt (a dead worker's retry is in test_dask_cluster.py)
    assert not outcomes["mata"].error and outcomes["mata"].attempts == 1
    assert not outcomes["correcto"].error and not outcomes["hilos"].error
    assert gradebook.read_results(course, A, ["correcto", "hilos"])[0].total == 10
    # a dead kernel ends graded (cells after the crash score 0) or clearly flagged
    crashed = gradebook.read_results(course, A, ["revienta"])[0]
    assert outcomes["revienta"].error or crashed.total < 10
    # the kernels got a thread budget: cores ÷ 2 workers
    budget = str(max(1, CPU_COUNT // 2))
    printed = [
        out for _, outs in autograded_sources_and_outputs(course, A, "hilos") for out in outs
    ]
    assert any(o.get("text", "").strip() == str([budget, budget]) for o in printed), printed
    assert seen[0].startswith("  Dask: 2 trabajadores · panel: http://")
    assert seen[-1].startswith(f"  [{len(notebooks)}/{len(notebooks)}] fallos: ")


def test_interrupted_run_loses_nothing_and_resumes(tmp_path):
    course = course_with_submissions(tmp_path, A, _notebooks())
    state = course.root / ".autograde_state" / A
    cmd = [
        sys.executable,
        "-m",
        "autograder",
        "grade",
        str(course.root),
        "--no-exchange",
        "--workers",
        "1",
        "--assignment",
        A,
    ]
    run = subprocess.Popen(
        cmd, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    while not (state.is_dir() and any(state.glob("*.json"))) and time.monotonic() < deadline:
        time.sleep(0.5)
    os.killpg(run.pid, signal.SIGKILL)  # the whole run, its workers and kernels
    run.wait()
    first = {p.stem for p in state.glob("*.json")}
    assert first and len(first) < len(STUDENTS)

    seen = []
    summary = autograde_all(course, A, STUDENTS, workers=2, progress=seen.append)

    skipped = {o.student for o in summary.outcomes if o.skipped}
    assert skipped == first
    assert {o.student for o in summary.outcomes if not o.skipped} == set(STUDENTS) - first
    assert summary.failures == []
    for r in gradebook.read_results(course, A, STUDENTS):
        assert r.points == expected(A)[r.student]["points"], r.student
    marker = json.loads((state / "correcto.json").read_text())
    assert marker["timestamp"].startswith("2026-11-28")

    # a re-run skips everything graded; a new submission (new timestamp) is graded again
    stamp = course.folder("submitted") / "sin_intentar" / A / "timestamp.txt"
    stamp.write_text("2026-11-29 09:00:00.000000 UTC")
    rerun = autograde_all(course, A, STUDENTS, workers=1, progress=lambda _: None)
    assert [o.student for o in rerun.outcomes if not o.skipped] == ["sin_intentar"]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def postgres_url():
    """A real PostgreSQL server on loopback, started for this test and stopped after."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    assert bins, "PostgreSQL no está instalado (apt-get install postgresql; .ci/run lo hace)"
    pg = bins[-1].parent
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    home = Path(tempfile.mkdtemp(prefix="pg-"))
    home.chmod(0o755)
    if as_pg:
        shutil.chown(home, "postgres", "postgres")
    data, port = home / "data", _free_port()
    run = partial(subprocess.run, check=True, capture_output=True, timeout=120)
    run([*as_pg, pg / "initdb", "-D", data, "-U", "postgres", "--auth=trust"])
    opts = f"-p {port} -k {home} -c listen_addresses=127.0.0.1"
    # -l: the server must not inherit our pipes, or run() would wait for it to exit
    run([*as_pg, pg / "pg_ctl", "-D", data, "-l", home / "log", "-o", opts, "-w", "start"])
    try:
        run([*as_pg, pg / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "gb"])
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/gb"
    finally:
        run([*as_pg, pg / "pg_ctl", "-D", data, "-m", "immediate", "stop"])
        shutil.rmtree(home, ignore_errors=True)


def test_postgresql_gradebook_with_parallel_workers(tmp_path, postgres_url):
    students = ["correcto", "parcial", "sin_intentar"]
    course = course_with_submissions(tmp_path, A, _notebooks(students), db_url=postgres_url)
    assert course.gradebook_url.startswith("postgresql+psycopg2://")

    summary = autograde_all(course, A, students, workers=2, progress=lambda _: None)

    assert summary.failures == []
    for r in gradebook.read_results(course, A, students):
        assert r.points == expected(A)[r.student]["points"], r.student
    assert not (course.root / "gradebook.db").exists()  # nothing went to SQLite
