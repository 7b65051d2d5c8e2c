"""JupyterHub for «Redes Neuronales con Python y Keras» (one course, nbgrader).

Installed by ``install.sh`` as ``PREFIX/jupyterhub_config.py``; start it as root:

    PREFIX/venv/bin/jupyterhub -f PREFIX/jupyterhub_config.py

Users are real unix accounts (PAM login, ``LocalProcessSpawner``), so the nbgrader
exchange really crosses users. Roles come from two unix groups:

* ``rnk-profesores``: formgrader and the nbgrader commands on ``~/redes-neuronales-keras``;
* ``rnk-alumnos``: the Assignments panel and Validate only (no formgrader, no
  "Create Assignment" toolbar).

Every setting can be changed with an environment variable ``RNK_*`` (see below): the
end-to-end test (tests/e2e) runs this very file on 127.0.0.1 with its own users.
"""

import asyncio
import grp
import os
import pwd
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner

c = get_config()  # noqa: F821 (injected by traitlets)

PREFIX = Path(os.environ.get("RNK_PREFIX", "/opt/redes-neuronales-keras"))
VENV = PREFIX / "venv"
STATE = Path(os.environ.get("RNK_STATE_DIR", str(PREFIX / "state")))
INSTRUCTOR_GROUP = os.environ.get("RNK_GRUPO_PROFESORES", "rnk-profesores")
STUDENT_GROUP = os.environ.get("RNK_GRUPO_ALUMNOS", "rnk-alumnos")
# Each course notebook fits in one CPU and 2 GB (Keras import ~600 MB, training ~650 MB).
MEM_LIMIT = os.environ.get("RNK_MEM_LIMIT", "2G")
CPU_LIMIT = float(os.environ.get("RNK_CPU_LIMIT", "1"))

