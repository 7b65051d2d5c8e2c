"""Fixtures of the end-to-end test: a real JupyterHub, real unix users, headless Chromium.

Everything is installed by the deployment scripts of deploy/jupyterhub (the same ones an
instructor runs), idempotently:

* Debian's ``chromium`` (apt) if /usr/bin/chromium is missing; Playwright drives it, no
  browser is ever downloaded;
* the hub environment under ``RNK_E2E_PREFIX`` (default /opt/rnk-e2e), built once with
  /usr/bin/python3 and reused while constraints.txt and pyproject.toml do not change;
* one instructor and two students (useradd), removed afterwards with their homes.

Screenshots and logs go to tests/e2e/artifacts/<date-time>/ (``latest`` points to the
last run; the last 5 runs are kept), or to ``RNK_E2E_ARTIFACTS``.
"""

import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy" / "jupyterhub"
PREFIX = Path(os.environ.get("RNK_E2E_PREFIX", "/opt/rnk-e2e"))
VENV = PREFIX / "venv"
CHROMIUM = Path("/usr/bin/chromium")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's: a venv from it runs for every user
KEEP_RUNS = 5  # artifact folders kept
EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")  # the ✅ of the checks
COURSE_DIR_NAME = "redes-neuronales-keras"
INSTRUCTOR_GROUP = "rnke2e-profesores"
STUDENT_GROUP = "rnke2e-alumnos"
INSTRUCTOR = "rnke2e-profe"
STUDENTS = ("rnke2e-alumna1", "rnke2e-alumno2")
ALL_USERS = (INSTRUCTOR, *STUDENTS)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "e2e: real JupyterHub + unix users + headless Chromium (root, minutes)"
    )


def log(message: str) -> None:
    print(f"[e2e {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd, *, timeout=900, env=None, cwd=None, log_file: Path | None = None, check=True):
    """Run a command; its output goes to log_file (appended) and to the error if it fails."""
    result = subprocess.run(
        cmd, env=env, cwd=cwd, timeout=timeout, capture_output=True, text=True, check=False
    )
    output = result.stdout + result.stderr
    if log_file is not None:
        with log_file.open("a", encoding="utf-8") as handle:
            handle.write(f"$ {' '.join(map(str, cmd))}\n{output}\n[rc={result.returncode}]\n")
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} falló ({result.returncode}):\n{output}")
    return result


