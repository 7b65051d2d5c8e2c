"""The sandbox that runs student code at autograde: a kernel manager built on bubblewrap.

nbgrader runs every submission as the instructor, with the course folder one
``../../..`` away (jupyter/nbgrader#483). :class:`SandboxedKernelManager` starts
the kernel that runs student code inside Debian's ``bwrap`` instead:

- **Files.** A fresh root holding only the system (``/usr``, ``/etc``) and the
  Python environment (the venv, its base interpreter, the ``autograder``
  package), all read-only. The only writable places are a private copy of the
  submission's folder and a private ``/tmp``, both size-limited tmpfs that
  vanish with the kernel. The course root (``source/``, ``release/``, the
  gradebook, ``nbgrader_config.py``, other students, ``autograded/``,
  ``feedback/``), the exchange and every home directory are simply not there.
- **Network.** ``--unshare-net``: only a down loopback. The kernel talks to its
  client over ZMQ ``ipc`` sockets in a folder bound into the sandbox.
- **Processes.** Own PID namespace, new session (no terminal injection), no
  further user namespaces, no capabilities; killed with the grader.
- **Limits** (:class:`Sandbox`, set in ``nbgrader_config.py``): memory
  (``RLIMIT_DATA``: allocations past it raise ``MemoryError``, shown to the
  student with a Spanish message; the kernel and the grader survive), processes
  and threads (``RLIMIT_NPROC``), file size (``RLIMIT_FSIZE``), CPU time
  (``RLIMIT_CPU``).
- **Imports.** ``python -I`` (no ``PYTHON*`` variables, no user site), the
  working folder never on ``sys.path`` (``-P``-style, also on Python 3.10) and
  IPython's ``ignore_cwd``: a submitted ``autograder/``, ``numpy.py``,
  ``sitecustomize.py`` or ``.pth`` file is never imported.

As root (CI, containers) the kernel drops first thing to an unprivileged uid
of its own (``Sandbox.uid_base`` + a number no other running kernel on the
machine has): the limit on processes does not bind root, and it counts every
process of a uid, so kernels sharing one uid (``nobody``) shared one limit and
a fork bomb in one submission made the others' TensorFlow fail to start threads.

Nothing here falls back quietly: when ``bwrap`` is missing or cannot create
namespaces, starting the kernel raises :class:`SandboxError` (Spanish, with
the fix). ``c.Sandbox.enabled = False`` is the explicit, documented opt-out;
every kernel started that way logs a warning.
"""

import contextlib
import itertools
import json
import logging
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from importlib.util import find_spec
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, List, Unicode, default
from traitlets.config import Configurable

log = logging.getLogger("autograder")

INSTALL_HINT = "sudo apt-get install bubblewrap"
USERNS_HINT = (
    "sudo sysctl -w kernel.unprivileged_userns_clone=1 (Debian) o "
    "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (Ubuntu 24.04)"
)
OPT_OUT_WARNING = (
    "AVISO: el aislamiento está desactivado (c.Sandbox.enabled = False en nbgrader_config.py): "
    "el código de los alumnos se ejecuta con tus permisos y puede leer las soluciones, "
    "cambiar el gradebook y usar la red."
)


SANDBOX_LOG = "Kernel del alumno en el aislamiento (bubblewrap, sin red):"


class SandboxError(RuntimeError):
    """The sandbox cannot start: grading must stop (message in Spanish, with the fix)."""


