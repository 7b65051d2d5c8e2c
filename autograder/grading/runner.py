"""Parallel autograding: N worker processes, each calling nbgrader's own autograde.

nbgrader grades one submission at a time (upstream issue #174). Here each
worker is a long-lived process that imports nbgrader once and autogrades
one student at a time through ``NbGraderAPI.autograde`` — the same code path
as ``nbgrader autograde A --student S`` — so scores, comments and autograded
notebooks are nbgrader's own.

- Isolation: a submission that crashes its worker, or runs past
  ``submission_timeout``, has that worker (and its kernel) killed and is
  flagged; a fresh worker takes the next submission.
- Resume: a marker is written only after a submission is fully graded; a
  re-run skips marked submissions whose submitted timestamp is unchanged
  (unless ``force``), so a run killed mid-way loses nothing.
- SQLite: the gradebook is switched to WAL mode and workers wait up to
  ``SQLITE_TIMEOUT_S`` for the write lock, so concurrent writers queue
  instead of failing with «database is locked». PostgreSQL URLs are used as is.
"""

import multiprocessing
import os
import resource
import time
import warnings
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait

import psutil
from sqlalchemy.exc import SAWarning

from . import steps
from .course import Course
from .gradebook import prepare_gradebook
from .resume import already_graded, mark_graded


@dataclass
class Outcome:
    student: str
    error: str = ""
    seconds: float = 0.0
    skipped: bool = False
    worker_mb: float = 0.0  # peak RSS of the worker process so far
    kernel_mb: float = 0.0  # peak RSS of any kernel that worker ran so far


@dataclass
class RunSummary:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error]


# --- workers -------------------------------------------------------------------


def quiet_nbgrader_warnings() -> None:
    """nbgrader's gradebook triggers harmless SQLAlchemy warnings on every submission."""
    warnings.filterwarnings("ignore", category=SAWarning)


def _worker(conn, course: Course) -> None:
    """Worker process: grade (assignment, student) pairs until told to stop."""
    quiet_nbgrader_warnings()
    # The worker's and its kernels' stderr (start-up warnings, nbgrader logs) go to a log
    # file, not over the progress lines.
    log = course.folder("informes") / "calificacion.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    os.dup2(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644), 2)
    while (task := conn.recv()) is not None:
        assignment, student = task
        start = time.monotonic()
        error = steps.autograde(course, assignment, student)
        conn.send(
            Outcome(
                student,
                error,
                time.monotonic() - start,
                worker_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                kernel_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            )
        )


class _Worker:
    def __init__(self, ctx, course: Course):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, course), daemon=True)
        self.process.start()
        child.close()
        self.task: str | None = None
        self.started = 0.0

    def give(self, assignment: str, student: str) -> None:
        self.task, self.started = student, time.monotonic()
        self.conn.send((assignment, student))

    def kill(self) -> None:
        """Kill the worker and every process it started (its notebook kernels)."""
        try:
            family = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            family = []
        for proc in [*family, psutil.Process(self.process.pid)]:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                continue
        self.process.join(5)

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.process.join(30)
        if self.process.is_alive():
            self.kill()


def _progress_line(done: int, total: int, failures: int, start: float) -> str:
    elapsed = time.monotonic() - start
    left = elapsed / done * (total - done) if done else float("nan")
    return f"  [{done}/{total}] fallos: {failures} · quedan ~{left:.0f} s"


def autograde_all(
    course: Course,
    assignment: str,
    students: list[str],
    workers: int | None = None,
    force: bool = False,
    submission_timeout: float = 1800.0,
    progress=print,
) -> RunSummary:
    """Autograde ``students`` with ``workers`` processes; see the module docstring."""
    start = time.monotonic()
    course = prepare_gradebook(course)
    summary = RunSummary()
    pending = deque()
    for student in students:
        if not force and already_graded(course, assignment, student):
            summary.outcomes.append(Outcome(student, skipped=True))
        else:
            pending.append(student)
    total = len(pending)
    ctx = multiprocessing.get_context("spawn")
    pool = [_Worker(ctx, course) for _ in range(min(workers or os.cpu_count() or 1, total))]
    try:
        while pending or any(w.task for w in pool):
            for worker in pool:
                if worker.task is None and pending:
                    worker.give(assignment, pending.popleft())
            busy = {w.conn: w for w in pool if w.task}
            for conn in wait(list(busy), timeout=1.0):
                worker = busy[conn]
                outcome = _receive(worker)
                if outcome.error and not worker.process.is_alive():
                    pool[pool.index(worker)] = _Worker(ctx, course)
                _record(course, assignment, summary, outcome)
                done = sum(not o.skipped for o in summary.outcomes)
                progress(_progress_line(done, total, len(summary.failures), start))
            for i, worker in enumerate(pool):
                if worker.task and time.monotonic() - worker.started > submission_timeout:
                    student = worker.task
                    worker.kill()
                    pool[i] = _Worker(ctx, course)
                    error = f"tiempo agotado: más de {submission_timeout:.0f} s calificando"
                    _record(
                        course, assignment, summary, Outcome(student, error, submission_timeout)
                    )
    finally:
        for worker in pool:
            worker.stop()
    summary.seconds = time.monotonic() - start
    return summary


def _receive(worker: _Worker) -> Outcome:
    student = worker.task
    worker.task = None
    try:
        return worker.conn.recv()
    except (EOFError, OSError):
        worker.process.join(5)
        code = worker.process.exitcode
        return Outcome(student, f"el proceso de calificación terminó inesperadamente ({code})")


def _record(course: Course, assignment: str, summary: RunSummary, outcome: Outcome) -> None:
    summary.outcomes.append(outcome)
    if not outcome.error:
        mark_graded(course, assignment, outcome.student, outcome.seconds)
