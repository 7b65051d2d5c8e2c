"""Parallel autograding on Dask: each submission is one task calling nbgrader's own autograde.

nbgrader grades one submission at a time (upstream issue #174). Here each
submission is a ``dask.distributed`` task that autogrades it through
``NbGraderAPI.autograde`` — the same code path as ``nbgrader autograde A
--student S`` — so scores, comments and autograded notebooks are nbgrader's own.

- Where: by default a ``LocalCluster`` on this machine (worker processes, one
  thread each); or an existing cluster, by scheduler address, scheduler file,
  or a ``distributed.Client`` (dask-gateway, dask-jobqueue). The dashboard
  address is printed.
- No shared folder: a task carries what a worker needs (the course config, the
  assignment's ``source/`` files, the submission's files), grades in a private
  folder on the worker and brings back the autograded folder and nbgrader's log;
  the coordinator writes them into the course. Grades go straight to the
  gradebook, so remote workers need a PostgreSQL gradebook they can reach.
- Threads: each worker's kernels get a thread budget (cores of the machine ÷
  workers on it), so kernels do not fight over the cores (see
  :class:`KernelThreadBudget`).
- Isolation: a submission that runs past ``submission_timeout`` has its kernel
  killed and is retried once on another worker, then flagged. A submission that
  kills its worker is retried once by the scheduler (``allowed-failures = 1``),
  then flagged. The others are unaffected.
- Resume: a marker is written only once a submission's autograded folder is
  back in the course; a re-run skips marked submissions (unless ``force``), and
  a worker that dies has its task rescheduled, so nothing is lost or graded twice.
- SQLite (local cluster only): the gradebook is switched to WAL mode and
  writers wait up to ``SQLITE_TIMEOUT_S`` for the write lock.
"""

import contextlib
import logging
import os
import resource
import shutil
import signal
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dask
import psutil
from dask.system import CPU_COUNT
from distributed import Client, KilledWorker, LocalCluster, as_completed, get_worker
from distributed.comm.addressing import get_address_host
from distributed.diagnostics.plugin import WorkerPlugin
from sqlalchemy.exc import SAWarning

from . import steps
from .course import CONFIG_FILE, Course, CourseError, load_config, prepare_environment
from .gradebook import prepare_gradebook, sqlite_path
from .resume import already_graded, mark_graded

log = logging.getLogger("autograder")

# Environment variables that size the thread pools of the libraries a kernel uses:
# OpenMP / MKL / OpenBLAS (NumPy, scikit-learn) and TensorFlow's own pools, which
# TensorFlow reads from TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS at start-up.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)
# Set on a worker to override the computed budget (e.g. `dask worker` on a shared node).
THREADS_OVERRIDE = "AUTOGRADER_KERNEL_THREADS"
# How long a timed-out submission may take to wind down after its kernel is killed
# before the watchdog kills the whole worker (then the scheduler reschedules the task).
KILL_GRACE_S = 60.0
# Scheduler setting that makes a task that killed its worker run once more, then fail
# with KilledWorker. The local cluster sets it; remote schedulers are started with it.
ALLOWED_FAILURES = 1


@dataclass
class Outcome:
    """What grading one submission gave; figures measured on the worker that graded it."""

    student: str
    error: str = ""
    seconds: float = 0.0  # nbgrader autograde wall time, on the worker
    skipped: bool = False
    worker_mb: float = 0.0  # peak RSS of the worker process so far, MiB
    kernel_mb: float = 0.0  # peak RSS of this submission's kernel(s), MiB
    staging_s: float = 0.0  # worker time spent writing the task's files and reading results
    worker: str = ""  # address of the worker that graded it
    attempts: int = 1


@dataclass
class RunSummary:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    startup_s: float = 0.0  # time to start (or connect to) the cluster
    workers: int = 0
    dashboard: str = ""

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error]


def quiet_nbgrader_warnings() -> None:
    """nbgrader's gradebook triggers harmless SQLAlchemy warnings on every submission."""
    warnings.filterwarnings("ignore", category=SAWarning)


# --- what travels -----------------------------------------------------------------


@dataclass
class CourseBundle:
    """The course as a worker needs it to grade one assignment: config and ``source/`` files."""

    assignment: str
    config: object  # traitlets Config, as loaded (and adjusted) by the coordinator
    config_text: str  # the course's nbgrader_config.py, run again on the worker
    source: dict[str, bytes]  # path relative to source/<assignment> -> content


@dataclass
class Submission:
    student: str
    files: dict[str, bytes]  # path relative to submitted/<student>/<assignment> -> content


