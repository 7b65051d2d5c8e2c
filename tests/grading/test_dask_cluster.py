"""Grading on a real Dask cluster: a scheduler and two workers started here on 127.0.0.1.

Each worker runs in its own empty folder and gets everything through its
tasks; grades go to a real PostgreSQL gradebook. One worker is killed while it
runs a kernel: every submission must still be graded exactly once, with the
same grades, comments and autograded notebooks as serial ``nbgrader autograde``.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
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
from test_runner import postgres_url  # noqa: F401 (fixture)

from autograder.content.demo import sample_students
from autograder.grading import gradebook
from autograder.grading.exchange import check_step, instructor_api
from autograder.grading.runner import autograde_all

ASSIGNMENTS = ["01_tensores", "02_neurona"]  # the cheapest samples: 5 + 7 submissions
pytestmark = [pytest.mark.cluster, pytest.mark.xdist_group("dask-cluster")]
BIN = Path(sys.executable).parent


def _notebooks(assignment):
    return {s: sample_notebook(assignment, s) for s in sample_students(assignment)}


def _add_assignment(course, assignment, notebooks):
    """What ``course_with_submissions`` does, for a second assignment of the same course."""
    check_step("generate_assignment", instructor_api(course).generate_assignment(assignment))
    for i, (student, path) in enumerate(sorted(notebooks.items())):
        folder = course.folder("submitted") / student / assignment
        folder.mkdir(parents=True)
        shutil.copy2(path, folder / f"{assignment}.ipynb")
        (folder / "timestamp.txt").write_text(f"2026-11-28 11:00:{i:02d}.000000 UTC")


def _course(root, db_url=None):
    first, *rest = ASSIGNMENTS
    course = course_with_submissions(root, first, _notebooks(first), db_url=db_url)
    for assignment in rest:
        _add_assignment(course, assignment, _notebooks(assignment))
    return course


def _start(cmd, cwd, env):
    cwd.mkdir(parents=True)
    return subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        start_new_session=True,  # killpg takes the worker, its nanny and its kernels
        stdout=subprocess.DEVNULL,
        stderr=open(cwd / "log", "w"),  # noqa: SIM115 (closed with the process)
    )


def _stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)


def _kernel_running(proc) -> bool:
    try:
        family = psutil.Process(proc.pid).children(recursive=True)
        return any("ipykernel" in " ".join(p.cmdline()) for p in family)
    except psutil.Error:
        return False


def _kill_when_busy(proc, killed: threading.Event, deadline: float) -> None:
    """Kill the worker's process group a few seconds into its first kernel."""
    while time.monotonic() < deadline and not _kernel_running(proc):
        time.sleep(0.2)
    time.sleep(3)
    if _kernel_running(proc):
        killed.set()
    os.killpg(proc.pid, signal.SIGKILL)


def test_cluster_of_two_workers_survives_a_killed_worker(tmp_path, postgres_url):  # noqa: F811
    serial = _course(tmp_path / "serie")
    nbgrader = shutil.which("nbgrader", path=str(BIN))
    reference = subprocess.Popen(  # serial nbgrader, in the background meanwhile
        f"{nbgrader} autograde {ASSIGNMENTS[0]} && {nbgrader} autograde {ASSIGNMENTS[1]}",
        shell=True,
        cwd=serial.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    course = _course(tmp_path / "dask", db_url=postgres_url)

    # Workers see only the environment: no course folder, each in an empty folder of its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASK_", "AUTOGRADER_"))} | {
        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"
    }
    scheduler_file = tmp_path / "cluster" / "scheduler.json"
    dask = str(BIN / "dask")
    procs = [
        _start(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", "0"]
            + ["--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(scheduler_file)],
            tmp_path / "cluster" / "scheduler",
            env,
        )
    ]
    try:
        deadline = time.monotonic() + 120
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        for name in ("w1", "w2"):
            folder = tmp_path / "cluster" / name
            procs.append(
                _start(
                    [dask, "worker", "--scheduler-file", str(scheduler_file), "--name", name]
                    + ["--nthreads", "1", "--no-dashboard", "--local-directory", str(folder)],
                    folder,
                    env,
                )
            )
        from distributed import Client

        with Client(scheduler_file=str(scheduler_file), timeout=120) as client:
            client.wait_for_workers(2, timeout=180)

        killed = threading.Event()
        killer = threading.Thread(
            target=_kill_when_busy, args=(procs[1], killed, time.monotonic() + 600)
        )
        killer.start()
        seen, summaries = [], {}
        for assignment in ASSIGNMENTS:
            summaries[assignment] = autograde_all(
                course,
                assignment,
                sample_students(assignment),
                scheduler=str(scheduler_file),
                progress=seen.append,
            )
        killer.join()

        assert killed.is_set(), "the worker was not killed while it ran a kernel"
        assert procs[1].poll() is not None
        assert any("panel: http://127.0.0.1:" in line for line in seen), seen
        for assignment, summary in summaries.items():
            students = sample_students(assignment)
            # every submission exactly once, none lost with the killed worker
            assert sorted(o.student for o in summary.outcomes) == students
            assert summary.failures == []
            assert all(o.seconds > 0 and o.kernel_mb > 50 for o in summary.outcomes)
            for r in gradebook.read_results(course, assignment, students):
                assert r.points == expected(assignment)[r.student]["points"], r.student
        # a re-run finds everything graded: nothing is graded twice
        for assignment in ASSIGNMENTS:
            again = autograde_all(
                course,
                assignment,
                sample_students(assignment),
                scheduler=str(scheduler_file),
                progress=seen.append,
            )
            assert all(o.skipped for o in again.outcomes)
        # the thread budget is recomputed when a run starts: after the kill, the second
        # assignment found one worker left on this machine, so its kernels get every core
        with Client(scheduler_file=str(scheduler_file), timeout=60) as client:
            budgets = set(client.run(lambda: os.environ.get("TF_NUM_INTRAOP_THREADS")).values())
        assert budgets == {str(CPU_COUNT)}
    finally:
        for proc in reversed(procs):
            _stop(proc)

    assert reference.wait(900) == 0
    for assignment in ASSIGNMENTS:
        students = sample_students(assignment)
        assert gradebook_snapshot(course, assignment, students) == gradebook_snapshot(
            serial, assignment, students
        )
        for student in students:
            assert autograded_sources_and_outputs(
                course, assignment, student
            ) == autograded_sources_and_outputs(serial, assignment, student)
    assert not (course.root / "gradebook.db").exists()  # every grade went to PostgreSQL


def test_sqlite_gradebook_with_a_remote_scheduler_stops_with_a_clear_message(tmp_path):
    course = course_with_submissions(tmp_path, ASSIGNMENTS[0], {})
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(course.root), "--no-exchange"]
        + ["--scheduler", "tcp://127.0.0.1:9", "--assignment", ASSIGNMENTS[0]],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 2, run.stderr
    assert "SQLite" in run.stderr and "PostgreSQL" in run.stderr, run.stderr