# --- Network: the proxy listens on bind_url; the hub API stays on loopback. ---
c.JupyterHub.bind_url = os.environ.get("RNK_HUB_URL", "http://:8000")
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("RNK_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = os.environ.get("RNK_PROXY_API_URL", "http://127.0.0.1:8001")
# The PyPI port of configurable-http-proxy (pinned in constraints.txt, installed in the venv).
# To use the npm one instead: npm install -g configurable-http-proxy@5.3.0 and
# RNK_PROXY_COMMAND=configurable-http-proxy.
# Validate runs the whole notebook inside the request (Keras import + training: 25 s seen on
# one loaded CPU); the proxy's default 20 s answer timeout turned that into an HTTP 503.
c.ConfigurableHTTPProxy.command = [
    os.environ.get("RNK_PROXY_COMMAND", str(VENV / "bin" / "configurable-http-proxy")),
    "--proxy-timeout=600000",  # milliseconds
]

# --- State: database, cookie secret and pid file outside the repository. ---
STATE.mkdir(mode=0o700, parents=True, exist_ok=True)
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")

# --- Who may log in: unix users of either group, with their unix password. ---
c.JupyterHub.authenticator_class = "pam"
c.LocalAuthenticator.allowed_groups = {INSTRUCTOR_GROUP, STUDENT_GROUP}
c.LocalAuthenticator.create_system_users = False  # accounts are made by add_user.sh


def group_members(name: str) -> set[str]:
    """Members of a unix group, including users whose primary group it is."""
    try:
        group = grp.getgrnam(name)
    except KeyError:
        return set()
    primary = {u.pw_name for u in pwd.getpwall() if u.pw_gid == group.gr_gid}
    return set(group.gr_mem) | primary


def role_of(username: str) -> str:
    if username in group_members(INSTRUCTOR_GROUP):
        return "profesor"
    if username in group_members(STUDENT_GROUP):
        return "alumno"
    raise PermissionError(f"{username} no pertenece a {INSTRUCTOR_GROUP} ni a {STUDENT_GROUP}")


class CourseSpawner(LocalProcessSpawner):
    """LocalProcessSpawner that also enforces ``mem_limit``/``cpu_limit``.

    A plain LocalProcessSpawner only passes the limits as MEM_LIMIT/CPU_LIMIT variables.
    Where the hub can write cgroup v1 ``memory`` and ``cpu`` hierarchies, each server (and
    every kernel it starts) is put in a cgroup below the hub's own with those limits.
    Elsewhere (cgroup v2 hosts) use SystemdSpawner, DockerSpawner or KubeSpawner, which
    enforce the same two settings (see README.md).
    """

    CGROUP_ROOT = Path("/sys/fs/cgroup")

    def _cgroup_dirs(self) -> dict[str, Path]:
        own = {}
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(","):
                own[controller] = path
        dirs = {}
        for controller in ("memory", "cpu"):
            base = self.CGROUP_ROOT / controller
            if controller in own and (base / own[controller].lstrip("/")).is_dir():
                dirs[controller] = (
                    base / own[controller].lstrip("/") / "jupyterhub-rnk" / self.user.name
                )
        return dirs

    def _enforce_limits(self, pid: int) -> None:
        try:
            dirs = self._cgroup_dirs()
            if set(dirs) != {"memory", "cpu"}:
                raise OSError("no hay jerarquías cgroup v1 memory y cpu escribibles")
            memory, cpu = dirs["memory"], dirs["cpu"]
            for folder in (memory, cpu):
                folder.mkdir(parents=True, exist_ok=True)
            if self.mem_limit:
                (memory / "memory.limit_in_bytes").write_text(str(self.mem_limit))
            if self.cpu_limit:
                period = int((cpu / "cpu.cfs_period_us").read_text())
                (cpu / "cpu.cfs_quota_us").write_text(str(int(period * self.cpu_limit)))
            for folder in (memory, cpu):
                (folder / "cgroup.procs").write_text(str(pid))
            self.log.info(
                "Límites de %s: %s bytes, %s CPU (%s)",
                self.user.name,
                self.mem_limit,
                self.cpu_limit,
                memory,
            )
        except OSError as exc:
            self.log.warning(
                "No se pudieron aplicar mem_limit/cpu_limit a %s: %s", self.user.name, exc
            )

    async def start(self):
        result = await super().start()
        self._enforce_limits(self.pid)
        return result

    async def stop(self, now=False):
        await super().stop(now=now)
        # The kernels exit just after their server: wait for the cgroups to empty.
        for _ in range(20):
            try:
                for folder in self._cgroup_dirs().values():
                    if folder.is_dir():
                        folder.rmdir()
                return
            except OSError:
                await asyncio.sleep(0.5)
        self.log.warning("cgroup de %s no eliminado (procesos vivos)", self.user.name)


def course_environment(spawner) -> None:
    """Point each server at the config of its role (see install.sh)."""
    role = role_of(spawner.user.name)
    etc = PREFIX / "etc"
    spawner.environment["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        [str(etc / role), str(etc / "comun")]
    )
    spawner.environment["RNK_ROL"] = role


c.JupyterHub.spawner_class = CourseSpawner
c.Spawner.pre_spawn_hook = course_environment
c.Spawner.cmd = [str(VENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.mem_limit = MEM_LIMIT
c.Spawner.cpu_limit = CPU_LIMIT
c.Spawner.environment = {
    # The venv first: kernel, nbgrader and alembic (gradebook) come from it.
    "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    # TensorFlow start-up noise would land in notebooks (and on stderr in graded cells).
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "TF_ENABLE_ONEDNN_OPTS": "0",
}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# Idle servers keep 600 MB per Keras kernel: cull kernels idle for an hour.
c.Spawner.args = [
    "--MappingKernelManager.cull_idle_timeout=3600",
    "--MappingKernelManager.cull_interval=300",
]

# --- Autograding on submit (issue 13): service «autocalificacion» -----------------------
# Runs as the instructor's grading account (RNK_CALIFICADOR, a member of the instructors'
# group) on ~RNK_CALIFICADOR/redes-neuronales-keras: every new submission in the exchange is
# collected, autograded and its feedback released to that student only (see
# autograder/grading/onsubmit.py; settings per assignment in the course's nbgrader_config.py).
# The hub restarts the service if it exits; the queue survives in the course folder.
GRADER = os.environ.get("RNK_CALIFICADOR", "")
if GRADER:
    if role_of(GRADER) != "profesor":
        raise SystemExit(f"RNK_CALIFICADOR={GRADER} no es del grupo {INSTRUCTOR_GROUP}")
    grader_home = Path(pwd.getpwnam(GRADER).pw_dir)
    c.JupyterHub.services = [
        {
            "name": "autocalificacion",
            "user": GRADER,
            "command": [
                str(VENV / "bin" / "python"),
                "-m",
                "autograder.grading.onsubmit",
                str(grader_home / "redes-neuronales-keras"),
            ],
            "cwd": str(grader_home),
            "environment": {
                **c.Spawner.environment,
                "HOME": str(grader_home),
                "USER": GRADER,
                # The instructor's view of nbgrader's config: exchange, course, timeout.
                "JUPYTER_CONFIG_PATH": os.pathsep.join(
                    [str(PREFIX / "etc" / "profesor"), str(PREFIX / "etc" / "comun")]
                ),
                "LANG": "C.UTF-8",
            },
        }
    ]