@dataclass
class Graded:
    """What a task brings back: the outcome, the autograded folder and the worker's log."""

    outcome: Outcome
    files: dict[str, tuple[bytes, int]] = field(default_factory=dict)  # rel path -> (data, mode)
    log: str = ""


def _read_tree(folder: Path) -> dict[str, bytes]:
    """The plain files below ``folder``; links are never followed (see intake)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and not _through_link(folder, p)
        and "__pycache__" not in p.parts
        and ".ipynb_checkpoints" not in p.parts
    }


def _through_link(folder: Path, path: Path) -> bool:
    """Whether ``path`` or a folder between ``folder`` and it is a symbolic link."""
    rel = path.relative_to(folder)
    return any((folder / q).is_symlink() for q in (rel, *rel.parents) if q != Path("."))


def _write_tree(folder: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def course_bundle(course: Course, assignment: str) -> CourseBundle:
    config = course.config.copy()
    config.CourseDirectory.db_url = course.gradebook_url
    return CourseBundle(
        assignment=assignment,
        config=config,
        config_text=(course.root / CONFIG_FILE).read_text(encoding="utf-8"),
        source=_read_tree(course.folder("source") / assignment),
    )


def submission(course: Course, assignment: str, student: str) -> Submission:
    return Submission(student, _read_tree(course.folder("submitted") / student / assignment))


# --- on the worker -------------------------------------------------------------------


def thread_environment(threads: int) -> dict[str, str]:
    """The variables that cap a kernel's compute threads at ``threads`` (>= 1)."""
    return dict.fromkeys(THREAD_VARIABLES, str(max(1, int(threads))))


class KernelThreadBudget(WorkerPlugin):
    """Dask worker plugin: kernels started by this worker get cores ÷ workers on its machine.

    Kernels inherit the worker's environment (the sandbox passes it through), so
    setting :data:`THREAD_VARIABLES` in the worker process caps every kernel it
    starts. Without a budget each kernel's TensorFlow sizes its pools to every
    core: with two workers on 2 cores, 12 submissions of 05_entrenamiento ran
    only 1.44x faster than serially (issue 14). ``AUTOGRADER_KERNEL_THREADS`` set
    on a worker overrides the computed budget.
    """

    name = "autograder-kernel-threads"

    async def setup(self, worker) -> None:
        override = os.environ.get(THREADS_OVERRIDE)
        if override:
            threads = int(override)
        else:
            identity = await worker.scheduler.identity()
            host = get_address_host(worker.address)
            here = [a for a in identity.get("workers", {}) if get_address_host(a) == host]
            threads = CPU_COUNT // max(1, len(here))
        os.environ.update(thread_environment(threads))


class _Watchdog(threading.Thread):
    """Samples the memory of the kernels this task started; kills them past the timeout.

    If autograde has still not returned ``KILL_GRACE_S`` after that, the worker
    kills itself: the scheduler then reschedules the task (``allowed-failures``).
    """

    def __init__(self, timeout: float):
        super().__init__(daemon=True)
        self.timeout = timeout
        self.me = psutil.Process()
        self.before = {p.pid for p in self.me.children(recursive=True)}
        self.done = threading.Event()
        self.timed_out = False
        self.kernel_mb = 0.0

    def _kernels(self) -> list[psutil.Process]:
        try:
            return [p for p in self.me.children(recursive=True) if p.pid not in self.before]
        except psutil.Error:
            return []

    def run(self) -> None:
        start = time.monotonic()
        while not self.done.wait(0.5):
            rss = 0
            for proc in self._kernels():
                with contextlib.suppress(psutil.Error):
                    rss += proc.memory_info().rss
            self.kernel_mb = max(self.kernel_mb, rss / 2**20)
            if not self.timed_out and time.monotonic() - start > self.timeout:
                self.timed_out = True
                for proc in self._kernels():
                    with contextlib.suppress(psutil.Error):
                        proc.kill()
            if self.timed_out and time.monotonic() - start > self.timeout + KILL_GRACE_S:
                os.kill(os.getpid(), signal.SIGKILL)


