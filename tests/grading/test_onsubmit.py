"""Autograding on submit (autograder/grading/onsubmit.py), through the real service process.

One burst through a real nbgrader exchange, graded by ``python -m
autograder.grading.onsubmit`` (the command the hub starts): one student over the
hourly limit, a second student, a broken notebook, the service SIGKILLed in the
middle of a grading and started again (with the limit's window shortened meanwhile,
as an instructor may do, so the waiting submission gets its turn), and a manual grade
given by the instructor between two automatic runs. Every submission must be graded exactly once, in
order, with feedback released for its student only.
"""

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from nbgrader.api import Gradebook

from autograder.content.demo import sample_notebook
from autograder.grading import exchange, steps
from autograder.grading.course import new_course_copy, open_course
from autograder.grading.onsubmit import (
    DONE,
    FAILED,
    GRADING,
    PENDING,
    SKIPPED,
    STATE_DIR,
    OnSubmitService,
    load_service_course,
)

pytestmark = pytest.mark.xdist_group("onsubmit")

A = "01_tensores"
LONG_WINDOW_S = 3600  # ana's third submission must wait, however slow grading is here
BROKEN = '{"cells": [ esto no es un cuaderno'
ENGLISH_LABELS = ["Score:", "Test cell", "Student's answer", "Comments:", "(Top)", "In&nbsp;["]


def make_course(tmp_path: Path, extra_config: str = ""):
    """A course with 01_tensores released; the exchange configured as on the hub."""
    course = new_course_copy(tmp_path / "curso")
    exchange_root = tmp_path / "exchange"
    exchange_root.mkdir()
    etc = tmp_path / "etc"  # PREFIX/etc/comun on the hub
    etc.mkdir()
    (etc / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(exchange_root)!r}\n", encoding="utf-8"
    )
    with open(course.root / "nbgrader_config.py", "a", encoding="utf-8") as f:
        f.write("\nc = get_config()  # noqa: F821\n" + extra_config)
    course = open_course(course.root)
    course.config.Exchange.root = str(exchange_root)
    steps.release(course, A)
    return course, etc


def submit(course, tmp_path: Path, student: str, notebook: Path | None = None, text: str = ""):
    home = tmp_path / "alumnos" / student
    folder = (
        exchange.fetch_assignment(course, student, home, A)
        if not (home / A).is_dir()
        else (home / A)
    )
    target = folder / f"{A}.ipynb"
    if notebook is not None:
        target.write_bytes(notebook.read_bytes())
    else:
        target.write_text(text, encoding="utf-8")
    exchange.submit(course, student, home, A)
    time.sleep(0.01)  # distinct timestamps


def queue(course) -> dict:
    path = course.root / STATE_DIR / "cola.json"
    if not path.is_file():
        return {}
    return {e["id"]: e for e in json.loads(path.read_text(encoding="utf-8"))["entries"]}