def has_venv_module() -> bool:
    probe = [SYSTEM_PYTHON, "-c", "import ensurepip, venv"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def user_pids(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except FileNotFoundError:
                pass
    return pids


def remove_user(name: str) -> None:
    """Kill what the test left running as ``name`` (by pid), then delete the account."""
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in user_pids(uid):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while user_pids(uid) and time.monotonic() < deadline:
            time.sleep(0.2)
    subprocess.run(["userdel", "--remove", name], capture_output=True, check=False)


def remove_cgroups(names) -> None:
    """The cgroups the hub made for these users' servers (the parent only once empty)."""
    for controller in ("memory", "cpu"):
        for parent in Path("/sys/fs/cgroup", controller).glob("**/jupyterhub-rnk"):
            for leftover in [parent / name for name in names] + [parent]:
                try:
                    leftover.rmdir()
                except OSError:
                    pass


@dataclass
class Hub:
    """A running hub and what the test needs to talk to it."""

    url: str
    artifacts: Path
    exchange: Path
    passwords: dict[str, str]
    user_env: dict[str, dict[str, str]] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def home(self, user: str) -> Path:
        return Path(pwd.getpwnam(user).pw_dir)

    @property
    def course_dir(self) -> Path:
        return self.home(INSTRUCTOR) / COURSE_DIR_NAME

    def as_user(self, user: str, cmd: list[str], *, timeout=600, check=True, cwd=None):
        """Run cmd as ``user``, with the environment their hub server would give them."""
        env = [f"{k}={v}" for k, v in self.user_env[user].items()]
        return run(
            ["runuser", "-u", user, "--", "env", "-i", *env, *cmd],
            timeout=timeout,
            cwd=cwd or self.home(user),
            log_file=self.artifacts / "cli.log",
            check=check,
        )

    def nbgrader(self, *args: str, timeout=600):
        """The nbgrader CLI as the instructor, in the course folder (as in a Lab terminal)."""
        log(f"nbgrader {' '.join(args)}")
        return self.as_user(
            INSTRUCTOR,
            [str(VENV / "bin" / "nbgrader"), *args],
            timeout=timeout,
            cwd=self.course_dir,
        )


def wait_for_hub(url: str, process: subprocess.Popen, log_path: Path, timeout=90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"JupyterHub terminó ({process.returncode}):\n{log_path.read_text()}"
            )
        try:
            with urllib.request.urlopen(f"{url}/hub/api/", timeout=2) as response:
                if response.status == 200 and "version" in json.loads(response.read()):
                    return
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"JupyterHub no respondió en {timeout} s:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    base = Path(os.environ.get("RNK_E2E_ARTIFACTS", str(Path(__file__).parent / "artifacts")))
    folder = base / time.strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    runs = sorted(p for p in base.iterdir() if p.is_dir() and not p.is_symlink())
    for old in runs[:-KEEP_RUNS]:
        shutil.rmtree(old, ignore_errors=True)
    latest = base / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    latest.symlink_to(folder.name)
    log(f"capturas y registros en {folder}")
    return folder


@pytest.fixture(scope="session")
def hub(artifacts):
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("la prueba e2e crea usuarios unix y arranca JupyterHub: ejecútala como root")
    started = time.monotonic()
    setup_log = artifacts / "setup.log"

    missing = [
        package
        for package, present in (
            ("chromium", CHROMIUM.exists()),
            ("fonts-noto-color-emoji", EMOJI_FONT.exists()),
            ("python3-venv", has_venv_module()),
        )
        if not present
    ]
    if missing:
        log(f"instalando {' '.join(missing)} (apt)")
        run(["apt-get", "update", "-q"], log_file=setup_log)
        run(
            ["apt-get", "install", "-y", "-q", *missing],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            log_file=setup_log,
        )

    run_root = Path("/tmp/rnk-e2e-run")
    shutil.rmtree(run_root, ignore_errors=True)
    run_root.mkdir(mode=0o755)
    run_root.chmod(0o755)
    exchange = run_root / "exchange"
    state = run_root / "hub-state"

    log(f"instalando/actualizando el entorno del hub en {PREFIX}")
    run(
        ["bash", str(DEPLOY / "install.sh"), "--prefix", str(PREFIX), "--exchange", str(exchange)],
        log_file=setup_log,
        timeout=1800,
    )

    # Leftovers of an interrupted run, then fresh users.
    for user in ALL_USERS:
        remove_user(user)
    passwords = {user: secrets.token_urlsafe(12) for user in ALL_USERS}
    groups_env = {
        **os.environ,
        "RNK_GRUPO_PROFESORES": INSTRUCTOR_GROUP,
        "RNK_GRUPO_ALUMNOS": STUDENT_GROUP,
    }
    try:
        for user in ALL_USERS:
            role = "profesor" if user == INSTRUCTOR else "alumno"
            run(
                ["bash", str(DEPLOY / "add_user.sh"), role, user],
                env={**groups_env, "RNK_PASSWORD": passwords[user]},
                log_file=setup_log,
            )
        log(f"usuarios creados; preparación {time.monotonic() - started:.0f} s")

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        hub_env = {
            "PATH": f"{VENV / 'bin'}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C.UTF-8",
            "RNK_PREFIX": str(PREFIX),
            "RNK_STATE_DIR": str(state),
            "RNK_HUB_URL": url,
            "RNK_HUB_API_PORT": str(free_port()),
            "RNK_PROXY_API_URL": f"http://127.0.0.1:{free_port()}",
            "RNK_GRUPO_PROFESORES": INSTRUCTOR_GROUP,
            "RNK_GRUPO_ALUMNOS": STUDENT_GROUP,
            # Autograding on submit (issue 13) runs as the instructor.
            "RNK_CALIFICADOR": INSTRUCTOR,
        }
        hub_log = artifacts / "hub.log"
        with hub_log.open("w") as out:
            process = subprocess.Popen(
                [str(VENV / "bin" / "jupyterhub"), "-f", str(DEPLOY / "jupyterhub_config.py")],
                cwd=run_root,
                env=hub_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        hub = Hub(url=url, artifacts=artifacts, exchange=exchange, passwords=passwords)
        hub.process = process
        for user in ALL_USERS:
            role = "profesor" if user == INSTRUCTOR else "alumno"
            hub.user_env[user] = {
                "HOME": str(hub.home(user)),
                "USER": user,
                "LOGNAME": user,
                "LANG": "C.UTF-8",
                "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
                "JUPYTER_CONFIG_PATH": f"{PREFIX}/etc/{role}:{PREFIX}/etc/comun",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "TF_ENABLE_ONEDNN_OPTS": "0",
            }
        try:
            wait_for_hub(url, process, hub_log)
            log(f"hub en {url} ({time.monotonic() - started:.0f} s desde el inicio)")
            yield hub
        finally:
            stop_hub(process)
    finally:
        for user in ALL_USERS:
            remove_user(user)
        remove_cgroups(ALL_USERS)
        for group in (INSTRUCTOR_GROUP, STUDENT_GROUP):
            subprocess.run(["groupdel", group], capture_output=True, check=False)
        shutil.rmtree(run_root, ignore_errors=True)
        log(f"limpieza hecha ({time.monotonic() - started:.0f} s en total)")


def stop_hub(process: subprocess.Popen) -> None:
    """SIGTERM: the hub stops every user server (and their kernels) and the proxy."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    try:  # the proxy and anything else of the hub's own session
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session")
def browser(hub):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()