class Sandbox(Configurable):
    """Limits and switches of the grading sandbox (``c.Sandbox.*`` in ``nbgrader_config.py``).

    Defaults fit a 2 GB JupyterHub pod: a Keras kernel that trains the course's
    models uses ~550 MB of private memory (``VmData`` after ``import keras`` and a
    small ``fit``; measured on TF 2.21), the grader ~150-600 MB more.
    """

    enabled = Bool(
        True,
        help="Run student code in the sandbox. False is an opt-out with a warning on every run: "
        "student code then runs with the instructor's permissions.",
    ).tag(config=True)
    memory_mb = Integer(
        1024, help="Private memory of each sandboxed process (RLIMIT_DATA), in MiB."
    ).tag(config=True)
    processes = Integer(
        256,
        help="Processes and threads of each kernel (RLIMIT_NPROC). A kernel that imports "
        "TensorFlow and trains a small model uses 20 on 2 cores (measured); TF's thread "
        "pools grow with the cores.",
    ).tag(config=True)
    file_size_mb = Integer(64, help="Largest file the student's code may write (MiB).").tag(
        config=True
    )
    cpu_seconds = Integer(
        1800, help="CPU time of the kernel, all threads together (RLIMIT_CPU), in seconds."
    ).tag(config=True)
    tmp_mb = Integer(
        128, help="Size of the private /tmp and of the working folder (each a tmpfs), in MiB."
    ).tag(config=True)
    bwrap = Unicode("bwrap", help="The bubblewrap executable.").tag(config=True)
    uid_base = Integer(
        2_000_000_000,
        help="When grading as root, each kernel runs as uid and gid uid_base + n, with n "
        "unique among the kernels running at once on this machine (from the grading "
        "process's pid), so that the limit on processes counts that kernel's own. The "
        "range (up to uid_base + 2**28) must hold no account.",
    ).tag(config=True)
    extra_ro_paths = List(
        Unicode(), help="More host folders to show read-only (e.g. a data set folder)."
    ).tag(config=True)

    def limits(self) -> dict[str, int]:
        """The ``resource`` limits the kernel starts with (name -> value)."""
        return {
            "RLIMIT_DATA": self.memory_mb << 20,
            "RLIMIT_NPROC": self.processes,
            "RLIMIT_FSIZE": self.file_size_mb << 20,
            "RLIMIT_CPU": self.cpu_seconds,
            "RLIMIT_CORE": 0,
        }


# Runs as ``python -I -c LAUNCHER spec kernel-args...`` inside the sandbox: drops the
# working folder from sys.path before anything is imported, sets the limits (inside the
# sandbox's user namespace, so only sandboxed processes count), fills the private working
# folder and starts ipykernel.
LAUNCHER = """\
import sys
if sys.path and sys.path[0] == "":
    del sys.path[0]
import json, os, resource, shutil
spec = json.loads(sys.argv[1])
if spec["user"]:
    os.setgroups([])
    os.setgid(spec["user"][1])
    os.setuid(spec["user"][0])
for entry in os.scandir(spec["stage"]) if spec["stage"] else ():
    target = os.path.join(spec["work"], entry.name)
    if entry.is_dir(follow_symlinks=False):
        shutil.copytree(entry.path, target, symlinks=True)
    else:
        shutil.copy2(entry.path, target, follow_symlinks=False)
for name, value in spec["limits"].items():
    resource.setrlimit(getattr(resource, name), (value, value))
os.chdir(spec["work"])
sys.argv = ["ipykernel_launcher", *sys.argv[2:]]
import runpy
runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
"""

# After a cell that ran out of memory, the Spanish message, as that cell's stderr output. An
# event hook, not set_custom_exc: the course's checks install their own (single) handler.
MEMORY_HOOK = (
    "get_ipython().events.register('post_run_cell', lambda result: print({message!r}, "
    "file=__import__('sys').stderr) if isinstance(result.error_in_exec, MemoryError) else None)"
)

ENV_PREFIXES = ("TF_", "KERAS_", "OMP_", "MKL_", "OPENBLAS_", "LC_")
ENV_NAMES = ("LANG", "LANGUAGE", "TZ", "MPLBACKEND")


def environment_paths() -> list[Path]:
    """Host folders the kernel needs read-only: the venv, its base Python, ``autograder``."""
    paths = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    spec = find_spec("autograder")
    if spec is None or not spec.submodule_search_locations:
        raise SandboxError("El paquete `autograder` no está instalado en este entorno.")
    paths.update(Path(p) for p in spec.submodule_search_locations)
    return sorted({p.resolve() for p in paths} | paths)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _visible_roots(paths: list[Path]) -> list[Path]:
    """Drop paths inside another one of the list."""
    return [p for p in paths if not any(q != p and _inside(p, q) for q in paths)]


def hidden_paths(config) -> list[Path]:
    """Folders that must never show inside the sandbox, even below a shown folder."""
    hidden = [Path("/home"), Path("/root"), Path(os.path.expanduser("~"))]
    for section, key in (("CourseDirectory", "root"), ("Exchange", "root")):
        value = config[section].get(key) if config is not None else None
        if value:
            hidden.append(Path(value))
    if config is None or not config.CourseDirectory.get("root"):
        hidden.append(Path.cwd())  # nbgrader's default course root
    return [p.resolve() for p in hidden if p.exists()]