@contextlib.contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """Send this process's stderr (nbgrader's log, the kernel's start-up noise) to ``path``."""
    saved = os.dup(2)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(fd, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(fd)


def _worker_address() -> str:
    try:
        return get_worker().address
    except ValueError:  # called outside a worker (tests, serial use)
        return f"pid-{os.getpid()}"


def grade_submission(bundle: CourseBundle, sub: Submission, timeout: float) -> Graded:
    """Dask task: autograde one submission in a private course folder on this worker.

    The folder holds the course's ``nbgrader_config.py`` (loaded strictly, so its
    settings and environment apply here too), ``source/<assignment>`` and the
    submission; the gradebook is the course's own (``db_url``). Returns the
    autograded folder's files with their modes, nbgrader's log and the outcome.
    """
    staged = time.monotonic()
    prepare_environment()
    quiet_nbgrader_warnings()
    assignment = bundle.assignment
    with tempfile.TemporaryDirectory(prefix="autograde-") as tmp:
        root = Path(tmp)
        (root / CONFIG_FILE).write_text(bundle.config_text, encoding="utf-8")
        _write_tree(root / "source" / assignment, bundle.source)
        _write_tree(root / "submitted" / sub.student / assignment, sub.files)
        config = load_config(root)
        config.merge(bundle.config)
        config.CourseDirectory.root = str(root)
        course = Course(root=root, config=config)
        staging_s = time.monotonic() - staged

        watchdog = _Watchdog(timeout)
        logfile = root / "autograde.log"
        start = time.monotonic()
        watchdog.start()
        try:
            with _stderr_to(logfile):
                error = steps.autograde(course, assignment, sub.student)
        finally:
            watchdog.done.set()
            watchdog.join()
        seconds = time.monotonic() - start
        if watchdog.timed_out:
            error = f"tiempo agotado: más de {timeout:.0f} s calificando"

        collected = time.monotonic()
        out = course.folder("autograded") / sub.student / assignment
        files = {}
        if not error and out.is_dir():
            files = {
                rel: (data, (out / rel).stat().st_mode & 0o777)
                for rel, data in _read_tree(out).items()
            }
        text = logfile.read_text(encoding="utf-8", errors="replace") if logfile.exists() else ""
        staging_s += time.monotonic() - collected
    outcome = Outcome(
        sub.student,
        error,
        seconds,
        worker_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        kernel_mb=watchdog.kernel_mb,
        staging_s=staging_s,
        worker=_worker_address(),
    )
    return Graded(outcome, files, text)


# --- the cluster ---------------------------------------------------------------------


def _is_remote(scheduler) -> bool:
    """Whether workers may run on other machines: any scheduler but a local cluster's own."""
    if scheduler is None:
        return False
    return not isinstance(getattr(scheduler, "cluster", None), LocalCluster)


@contextlib.contextmanager
def grading_client(workers: int | None = None, scheduler=None) -> Iterator[object]:
    """A ``distributed.Client`` to grade with.

    ``scheduler``: None for a new ``LocalCluster`` of ``workers`` processes (one
    thread each; default: every core); a scheduler address (``tcp://host:8786``);
    the path of a scheduler file (``dask scheduler --scheduler-file``); or a
    ``distributed.Client`` already connected (dask-gateway, dask-jobqueue), used
    as is and left open.
    """
    if scheduler is None:
        # Dask's statistical profiler samples every worker thread 100 times a second:
        # 12 submissions of 05_entrenamiento on 2 workers spent 4.5 s more worker CPU with
        # it (issue 14). Remote workers: DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False.
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(
                n_workers=workers or CPU_COUNT,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
                scheduler_kwargs={"allowed_failures": ALLOWED_FAILURES},
            )
        client = Client(cluster)
        try:
            yield client
        finally:
            with _quiet_distributed():
                client.close()
                cluster.close()
    elif isinstance(scheduler, Client):
        yield scheduler
    elif Path(str(scheduler)).is_file():
        with Client(scheduler_file=str(scheduler)) as client:
            yield client
    else:
        with Client(str(scheduler)) as client:
            yield client


@contextlib.contextmanager
def _quiet_distributed() -> Iterator[None]:
    """While a local cluster shuts down, its comms close under the client's feet and
    ``distributed`` logs the closed connections with tracebacks on stderr: noise over the
    instructor's table (task failures come back as task results, not through this log)."""
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def check_gradebook_reachable(course: Course, scheduler) -> None:
    """Remote workers write grades themselves: they need a gradebook server, not a file."""
    if _is_remote(scheduler) and sqlite_path(course.gradebook_url) is not None:
        raise CourseError(
            "La base de calificaciones de este curso es un archivo SQLite "
            f"({sqlite_path(course.gradebook_url)}), que los trabajadores de otro clúster no "
            "pueden abrir. Para calificar con --scheduler usa PostgreSQL: en nbgrader_config.py, "
            "c.CourseDirectory.db_url = 'postgresql+psycopg2://usuario@servidor/curso' "
            "(consulta deploy/cluster/README.md), o califica sin --scheduler en esta máquina."
        )


def _progress_line(done: int, total: int, failures: int, start: float) -> str:
    elapsed = time.monotonic() - start
    left = elapsed / done * (total - done) if done else float("nan")
    return f"  [{done}/{total}] fallos: {failures} · quedan ~{left:.0f} s"


def _killed_reason(exc: BaseException) -> str:
    return (
        f"el proceso de calificación terminó inesperadamente {ALLOWED_FAILURES + 1} veces "
        f"(¿el código mata el proceso o agota la memoria?): {type(exc).__name__}"
    )


def autograde_all(
    course: Course,
    assignment: str,
    students: list[str],
    workers: int | None = None,
    force: bool = False,
    submission_timeout: float = 1800.0,
    progress=print,
    scheduler=None,
) -> RunSummary:
    """Autograde ``students`` as Dask tasks; see the module docstring.

    ``workers``: processes of the local cluster (default: every core; ignored
    with ``scheduler``). ``submission_timeout``: seconds one submission may take
    on its worker. Raises :class:`CourseError` for an SQLite gradebook with a
    remote ``scheduler``.
    """
    start = time.monotonic()
    check_gradebook_reachable(course, scheduler)
    course = prepare_gradebook(course)
    summary = RunSummary()
    pending = []
    for student in students:
        if not force and already_graded(course, assignment, student):
            summary.outcomes.append(Outcome(student, skipped=True))
        else:
            pending.append(student)
    if not pending:
        summary.seconds = time.monotonic() - start
        return summary
    local_workers = min(workers or CPU_COUNT, len(pending))
    with grading_client(local_workers, scheduler) as client:
        client.register_plugin(KernelThreadBudget())
        summary.startup_s = time.monotonic() - start
        summary.workers = len(client.scheduler_info().get("workers", {}))
        summary.dashboard = client.dashboard_link
        progress(f"  Dask: {summary.workers} trabajadores · panel: {summary.dashboard}")
        _grade_on(client, course, assignment, pending, submission_timeout, progress, summary)
        client.unregister_worker_plugin(KernelThreadBudget.name)
    summary.seconds = time.monotonic() - start
    return summary


def _grade_on(client, course, assignment, students, timeout, progress, summary) -> None:
    run, began = uuid.uuid4().hex[:8], time.monotonic()
    # The course part travels once per worker: a task whose result is the bundle, which
    # the scheduler can recompute if every worker holding it dies (scattered data cannot).
    bundle = client.submit(
        lambda b: b, course_bundle(course, assignment), key=f"curso-{assignment}-{run}"
    )
    futures = {}

    def submit(student: str, attempt: int, avoid: str = ""):
        others = [w for w in client.scheduler_info().get("workers", {}) if w != avoid]
        where = {"workers": others, "allow_other_workers": True} if avoid and others else {}
        future = client.submit(
            grade_submission,
            bundle,
            submission(course, assignment, student),
            timeout,
            key=f"calificar-{assignment}-{student}-{attempt}-{run}",
            pure=False,
            **where,
        )
        futures[future] = (student, attempt)
        return future

    queue = as_completed([submit(s, 1) for s in students])
    total, done, failures = len(students), 0, 0
    for future in queue:
        student, attempt = futures.pop(future)
        try:
            graded = future.result()
        except Exception as exc:  # noqa: BLE001 (one submission's failure flags it, not the run)
            reason = (
                _killed_reason(exc)
                if isinstance(exc, KilledWorker)
                else f"error en el trabajador: {type(exc).__name__}: {exc}"
            )
            graded = Graded(Outcome(student, reason, attempts=attempt))
        outcome = graded.outcome
        outcome.attempts = attempt
        if outcome.error.startswith("tiempo agotado") and attempt == 1:
            queue.add(submit(student, 2, avoid=outcome.worker))
            continue
        _store(course, assignment, graded)
        summary.outcomes.append(outcome)
        done += 1
        failures += bool(outcome.error)
        progress(_progress_line(done, total, failures, began))
    client.cancel(bundle)


def _store(course: Course, assignment: str, graded: Graded) -> None:
    """Write what the worker brought back, then (and only then) the resume marker."""
    outcome = graded.outcome
    if graded.log:
        logfile = course.folder("informes") / "calificacion.log"
        logfile.parent.mkdir(parents=True, exist_ok=True)
        with logfile.open("a", encoding="utf-8") as f:
            f.write(f"--- {assignment}/{outcome.student} ({outcome.worker}) ---\n{graded.log}")
    if outcome.error:
        return
    dest = course.folder("autograded") / outcome.student / assignment
    if dest.exists():
        shutil.rmtree(dest)
    for rel, (data, mode) in graded.files.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(mode)
    mark_graded(course, assignment, outcome.student, outcome.seconds)