def wait_for(condition, timeout: float, what: str, service=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if service is not None and service.poll() is not None:
            raise AssertionError(f"el servicio terminó ({service.returncode}) esperando {what}")
        time.sleep(0.2)
    raise AssertionError(f"tiempo agotado esperando {what}")


def alive(pid: int) -> bool:
    """Running (a killed child not yet reaped is a zombie: not alive)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def start_service(course, etc: Path, tmp_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "JUPYTER_CONFIG_PATH": str(etc),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
    }
    log = open(tmp_path / "servicio.out", "a", encoding="utf-8")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "autograder.grading.onsubmit", str(course.root)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def feedback_pages(tmp_path: Path, course, student: str) -> dict[str, str]:
    """Fetch Feedback as the student; timestamp folder -> HTML text."""
    home = tmp_path / "alumnos" / student
    folder = exchange.fetch_feedback(course, student, home, A)
    return {
        p.parent.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob(f"*/{A}.html"))
    }


def test_burst_with_restart_broken_notebook_and_limit(tmp_path):
    course, etc = make_course(
        tmp_path,
        f"c.AutogradeOnSubmit.max_per_hour = 2\n"
        f"c.AutogradeOnSubmit.window_s = {LONG_WINDOW_S}\n"
        "c.AutogradeOnSubmit.poll_interval_s = 0.3\n"
        # one unix user submits for every student here; on the hub the owner is checked
        "c.AutogradeOnSubmit.check_owner = False\n",
    )
    # The burst, in this order: ana three times (one over the limit of 2), beto, roto.
    submit(course, tmp_path, "ana", sample_notebook(A, "correcto"))
    submit(course, tmp_path, "ana", sample_notebook(A, "parcial"))
    submit(course, tmp_path, "ana", sample_notebook(A, "correcto"))
    submit(course, tmp_path, "beto", sample_notebook(A, "parcial"))
    submit(course, tmp_path, "roto", text=BROKEN)

    service = start_service(course, etc, tmp_path)
    try:
        ids = wait_for(lambda: len(queue(course)) == 5 and sorted(queue(course)), 60, "la cola")
        by_student = {}
        for entry_id in ids:
            by_student.setdefault(queue(course)[entry_id]["student"], []).append(entry_id)
        ana1, ana2, ana3 = by_student["ana"]
        (beto,) = by_student["beto"]
        (roto,) = by_student["roto"]

        # The instructor grades one cell by hand and comments, right after ana's first grading.
        wait_for(lambda: queue(course)[ana1]["state"] == DONE, 240, "la 1.ª entrega", service)
        with Gradebook(course.gradebook_url) as gb:
            nb = gb.find_submission_notebook(A, A, "ana")
            grade = next(g for g in nb.grades if g.name == "tensor_tf")
            grade.manual_score = 0.5
            comment = nb.comments[0]
            comment.manual_comment = "Revisado a mano por el profesor"
            comment_cell = comment.name
            gb.db.commit()

        # Kill the service (SIGKILL: no clean-up) while beto's notebook is being autograded.
        wait_for(
            lambda: (
                queue(course)[beto]["state"] == GRADING and queue(course)[beto]["step"] == "copiada"
            ),
            300,
            "la calificación de beto",
            service,
        )
        assert queue(course)[ana3]["state"] == "aplazada", queue(course)[ana3]
        time.sleep(3)  # the worker and its kernel are running
        pids_file = course.root / STATE_DIR / "procesos.json"
        left_behind = [pid for pid, _ in json.loads(pids_file.read_text(encoding="utf-8"))]
        assert left_behind, "el servicio no registró sus procesos"
        # The service only. Whether its Dask worker and sandboxed kernel outlive it for a
        # moment is a race (both watch their parent); the restart must leave none behind.
        os.kill(service.pid, signal.SIGKILL)
        service.wait(10)

        # The instructor shortens the window: ana's waiting submission may now be graded.
        with open(course.root / "nbgrader_config.py", "a", encoding="utf-8") as f:
            f.write("c.AutogradeOnSubmit.window_s = 1\n")
        service = start_service(course, etc, tmp_path)
        wait_for(
            lambda: all(e["state"] in (DONE, FAILED) for e in queue(course).values()),
            600,
            "que se califique todo",
            service,
        )
    finally:
        if service.poll() is None:
            service.send_signal(signal.SIGTERM)
            service.wait(30)
    assert service.returncode == 0, (tmp_path / "servicio.out").read_text()

    entries = queue(course)
    log = (course.root / STATE_DIR / "registro.log").read_text(encoding="utf-8")
    # Exactly once: one finished autograde per submission, none for the broken one.
    for entry_id in (ana1, ana2, ana3, beto):
        assert entries[entry_id]["state"] == DONE, entries[entry_id]
        assert log.count(f"{entry_id}: autocalificada") == 1, log
        assert entries[entry_id]["attempts"] == 1, entries[entry_id]
    assert f"{beto}: reanudada tras un reinicio" in log
    # No process of the killed run survives: the service ends them, and sandboxed kernels
    # (bwrap --die-with-parent) already die with their parent.
    assert not [p for p in left_behind if alive(p)], "huérfanos sin terminar"
    assert entries[roto]["state"] == FAILED, entries[roto]
    assert "no es un cuaderno válido" in entries[roto]["detail"], entries[roto]
    assert entries[roto]["attempts"] == 1
    # In order, the limit applied: ana's third waited (beto went first), the interrupted
    # one resumed first after the restart, then arrival order again.
    order = sorted((entries[i]["started"], i) for i in (ana1, ana2, ana3, beto, roto))
    assert [i for _, i in order] == [ana1, ana2, beto, ana3, roto], order
    assert entries[ana3]["deferred"] and not entries[ana2]["deferred"]
    graded_at = [log.index(f"{i}: autocalificada") for i in (ana1, ana2, beto, ana3)]
    assert graded_at == sorted(graded_at), "el orden de calificación no es el de la cola"
    # Scores (autograded cells; the manual 0.5 on tensor_tf kept by later automatic runs).
    assert (entries[ana1]["score"], entries[ana1]["max_score"]) == (10, 10)
    assert entries[beto]["score"] == 5
    with Gradebook(course.gradebook_url) as gb:
        nb = gb.find_submission_notebook(A, A, "ana")
        grade = next(g for g in nb.grades if g.name == "tensor_tf")
        assert grade.manual_score == 0.5 and grade.auto_score == 1
        comment = next(c for c in nb.comments if c.name == comment_cell)
        assert comment.manual_comment == "Revisado a mano por el profesor"
        assert gb.find_submission(A, "ana").score == 9.5

    # What the students read: Spanish feedback per submission; the note on the one that waited.
    pages = feedback_pages(tmp_path, course, "ana")
    assert len(pages) == 3, sorted(pages)
    stamps = {entries[i]["timestamp"]: i for i in (ana1, ana2, ana3)}
    by_entry = {stamps[k]: v for k, v in pages.items()}
    assert "Puntuación: 10.0 / 10.0" in by_entry[ana1]
    assert "Tu entrega esperó en la cola" in by_entry[ana3]
    assert "Tu entrega esperó en la cola" not in by_entry[ana1] + by_entry[ana2]
    assert "Puntuación: 9.5 / 10.0" in by_entry[ana3]
    assert "Revisado a mano por el profesor" in by_entry[ana3]
    for html in pages.values():
        for label in ENGLISH_LABELS:
            assert label not in html, label
    (beto_page,) = feedback_pages(tmp_path, course, "beto").values()
    assert "Puntuación: 5.0 / 10.0" in beto_page
    assert "BEGIN HIDDEN TESTS" not in beto_page
    assert feedback_pages(tmp_path, course, "roto") == {}

    # What the instructor reads: a line per submission, the last errors.
    lines = (course.root / STATE_DIR / "entregas.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6 and lines[0].startswith("entrega,alumno,tarea")
    status = OnSubmitService(load_service_course_with(course, etc)).status()
    assert "4 calificada" in status and "1 error" in status and "roto" in status


def load_service_course_with(course, etc):
    os.environ["JUPYTER_CONFIG_PATH"] = str(etc)
    try:
        return load_service_course(course.root)
    finally:
        del os.environ["JUPYTER_CONFIG_PATH"]


def test_admission_rules_without_grading(tmp_path):
    """Off for an assignment, after the due date, or from another unix user: not graded."""
    course, etc = make_course(tmp_path)
    service_course = load_service_course_with(course, etc)
    submit(course, tmp_path, "ana", sample_notebook(A, "correcto"))
    service = OnSubmitService(service_course)
    (first,) = service.scan()
    # On the hub the folder must belong to the student's unix account.
    assert first.state == FAILED and "no de ana" in first.detail, first

    service.settings.check_owner = False
    service.settings.assignments = {A: {"enabled": False}}
    submit(course, tmp_path, "ana", sample_notebook(A, "correcto"))
    (off,) = service.scan()
    assert off.state == SKIPPED and "desactivada" in off.detail

    service.settings.assignments = {}
    with Gradebook(service.course.gradebook_url) as gb:
        gb.update_or_create_assignment(A, duedate=dt.datetime(2020, 1, 1))
    submit(course, tmp_path, "ana", sample_notebook(A, "correcto"))
    (late,) = service.scan()
    assert late.state == SKIPPED and "fecha límite" in late.detail

    # A forged timestamp.txt (written by the student's process) does not get round it.
    with Gradebook(service.course.gradebook_url) as gb:
        gb.update_or_create_assignment(
            A, duedate=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(hours=1)
        )
    submit(course, tmp_path, "ana", sample_notebook(A, "correcto"))
    (forged_folder,) = [p for p in service.inbound.iterdir() if p.name not in service.queue.entries]
    (forged_folder / "timestamp.txt").write_text("2020-01-01 00:00:00.000000 UTC")
    (forged,) = service.scan()
    assert forged.state == SKIPPED and "fecha límite" in forged.detail, forged

    submit(course, tmp_path, "ana", sample_notebook(A, "correcto"))
    (garbled_folder,) = [
        p for p in service.inbound.iterdir() if p.name not in service.queue.entries
    ]
    (garbled_folder / "timestamp.txt").write_text("ayer por la tarde")
    (garbled,) = service.scan()
    assert garbled.state == FAILED and "ilegible" in garbled.detail, garbled

    service.settings.assignments = {A: {"after_due_date": True}}
    submit(course, tmp_path, "ana", sample_notebook(A, "correcto"))
    (allowed,) = service.scan()
    assert allowed.state == PENDING

    service.settings.assignments = {A: {"enabled": True, "limite": 3}}
    submit(course, tmp_path, "ana", sample_notebook(A, "correcto"))
    (bad,) = service.scan()
    assert bad.state == FAILED and "claves desconocidas" in bad.detail
    # Nothing is graded twice on a restart: a new service sees the same queue.
    again = OnSubmitService(service_course)
    assert again.scan() == [] and len(again.queue.entries) == 7
    assert re.search(r"5 entregas|Entregas: ", again.status())


def test_hourly_limit_window_with_a_clock(tmp_path):
    """Over the limit: the submission waits exactly until the oldest grading leaves the window."""
    course, etc = make_course(tmp_path, "c.AutogradeOnSubmit.check_owner = False\n")
    now = [1_000_000.0]
    service = OnSubmitService(load_service_course_with(course, etc), clock=lambda: now[0])
    service.settings.max_per_hour = 2
    for _ in range(4):
        submit(course, tmp_path, "ana", sample_notebook(A, "correcto"))
    submit(course, tmp_path, "beto", sample_notebook(A, "correcto"))
    first, second, third, fourth, beto = service.scan()
    for entry, started in ((first, now[0] - 3000), (second, now[0] - 1000)):
        entry.state, entry.started = DONE, started  # graded 50 and 17 minutes ago
    # ana's third and fourth wait (per-student order kept); beto is not held up by ana.
    assert service.next_ready() is beto
    assert third.state == "aplazada" and fourth.state == PENDING
    assert "espera ~10 min" in third.detail, third.detail
    now[0] += 599  # one second before the oldest leaves the hour
    beto.state = DONE
    assert service.next_ready() is None
    now[0] += 1
    assert service.next_ready() is third