_kernels_started = itertools.count()
UIDS_PER_PROCESS = 64  # kernels one grading process may run at once, each with its own uid
PID_LIMIT = 1 << 22  # Linux's largest pid_max


def sandbox_user(sandbox: Sandbox) -> tuple[int, int] | None:
    """(uid, gid) the kernel drops to when we grade as root; None when we are not root.

    The uid is private to this kernel among those running on the machine: the
    grading process's pid (unique while it lives) times 64, plus a counter, so
    ``RLIMIT_NPROC`` (which counts all processes of a uid) counts this kernel's.

    Raises:
        SandboxError: the range from ``uid_base`` belongs to an account.
    """
    if os.geteuid() != 0:
        return None
    slot = os.getpid() * UIDS_PER_PROCESS + next(_kernels_started) % UIDS_PER_PROCESS
    uid = sandbox.uid_base + slot
    top = sandbox.uid_base + PID_LIMIT * UIDS_PER_PROCESS
    if sandbox.uid_base < 1000 or top >= 2**32 - 1:
        raise SandboxError(
            f"c.Sandbox.uid_base = {sandbox.uid_base} no sirve: los uid de los kernels "
            f"(de {sandbox.uid_base} a {top}) deben estar entre 1000 y 4294967294."
        )
    with contextlib.suppress(KeyError):
        name = pwd.getpwuid(uid).pw_name
        raise SandboxError(
            f"El uid {uid}, reservado a un kernel aislado, es de la cuenta «{name}»: elige "
            "otro c.Sandbox.uid_base en nbgrader_config.py."
        )
    return uid, uid


