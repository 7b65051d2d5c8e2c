"""The grading sandbox: red-team submissions through the real grading command, and fail-closed.

Each red-team course (one per assignment) holds an honest student and one
submission per attempt (``redteam/sandbox/``); it is graded once per test
session by ``grade_course`` (what ``./grade.sh /ruta/al/curso`` runs), with the
repository's ``nbgrader_config.py`` and so with the sandbox on.
"""

import asyncio
import fcntl
import importlib.util
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, expected, fails
from traitlets.config import Config

from autograder.checks.messages import message
from autograder.grading.course import CourseError, load_config
from autograder.grading.preflight import check_autograde_is_sandboxed, check_kernel
from autograder.grading.sandbox import (
    SANDBOX_LOG,
    Sandbox,
    SandboxedKernelManager,
)
from autograder.grading.verdicts import GraderExecute

REDTEAM = REPO / "redteam" / "sandbox"
_spec = importlib.util.spec_from_file_location("grade_attempts", REDTEAM / "grade_attempts.py")
grade_attempts = importlib.util.module_from_spec(_spec)
sys.modules["grade_attempts"] = grade_attempts  # its RedTeamRun is pickled between workers
_spec.loader.exec_module(grade_attempts)

ASSIGNMENTS = ["01_tensores", "02_neurona", "04_modelo_secuencial"]
CASES = [
    pytest.param(
        a,
        attempt,
        marks=[
            pytest.mark.xdist_group(f"sandbox-{a}"),
            pytest.mark.redteam,
        ],
    )
    for a in ASSIGNMENTS
    for attempt in grade_attempts.attempts(a)
]
PER_COURSE = [
    pytest.param(a, marks=[pytest.mark.xdist_group(f"sandbox-{a}"), pytest.mark.redteam])
    for a in ASSIGNMENTS
]
BLOCKED = "ATAQUE BLOQUEADO"


@pytest.fixture(scope="session")
def redteam(tmp_path_factory):
    """``redteam(assignment)`` grades that red-team course once per test run (any xdist worker)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    cache = {}

    def get(assignment: str):
        if assignment not in cache:
            with open(shared / f"redteam-{assignment}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                saved = shared / f"redteam-{assignment}.pickle"
                if not saved.is_file():
                    run = grade_attempts.grade_redteam(shared / f"redteam-{assignment}", assignment)
                    saved.write_bytes(pickle.dumps(run))
                cache[assignment] = pickle.loads(saved.read_bytes())
        return cache[assignment]

    return get


@pytest.mark.parametrize(("assignment", "attempt"), CASES)
def test_attempt_earns_only_its_honest_points(redteam, assignment, attempt):
    run = redteam(assignment)
    student = f"ataque_{attempt}"
    assert not run.errors[student], run.errors[student]
    assert run.points[student] == grade_attempts.attempts(assignment)[attempt]["points"], (
        run.outputs[student]
    )
    assert "ATAQUE LOGRADO" not in run.outputs[student]


@pytest.mark.parametrize("assignment", PER_COURSE)
def test_other_student_is_graded_normally(redteam, assignment):
    run = redteam(assignment)
    assert not run.errors[grade_attempts.HONEST]
    assert run.points[grade_attempts.HONEST] == expected(assignment)["correcto"]["points"]


@pytest.mark.parametrize("assignment", PER_COURSE)
def test_course_files_are_unchanged(redteam, assignment):
    run = redteam(assignment)
    assert run.hashes_before and run.hashes_after == run.hashes_before


@pytest.mark.redteam
@pytest.mark.xdist_group("sandbox-01_tensores")
def test_files_network_and_processes_are_blocked(redteam):
    run = redteam("01_tensores")
    outputs = {k.removeprefix("ataque_"): v for k, v in run.outputs.items()}
    for attempt in ("leer_fuente", "leer_companero", "escribir_fuente"):
        assert f"{BLOCKED}: FileNotFoundError" in outputs[attempt], outputs[attempt]
    assert f"{BLOCKED}: OperationalError" in outputs["escribir_gradebook"]
    assert BLOCKED in outputs["escribir_config"]
    assert BLOCKED in outputs["red"]
    assert run.connections == []
    assert f"{BLOCKED}: BlockingIOError" in outputs["bomba_procesos"]


@pytest.mark.redteam
@pytest.mark.xdist_group("sandbox-02_neurona")
def test_memory_and_file_size_are_limited(redteam):
    run = redteam("02_neurona")
    memory = message("sandbox_memory", mb=Sandbox().memory_mb)
    assert memory in run.outputs["ataque_bomba_memoria"]
    assert f"{BLOCKED}: OSError [Errno 27] File too large" in run.outputs["ataque_archivo_grande"]


@pytest.mark.redteam
@pytest.mark.xdist_group("sandbox-04_modelo_secuencial")
def test_imports_resolve_to_the_environment(redteam):
    run = redteam("04_modelo_secuencial")
    site = Path(sys.prefix).resolve()
    package = Path(importlib.util.find_spec("autograder").origin).resolve()
    for attempt in ("sombra_autograder", "sombra_modulos"):
        text = run.outputs[f"ataque_{attempt}"]
        assert f"autograder: {package}" in text, text
        assert f"numpy: {site}" in text, text
        assert "sitecustomize: False pth: False" in text, text


# --- fail closed, opt-out, configuration --------------------------------------------------


def course_config() -> Config:
    return load_config(REPO)


def test_repository_config_autogrades_in_the_sandbox():
    config = course_config()
    assert GraderExecute in config.Autograde.autograde_preprocessors
    assert GraderExecute().kernel_manager_class is SandboxedKernelManager
    check_autograde_is_sandboxed(config)


def test_config_with_plain_execute_stops_grading():
    from nbgrader.preprocessors import Execute

    config = course_config()
    config.Autograde.autograde_preprocessors = [Execute]
    with fails(CourseError, "SandboxedExecute", "c.Sandbox.enabled = False"):
        check_kernel(config)


def test_missing_bwrap_stops_grading_with_the_fix(tmp_path):
    config = course_config()
    config.Sandbox.bwrap = str(tmp_path / "no-existe" / "bwrap")
    with fails(CourseError, "bubblewrap", "sudo apt-get install bubblewrap"):
        check_kernel(config)


def test_bwrap_without_namespaces_stops_grading_with_the_fix(tmp_path):
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    config = course_config()
    config.Sandbox.bwrap = str(fake)
    with fails(CourseError, "No permissions to create new namespace", "unprivileged_userns_clone"):
        check_kernel(config)


def test_kernel_manager_refuses_to_start_without_bwrap(tmp_path):
    """``nbgrader autograde`` and the formgrader do not run the preflight: the manager fails."""
    from autograder.grading.sandbox import SandboxError

    config = Config()
    config.Sandbox.bwrap = str(tmp_path / "bwrap")
    manager = SandboxedKernelManager(config=config)
    with fails(SandboxError, "sudo apt-get install bubblewrap"):
        asyncio.run(manager.start_kernel())


def test_opt_out_warns_on_every_run(capsys):
    config = course_config()
    config.Sandbox.enabled = False
    assert check_kernel(config)
    assert "el aislamiento está desactivado" in capsys.readouterr().out


def test_limits_come_from_the_config():
    config = Config()
    config.Sandbox.memory_mb = 512
    config.Sandbox.processes = 64
    limits = Sandbox(config=config).limits()
    assert limits["RLIMIT_DATA"] == 512 << 20
    assert limits["RLIMIT_NPROC"] == 64


@pytest.mark.redteam
def test_nbgrader_autograde_cli_uses_the_sandbox(tmp_path):
    """The plain ``nbgrader autograde`` command (as in a hub terminal) runs sandboxed."""
    from autograder.content.demo import course_with_submissions

    notebook = REDTEAM / "01_tensores" / "leer_fuente" / "01_tensores.ipynb"
    course = course_with_submissions(tmp_path, "01_tensores", {"ataque": notebook})
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", "01_tensores", "--student", "ataque"],
        cwd=course.root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert SANDBOX_LOG in result.stderr, result.stderr[-2000:]
    text = grade_attempts.attack_output(course.root, "ataque", "01_tensores")
    assert f"{BLOCKED}: FileNotFoundError" in text, text


FORK_UNTIL_REFUSED = """
import os, time
children = 0
while True:
    try:
        pid = os.fork()
    except BlockingIOError:
        break
    if pid == 0:
        time.sleep(120)
        os._exit(0)
    children += 1