def namespace_args(as_root: bool) -> list[str]:
    """bwrap's namespace and capability options.

    Unprivileged: a new user namespace in which no further one may be created.
    As root: no user namespace (it would map the kernel to root, whom
    ``RLIMIT_NPROC`` does not bind); the launcher keeps only the capability to
    switch to its private uid (:func:`sandbox_user`) and does so before running
    anything else.
    """
    common = ["--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if not as_root:
        return ["--unshare-all", "--unshare-user", "--disable-userns", *common]
    unshare = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    unshare += ["--unshare-cgroup-try"]
    return [*unshare, *common, "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]


def system_args() -> list[str]:
    """The system, read-only: /usr and the top-level folders or links into it."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


class Mounts:
    """bwrap mount options in order, with each new mount point's missing parents made
    world-traversable (bwrap copies the host folders' modes, e.g. /root's 0700)."""

    def __init__(self):
        self.done: list[Path] = []  # mount points
        self.made: list[Path] = []  # folders made to hold them
        self.binds: list[Path] = []  # mount points showing host folders (their insides exist)

    def covers(self, path: Path) -> bool:
        return any(_inside(path, m) for m in self.done)

    def _parents(self, dest: Path) -> list[str]:
        args = []
        for parent in reversed(dest.parents):
            exists = parent in self.done or any(_inside(parent, b) for b in self.binds)
            if parent != Path("/") and not exists and parent not in self.made:
                args += ["--perms", "0755", "--dir", str(parent)]
                self.made.append(parent)
        return args

    def _mount(self, option: str, source: str, dest: Path) -> list[str]:
        args = [*self._parents(dest), option, source, str(dest)]
        self.done.append(dest)
        self.binds.append(dest)
        return args

    def ro(self, dest: Path, fd: str) -> list[str]:
        return self._mount("--ro-bind-fd", fd, dest)

    def bind(self, dest: Path, fd: str) -> list[str]:
        return self._mount("--bind-fd", fd, dest)

    def tmpfs(self, dest: Path, size: str) -> list[str]:
        args = self._parents(dest)
        self.done.append(dest)
        return [*args, "--perms", "1777", "--size", size, "--tmpfs", str(dest)]


class Box:
    """One kernel's private folders on the host and the bwrap command around it."""

    def __init__(self, sandbox: Sandbox, config, cwd: str | None):
        self.sandbox = sandbox
        self.root = Path(tempfile.mkdtemp(prefix="rnk-sbx-"))
        self.run = self.root / "run"  # ipc sockets + connection file, shared with the kernel
        self.run.mkdir()
        self.stage = None
        self.work = Path(cwd).resolve() if cwd else Path("/tmp/trabajo")
        if cwd:
            self._check_stage(self.work, config)
            self.stage = self.root / "entrega"
            shutil.copytree(self.work, self.stage, symlinks=True)
        self.user = sandbox_user(sandbox)
        if self.user:
            self._give_to(*self.user)
        self.fds: list[int] = []

    def _check_stage(self, work: Path, config) -> None:
        for hidden in hidden_paths(config):
            if _inside(hidden, work):
                raise SandboxError(
                    f"La carpeta de trabajo del kernel ({work}) contiene {hidden}: el aislamiento "
                    "no la copia. Califica con nbgrader desde la carpeta del curso."
                )

    def _give_to(self, uid: int, gid: int) -> None:
        for folder, _, files in os.walk(self.root):
            os.chown(folder, uid, gid)
            for name in files:
                os.chown(os.path.join(folder, name), uid, gid)

    def give_file(self, path: str) -> None:
        if self.user:
            os.chown(path, *self.user)

    def _fd(self, path: Path) -> str:
        """An O_PATH descriptor of ``path`` opened by us: bwrap may run as another user."""
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        self.fds.append(fd)
        return str(fd)

    def command(self, kernel_args: list[str], config) -> list[str]:
        """``bwrap ... python -I -c LAUNCHER spec kernel_args``."""
        sb = self.sandbox
        size = str(sb.tmp_mb << 20)
        mounts = Mounts()
        args = [sb.bwrap, *namespace_args(self.user is not None), "--clearenv"]
        args += ["--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev"]
        args += system_args()
        mounts.done += [Path("/usr"), Path("/proc"), Path("/dev")]
        mounts.binds += [Path("/usr"), Path("/proc"), Path("/dev")]
        args += mounts.ro(Path("/etc"), self._fd(Path("/etc")))
        extra = [Path(p).resolve() for p in sb.extra_ro_paths]
        for path in _visible_roots(environment_paths() + extra):
            if not mounts.covers(path):
                args += mounts.ro(path, self._fd(path))
        for hidden in hidden_paths(config):
            if mounts.covers(hidden):  # a shown folder holds it: mask it
                args += ["--size", "65536", "--tmpfs", str(hidden)]
        args += mounts.tmpfs(Path("/tmp"), size)
        # POSIX semaphores and shared memory (joblib, multiprocessing) live in /dev/shm.
        args += ["--perms", "1777", "--size", size, "--tmpfs", "/dev/shm"]
        args += mounts.bind(self.run, self._fd(self.run))
        args += mounts.tmpfs(self.work, size)
        if self.stage:
            args += mounts.ro(self.stage, self._fd(self.stage))
        args += ["--remount-ro", "/"]
        for name, value in self._env().items():
            args += ["--setenv", name, value]
        args += ["--chdir", "/tmp"]
        spec = {
            "limits": sb.limits(),
            "stage": str(self.stage or ""),
            "work": str(self.work),
            "user": self.user,
        }
        return [*args, "--", sys.executable, "-I", "-c", LAUNCHER, json.dumps(spec), *kernel_args]

    def _env(self) -> dict[str, str]:
        env = {
            "HOME": "/tmp",
            "TMPDIR": "/tmp",
            # The kernel's uid has no account: getpass and friends read these.
            "USER": "alumno",
            "LOGNAME": "alumno",
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "MPLCONFIGDIR": "/tmp/matplotlib",
            # ipykernel's parent: pid 1 is never polled; 0 would print a console banner.
            "JPY_PARENT_PID": "1",
        }
        for name, value in os.environ.items():
            if name.startswith(ENV_PREFIXES) or name in ENV_NAMES:
                env[name] = value
        return env

    def close(self) -> None:
        for fd in self.fds:
            try:
                os.close(fd)
            except OSError:
                continue
        self.fds = []
        shutil.rmtree(self.root, ignore_errors=True)


_WORKS: set[tuple[str, int]] = set()  # (bwrap, uid_base) pairs seen working in this process


def check_bwrap(sandbox: Sandbox) -> None:
    """Raise :class:`SandboxError` with the fix unless bwrap runs here as the sandbox would."""
    if (sandbox.bwrap, sandbox.uid_base) in _WORKS:
        return
    exe = shutil.which(sandbox.bwrap)
    if exe is None:
        raise SandboxError(
            "No se encontró bubblewrap (`bwrap`), con el que se aísla el código de los alumnos "
            f"al calificar. Instálalo: {INSTALL_HINT}"
        )
    as_root = sandbox_user(sandbox) is not None  # as root, also checks the uid range
    probe = [exe, *namespace_args(as_root), "--proc", "/proc", "--dev", "/dev", *system_args()]
    result = subprocess.run(
        [*probe, "true"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if result.returncode != 0:
        raise SandboxError(
            "bubblewrap no puede crear el aislamiento en esta máquina "
            f"({result.stderr.strip() or result.returncode}). Suele deberse a que los espacios "
            f"de nombres de usuario están desactivados; actívalos: {USERNS_HINT}"
        )
    _WORKS.add((sandbox.bwrap, sandbox.uid_base))


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run student code inside the sandbox (module docstring).

    Used by nbgrader's execute step at autograde (``SandboxedExecute`` in
    ``nbgrader_config.py``) and by any nbclient ``kernel_manager_class``. The
    kernel spec's command is not used: the sandbox always runs this
    environment's Python with ipykernel, whatever kernel a notebook names.
    """

    @default("transport")
    def _default_transport(self):
        return "ipc"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sandbox = Sandbox(parent=self)
        self.box: Box | None = None

    async def _async_pre_start_kernel(self, **kw):
        if not self.sandbox.enabled:
            log.warning(OPT_OUT_WARNING)
            return await super()._async_pre_start_kernel(**kw)
        check_bwrap(self.sandbox)
        self._close_box()
        self.box = Box(self.sandbox, self.config, kw.get("cwd"))
        self.transport = "ipc"
        self.ip = str(self.box.run / "k")
        self.connection_file = str(self.box.run / "kernel.json")
        kw["cwd"] = str(self.box.root)
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        kw["pass_fds"] = tuple(self.box.fds)
        kw.pop("env", None)  # the sandbox sets its own (--clearenv)
        self.log.info("%s %s", SANDBOX_LOG, self.box.work)
        return cmd, kw

    def write_connection_file(self, **kwargs) -> None:
        super().write_connection_file(**kwargs)
        if self.box is not None:
            self.box.give_file(self.connection_file)

    def format_kernel_cmd(self, extra_arguments=None):
        if not self.sandbox.enabled or self.box is None:
            return super().format_kernel_cmd(extra_arguments)
        from ..checks.messages import message

        hook = MEMORY_HOOK.format(message=message("sandbox_memory", mb=self.sandbox.memory_mb))
        kernel_args = [
            "-f",
            self.connection_file,
            "--IPKernelApp.ignore_cwd=True",
            f"--IPKernelApp.exec_lines={json.dumps([hook])}",
            *(extra_arguments or []),
        ]
        return self.box.command(kernel_args, self.config)

    async def _async_interrupt_kernel(self) -> None:
        # Signals to the process group stop at bwrap; ipykernel interrupts itself on request.
        if self.sandbox.enabled and self.has_kernel:
            msg = self.session.msg("interrupt_request", content={})
            self._connect_control_socket()
            self.session.send(self._control_socket, msg)
            return
        await super()._async_interrupt_kernel()

    interrupt_kernel = _async_interrupt_kernel  # AsyncKernelManager binds the base method

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self._close_box()

    cleanup_resources = _async_cleanup_resources

    def _close_box(self) -> None:
        if self.box is not None:
            self.box.close()
            self.box = None


class SandboxedExecute(Execute):
    """nbgrader's execute step (autograde) with the student's kernel in the sandbox."""

    SANDBOXED = True  # checked by the preflight

    def __init__(self, *args, **kwargs):
        # nbgrader's Execute passes its manager as a keyword, which beats the config: ours
        # goes in the same way, unless the config names one for this class or a parent.
        configured = _configured_manager(type(self), kwargs.get("config"))
        kwargs.setdefault("kernel_manager_class", configured or SandboxedKernelManager)
        super().__init__(*args, **kwargs)


def _configured_manager(cls: type, config) -> object:
    """``kernel_manager_class`` as set in ``config`` for ``cls`` or a parent class, or None."""
    for klass in cls.mro():
        if config is not None and klass.__name__ in config:
            value = config[klass.__name__].get("kernel_manager_class")
            if value is not None:
                return value
    return None