print("hijos", children)
"""
THREADS = """
import threading, time
threads = [threading.Thread(target=time.sleep, args=(1,)) for _ in range(100)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("hilos", len(threads))
"""


def test_a_fork_bomb_leaves_other_kernels_their_processes(tmp_path):
    """The limit on processes is per kernel: a kernel at its limit (holding its children)
    does not stop another kernel, graded at the same time, from starting threads (as root
    both ran as ``nobody`` and shared one limit: TensorFlow then died in honest kernels)."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    def client(folder):
        folder.mkdir()
        nb = new_notebook(cells=[new_code_cell(FORK_UNTIL_REFUSED), new_code_cell(THREADS)])
        resources = {"metadata": {"path": str(folder)}}
        return nb, NotebookClient(
            nb, timeout=60, kernel_manager_class=SandboxedKernelManager, resources=resources
        )

    bomb_nb, bomb = client(tmp_path / "bomba")
    honest_nb, honest = client(tmp_path / "honesto")
    with bomb.setup_kernel():
        bomb.execute_cell(bomb_nb.cells[0], 0)
        assert "hijos" in bomb_nb.cells[0].outputs[0].text, bomb_nb.cells[0].outputs
        with honest.setup_kernel():
            honest.execute_cell(honest_nb.cells[1], 1)
    assert honest_nb.cells[1].outputs[0].text == "hilos 100\n", honest_nb.cells[1].outputs


def test_kernel_has_shared_memory_and_a_user_name(tmp_path):
    """joblib (scikit-learn's data sets) needs a writable /dev/shm, else it warns the student
    in the preparation cell; getpass needs a user name for the kernel's account-less uid."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    code = "import getpass, joblib, os\nprint(getpass.getuser(), os.access('/dev/shm', os.W_OK))"
    nb = new_notebook(cells=[new_code_cell(code)])
    resources = {"metadata": {"path": str(tmp_path)}}
    NotebookClient(
        nb, timeout=60, kernel_manager_class=SandboxedKernelManager, resources=resources
    ).execute()
    assert [(o.name, o.text) for o in nb.cells[0].outputs] == [("stdout", "alumno True\n")]
