"""Autograding on submit: a JupyterHub service that grades each submission as it arrives.

nbgrader has no feedback on submit (jupyter/nbgrader#988). This service runs as the
instructor's grading account (``deploy/jupyterhub/jupyterhub_config.py`` starts it
with ``user=<instructor>``), watches the exchange's ``inbound/`` folder and, for every
new submission, in submission order:

1. copies that very submission into ``submitted/<student>/<assignment>/`` with
   nbgrader's own copy rules (``ExchangeCollect.do_copy``: ignore, include, size
   limits), as ``nbgrader collect`` would;
2. autogrades it through :func:`autograder.grading.runner.autograde_all`
   (a worker process, per-submission timeout, everything the course's autograde does);
3. generates and releases feedback for that student only (the Spanish page of
   :mod:`autograder.grading.feedback_page`). The student presses *Fetch Feedback*.

Settings, per assignment, in the course's ``nbgrader_config.py``
(:class:`AutogradeOnSubmit`): on/off, graded submissions per student and
assignment per hour (default 3; later ones wait in the queue and their feedback
says so, in Spanish), and whether submissions after the due date (the gradebook's,
as set in the formgrader) are graded (default: no, they wait for the instructor).

Restarts: the queue lives in ``<course>/autocalificacion/cola.json``, rewritten
atomically after every step (copied, autograded, feedback released). A restarted
service resumes an interrupted submission at the step after the last one recorded,
so a finished autograde is never repeated and no submission is lost; processes
left behind by a killed service are killed first. A submission that cannot be
graded is recorded as ``error`` and the queue goes on.

What the instructor reads (``<course>/autocalificacion/``): ``registro.log`` (the
log), ``entregas.csv`` (one line per submission: state, attempts, points, error)
and ``python -m autograder.grading.onsubmit --estado COURSE``.

Manual grades and comments: nbgrader's autograde keeps ``manual_score`` and
``manual_comment``; the service still snapshots them before each automatic run and
puts back any that changed (logged), so a later automatic run never overwrites
the instructor's work.
"""

import argparse
import copy
import csv
import datetime as dt
import json
import logging
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
from traitlets import Bool, Dict, Float, Int
from traitlets.config import Configurable

from . import runner
from .course import Course, CourseError, open_course, prepare_environment
from .exchange import SafeCollect, StepFailed, check_step, instructor_api
from .gradebook import prepare_gradebook, read_results, sqlite_path

log = logging.getLogger("autograder.onsubmit")

STATE_DIR = "autocalificacion"
QUEUE_FILE = "cola.json"
LINES_FILE = "entregas.csv"
LOG_FILE = "registro.log"
PIDS_FILE = "procesos.json"

# States of a submission (what the instructor reads in entregas.csv).
PENDING = "pendiente"
DEFERRED = "aplazada"  # over the hourly limit: waits for a free slot
GRADING = "calificando"
DONE = "calificada"
FAILED = "error"
SKIPPED = "omitida"  # autograding off for it (disabled, or after the due date)
FINAL = {DONE, FAILED, SKIPPED}

# Steps of a submission being graded, in order; a restart resumes after the last one.
STEPS = ("copiada", "autocalificada", "publicada")

DEFERRED_NOTE = (
    "Tu entrega esperó en la cola: ya tenías {limit} entregas calificadas en la última "
    "hora, que es el máximo de esta tarea. Se calificó automáticamente en cuanto hubo sitio "
    "({when}). Si vuelves a entregar, se califica tu nueva entrega por orden de llegada."
)


class AutogradeOnSubmit(Configurable):
    """``c.AutogradeOnSubmit`` in the course's ``nbgrader_config.py``."""

    enabled = Bool(False, help="Grade submissions as they arrive (every assignment).").tag(
        config=True
    )
    max_per_hour = Int(
        3, help="Graded submissions per student and assignment in one hour; more wait."
    ).tag(config=True)
    after_due_date = Bool(
        False, help="Also grade submissions made after the assignment's due date."
    ).tag(config=True)
    assignments = Dict(
        help='Per-assignment overrides: {"01_tensores": {"enabled": False, "max_per_hour": 1}}'
    ).tag(config=True)
    window_s = Float(3600.0, help="The limit's window in seconds (an hour).").tag(config=True)
    poll_interval_s = Float(2.0, help="Seconds between two looks at the exchange.").tag(config=True)
    submission_timeout_s = Float(1800.0, help="A submission graded longer is stopped.").tag(
        config=True
    )
    check_owner = Bool(
        True,
        help="Grade a submission only when its folder in inbound/ belongs to the unix user "
        "named as its student (nbgrader itself only warns).",
    ).tag(config=True)

    def policy(self, assignment: str) -> "Policy":
        """The settings for one assignment; raise CourseError on an unknown key."""
        override = dict(self.assignments.get(assignment, {}))
        unknown = set(override) - {"enabled", "max_per_hour", "after_due_date"}
        if unknown:
            raise CourseError(
                f"AutogradeOnSubmit.assignments[{assignment!r}]: claves desconocidas {unknown}"
            )
        return Policy(
            enabled=bool(override.get("enabled", self.enabled)),
            max_per_hour=int(override.get("max_per_hour", self.max_per_hour)),
            after_due_date=bool(override.get("after_due_date", self.after_due_date)),
        )


@dataclass(frozen=True)
class Policy:
    enabled: bool
    max_per_hour: int
    after_due_date: bool


@dataclass
class Entry:
    """One submission in the queue; ``id`` is its folder name in ``inbound/``."""

    id: str
    student: str
    assignment: str
    timestamp: str  # nbgrader's timestamp.txt, UTC
    state: str = PENDING
    step: str = ""  # last step done (see STEPS)
    attempts: int = 0
    seen: float = 0.0  # epoch seconds: first seen by the service
    started: float = 0.0  # epoch seconds: grading started (counts for the limit)
    finished: float = 0.0
    deferred: bool = False
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0
    detail: str = ""

    @property
    def order(self) -> tuple:
        """Submission order: nbgrader's timestamp in UTC (it is written in the exchange's
        timezone, CET/CEST here), then the folder name."""
        try:
            return (parse_timestamp(self.timestamp), self.id)
        except (ValueError, OverflowError):  # unreadable: recorded as an error at admission
            return (dt.datetime.max, self.id)


@dataclass
class Queue:
    """The persistent queue: every submission the service has seen, by id."""

    path: Path
    entries: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> "Queue":
        queue = cls(path)
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            queue.entries = {e["id"]: Entry(**e) for e in data["entries"]}
        return queue

    def save(self) -> None:
        """Atomic rewrite of the queue and of the instructor's CSV (one line each)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        ordered = sorted(self.entries.values(), key=lambda e: e.order)
        _atomic_write(self.path, json.dumps({"entries": [asdict(e) for e in ordered]}, indent=1))
        rows = ["entrega,alumno,tarea,entregada,estado,intentos,puntos,maximo,segundos,detalle"]
        for e in ordered:
            rows.append(
                _csv_line(
                    [
                        e.id,
                        e.student,
                        e.assignment,
                        e.timestamp,
                        e.state + (" (esperó por el límite)" if e.deferred else ""),
                        e.attempts,
                        "" if e.score is None else f"{e.score:g}",
                        "" if e.max_score is None else f"{e.max_score:g}",
                        f"{e.seconds:.0f}",
                        e.detail.replace("\n", " ")[:300],
                    ]
                )
            )
        _atomic_write(self.path.parent / LINES_FILE, "\n".join(rows) + "\n")


def _csv_line(values: list) -> str:
    class _Line:
        text = ""

        def write(self, s):
            self.text += s

    line = _Line()
    csv.writer(line, lineterminator="").writerow(values)
    return line.text


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def parse_timestamp(text: str) -> dt.datetime:
    from nbgrader.utils import parse_utc

    return parse_utc(text.strip())


class OnSubmitService:
    """The service's work on one course; ``run_once`` does one pass (tests call it)."""

    def __init__(self, course: Course, settings: AutogradeOnSubmit | None = None, clock=time.time):
        self._course = course
        self.settings = settings or AutogradeOnSubmit(config=course.config)
        self.clock = clock
        self.state_dir = course.root / STATE_DIR
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.queue = Queue.load(self.state_dir / QUEUE_FILE)
        root = course.config.Exchange.get("root")
        if not root:
            raise CourseError("Exchange.root no está definido: ¿dónde entregan los alumnos?")
        self.inbound = Path(root) / course.course_id / "inbound"

    @property
    def course(self) -> Course:
        """The course, its SQLite gradebook in WAL mode once it exists (see gradebook)."""
        if not self._gradebook_ready and gradebook_exists(self._course):
            self._course = prepare_gradebook(self._course)
            self._gradebook_ready = True
        return self._course

    _gradebook_ready = False

    # --- start-up ------------------------------------------------------------------

    def recover(self) -> None:
        """Kill what a previous instance left running; resume interrupted submissions."""
        pids_file = self.state_dir / PIDS_FILE
        if pids_file.is_file():
            for pid, created in json.loads(pids_file.read_text(encoding="utf-8")):
                try:
                    proc = psutil.Process(pid)
                    if abs(proc.create_time() - created) < 0.01 and pid != os.getpid():
                        proc.kill()
                        log.warning("proceso %s de una ejecución anterior terminado", pid)
                except psutil.NoSuchProcess:
                    pass
            pids_file.unlink()
        for entry in self.queue.entries.values():
            if entry.state == GRADING:
                log.warning(
                    "%s: reanudada tras un reinicio (último paso: %s)", entry.id, entry.step or "-"
                )

    # --- the queue -----------------------------------------------------------------

    def scan(self) -> list[Entry]:
        """Add the submissions of ``inbound/`` not seen yet; return them."""
        if not self.inbound.is_dir():
            return []
        new = []
        for folder in sorted(self.inbound.iterdir()):
            if folder.name in self.queue.entries or not folder.is_dir():
                continue
            parts = folder.name.rsplit("+", 3)
            stamp_file = folder / "timestamp.txt"
            if len(parts) < 3 or not stamp_file.is_file():
                continue  # not an nbgrader submission, or still being copied
            if not (folder / "submission_secret.txt").is_file():
                continue  # nbgrader writes the secret right after the timestamp
            student, assignment = parts[0], parts[1]
            entry = Entry(
                id=folder.name,
                student=student,
                assignment=assignment,
                timestamp=stamp_file.read_text(encoding="utf-8").strip(),
                seen=self.clock(),
            )
            entry.state, entry.detail = self._admission(entry, folder)
            self.queue.entries[entry.id] = entry
            new.append(entry)
            log.info("%s: nueva entrega de %s (%s): %s", entry.id, student, assignment, entry.state)
        if new:
            self.queue.save()
        return new

    def _admission(self, entry: Entry, folder: Path) -> tuple[str, str]:
        try:
            policy = self.settings.policy(entry.assignment)
            parse_timestamp(entry.timestamp)
        except CourseError as exc:
            return FAILED, str(exc)
        except (ValueError, OverflowError):
            return FAILED, f"timestamp.txt ilegible: {entry.timestamp[:40]!r}"
        if not policy.enabled:
            return SKIPPED, "calificación automática desactivada para esta tarea"
        if entry.assignment not in self.course.assignments():
            return FAILED, f"la tarea {entry.assignment} no existe en source/"
        if self.settings.check_owner:
            owner = _owner(folder)
            if owner != entry.student:
                return FAILED, f"la carpeta es de {owner}, no de {entry.student}: no se califica"
        if not policy.after_due_date:
            due = self._due_date(entry.assignment)
            # Not timestamp.txt: the student's own process writes it (it could be forged), and
            # nbgrader 0.9.6 reads a "CEST" suffix as UTC. The folder's ctime is set by the
            # kernel when nbgrader's submit ends (its last chmod) and can only move later.
            ctime = dt.datetime.fromtimestamp(folder.stat().st_ctime, dt.timezone.utc)
            submitted = ctime.replace(tzinfo=None)
            if due is not None and submitted > due:
                return SKIPPED, f"entregada después de la fecha límite ({due:%Y-%m-%d %H:%M} UTC)"
        return PENDING, ""

    def _due_date(self, assignment: str) -> dt.datetime | None:
        from nbgrader.api import Gradebook, MissingEntry

        if not gradebook_exists(self.course):
            return None
        with Gradebook(self.course.gradebook_url) as gb:
            try:
                return gb.find_assignment(assignment).duedate
            except MissingEntry:
                return None

    def next_ready(self) -> Entry | None:
        """The oldest submission that may be graded now (limits and per-student order)."""
        now = self.clock()
        ordered = sorted(self.queue.entries.values(), key=lambda e: e.order)
        for entry in ordered:
            if entry.state == GRADING:
                # Interrupted by a restart: it goes first, while submitted/ still holds it.
                return entry
        blocked = set()  # (student, assignment) with an earlier submission still waiting
        changed = False
        for entry in ordered:
            key = (entry.student, entry.assignment)
            if entry.state in FINAL:
                continue
            if key in blocked:
                continue
            wait = self._wait_for_limit(entry, now)
            if wait > 0:
                if entry.state != DEFERRED:
                    entry.state, entry.deferred = DEFERRED, True
                    entry.detail = f"límite por hora alcanzado: espera ~{wait / 60:.0f} min"
                    log.info("%s: aplazada %.0f s por el límite por hora", entry.id, wait)
                    changed = True
                blocked.add(key)
                continue
            if changed:
                self.queue.save()
            return entry
        if changed:
            self.queue.save()
        return None

    def _wait_for_limit(self, entry: Entry, now: float) -> float:
        """Seconds until ``entry`` fits in the hourly limit (0: it fits now)."""
        limit = self.settings.policy(entry.assignment).max_per_hour
        window = self.settings.window_s
        starts = sorted(
            e.started
            for e in self.queue.entries.values()
            if (e.student, e.assignment) == (entry.student, entry.assignment)
            and e.started
            and e.id != entry.id
            and now - e.started < window
        )
        if len(starts) < limit:
            return 0.0
        return starts[len(starts) - limit] + window - now

    # --- grading one submission ------------------------------------------------------

    def process(self, entry: Entry) -> None:
        """Grade one submission from the step after its last recorded one."""
        if entry.state != GRADING:
            entry.state, entry.attempts, entry.started = GRADING, entry.attempts + 1, self.clock()
            entry.step, entry.detail = "", ""
            self.queue.save()
        start = time.monotonic()
        try:
            if entry.step == "":
                self._copy_submission(entry)
                entry.step = "copiada"
                self.queue.save()
            if entry.step == "copiada":
                self._copy_submission(entry)  # again: a restart may have left it half-copied
                self._autograde(entry)
                entry.step = "autocalificada"
                self.queue.save()
                log.info("%s: autocalificada", entry.id)
            if entry.step == "autocalificada":
                self._feedback(entry)
                entry.step = "publicada"
            entry.state = DONE
            results = read_results(self.course, entry.assignment, [entry.student])[0]
            entry.score, entry.max_score = results.total, results.max_total
            log.info(
                "%s: calificada %g/%g, comentarios publicados para %s",
                entry.id,
                entry.score,
                entry.max_score,
                entry.student,
            )
        except (StepFailed, GradingFailed, CourseError, OSError) as exc:
            entry.state, entry.detail = FAILED, str(exc).strip()
            log.error("%s: no se pudo calificar: %s", entry.id, entry.detail)
        entry.seconds += time.monotonic() - start
        entry.finished = self.clock()
        self.queue.save()

    def _copy_submission(self, entry: Entry) -> None:
        """Copy this submission into submitted/, as nbgrader collect does for the newest."""
        src = self.inbound / entry.id
        dest = self.course.folder("submitted") / entry.student / entry.assignment
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        config = copy.deepcopy(self.course.config)
        collector = SafeCollect(coursedir=_coursedir(config), config=config)
        try:
            collector.do_copy(str(src), str(dest))
        except RuntimeError as exc:  # nbgrader's "Directory size is too big"
            raise GradingFailed(f"la entrega no se pudo copiar: {exc}") from exc

    def _autograde(self, entry: Entry) -> None:
        manual = manual_marks(self.course, entry.assignment, entry.student)
        summary = runner.autograde_all(
            self.course,
            entry.assignment,
            [entry.student],
            workers=1,
            force=True,
            submission_timeout=self.settings.submission_timeout_s,
            progress=lambda line: None,
        )
        restored = restore_manual_marks(self.course, entry.assignment, entry.student, manual)
        if restored:
            log.warning("%s: notas manuales restauradas: %s", entry.id, ", ".join(restored))
        if summary.failures:
            log.error("%s: autograde falló:\n%s", entry.id, summary.failures[0].error)
            error = summary.failures[0].error.strip().splitlines() or ["?"]
            reason = self._unreadable_notebook(entry) or error[-1]
            raise GradingFailed(
                f"nbgrader autograde falló: {reason} (traza completa en "
                f"{self.course.folder('informes') / 'calificacion.log'} y {LOG_FILE})"
            )

    def _unreadable_notebook(self, entry: Entry) -> str:
        """Why nbgrader could not even read the submission, if that is what happened."""
        import nbformat

        folder = self.course.folder("submitted") / entry.student / entry.assignment
        for path in sorted(folder.glob("*.ipynb")):
            try:
                nbformat.read(path, as_version=4)
            except (ValueError, OSError, KeyError, AttributeError) as exc:
                return f"{path.name} no es un cuaderno válido ({type(exc).__name__})"
        return ""

    def _feedback(self, entry: Entry) -> None:
        if entry.deferred:
            self._add_note(entry)
        api = instructor_api(self.course)
        check_step(
            "generate_feedback",
            api.generate_feedback(entry.assignment, student_id=entry.student, force=True),
        )
        check_step(
            "release_feedback", api.release_feedback(entry.assignment, student_id=entry.student)
        )

    def _add_note(self, entry: Entry) -> None:
        """The Spanish note of a submission that waited for the hourly limit."""
        import nbformat

        folder = self.course.folder("autograded") / entry.student / entry.assignment
        limit = self.settings.policy(entry.assignment).max_per_hour
        when = dt.datetime.fromtimestamp(entry.started).astimezone().strftime("%d/%m %H:%M")
        for path in folder.glob("*.ipynb"):
            nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
            nb.metadata["autocalificacion"] = {"nota": DEFERRED_NOTE.format(limit=limit, when=when)}
            nbformat.write(nb, path)

    # --- the loop --------------------------------------------------------------------

    def run_once(self) -> Entry | None:
        """Scan, then grade the next ready submission; return it (None: nothing to do)."""
        self.scan()
        entry = self.next_ready()
        if entry is not None:
            self.process(entry)
        return entry

    def run_forever(self, stop: threading.Event) -> None:
        self.recover()
        watcher = threading.Thread(target=self._watch_children, args=(stop,), daemon=True)
        watcher.start()
        log.info("servicio en marcha: curso %s, entregas en %s", self.course.root, self.inbound)
        while not stop.is_set():
            if self.run_once() is None:
                stop.wait(self.settings.poll_interval_s)

    def _watch_children(self, stop: threading.Event) -> None:
        """Record our worker and kernel processes, for a restart after a crash."""
        me = psutil.Process()
        path = self.state_dir / PIDS_FILE
        while not stop.wait(0.5):
            try:
                family = [(p.pid, p.create_time()) for p in me.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
            _atomic_write(path, json.dumps(family))

    def status(self) -> str:
        """The queue as the instructor reads it: counts, waiting, last errors."""
        entries = sorted(self.queue.entries.values(), key=lambda e: e.order)
        counts = {}
        for e in entries:
            counts[e.state] = counts.get(e.state, 0) + 1
        lines = [
            "Entregas: "
            + (", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "ninguna")
        ]
        waiting = [e for e in entries if e.state not in FINAL]
        if waiting:
            lines.append("En cola:")
            lines += [f"  {e.timestamp}  {e.student}  {e.assignment}  {e.state}" for e in waiting]
        errors = [e for e in entries if e.state == FAILED][-5:]
        if errors:
            lines.append("Últimos errores:")
            lines += [f"  {e.student}  {e.assignment}  {e.detail[:200]}" for e in errors]
        lines.append(f"Detalle: {self.state_dir / LINES_FILE} y {self.state_dir / LOG_FILE}")
        return "\n".join(lines)


class GradingFailed(RuntimeError):
    """One submission could not be graded (the queue goes on)."""


def gradebook_exists(course: Course) -> bool:
    """False for a SQLite gradebook not created yet (opening it would create it)."""
    path = sqlite_path(course.gradebook_url)
    return path is None or path.is_file()


def _owner(path: Path) -> str:
    import pwd

    uid = path.stat().st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _coursedir(config):
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=config)


# --- the instructor's manual grades ------------------------------------------------


def manual_marks(course: Course, assignment: str, student: str) -> dict[str, tuple]:
    """Manual score, extra credit and manual comment of every cell, keyed 'notebook/cell'."""
    from nbgrader.api import Gradebook, MissingEntry

    marks = {}
    with Gradebook(course.gradebook_url) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return marks
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                marks[f"{notebook.name}/{grade.name}/grade"] = (
                    grade.manual_score,
                    grade.extra_credit,
                )
            for comment in notebook.comments:
                marks[f"{notebook.name}/{comment.name}/comment"] = (comment.manual_comment,)
    return marks


def restore_manual_marks(
    course: Course, assignment: str, student: str, before: dict[str, tuple]
) -> list[str]:
    """Put back manual marks an automatic run changed; return what was restored."""
    from nbgrader.api import Gradebook, MissingEntry

    restored = []
    with Gradebook(course.gradebook_url) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return restored
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                old = before.get(f"{notebook.name}/{grade.name}/grade")
                # Only marks the instructor had given: one given while the run went on is
                # newer than the snapshot, and nbgrader's autograde leaves it alone.
                if old and old != (None, None) and old != (grade.manual_score, grade.extra_credit):
                    grade.manual_score, grade.extra_credit = old
                    restored.append(grade.name)
            for comment in notebook.comments:
                old = before.get(f"{notebook.name}/{comment.name}/comment")
                if old and old[0] is not None and old[0] != comment.manual_comment:
                    comment.manual_comment = old[0]
                    restored.append(comment.name)
        gb.db.commit()
    return restored


# --- entry point -------------------------------------------------------------------


def load_service_course(root: Path) -> Course:
    """The course as the instructor's nbgrader sees it: Jupyter's config path, then the course.

    On the hub the exchange's location lives in ``PREFIX/etc/comun/nbgrader_config.py``
    (``JUPYTER_CONFIG_PATH``); the course's own ``nbgrader_config.py`` wins, as in nbgrader.
    """
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config import Config, PyFileConfigLoader

    course = open_course(root)
    merged = Config()
    for folder in reversed(jupyter_config_path()):
        if (Path(folder) / "nbgrader_config.py").is_file():
            try:
                merged.merge(PyFileConfigLoader("nbgrader_config.py", path=folder).load_config())
            except Exception as exc:  # noqa: BLE001 (any error in a config must stop the service)
                raise CourseError(f"{folder}/nbgrader_config.py no se pudo cargar: {exc}") from exc
    merged.merge(course.config)
    return Course(root=course.root, config=merged)


def _setup_logging(state_dir: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    for handler in (
        logging.FileHandler(state_dir / LOG_FILE, encoding="utf-8"),
        logging.StreamHandler(sys.stderr),
    ):
        handler.setFormatter(fmt)
        log.addHandler(handler)
    log.setLevel(logging.INFO)


def _stop_now(signum, frame) -> None:
    """On SIGTERM/SIGINT: kill our workers and kernels, exit; the queue resumes on restart."""
    for proc in psutil.Process().children(recursive=True):
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            continue
    log.info("servicio detenido (señal %s)", signum)
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.grading.onsubmit",
        description="Califica cada entrega al llegar al intercambio (servicio de JupyterHub).",
    )
    parser.add_argument("course_dir", type=Path, help="carpeta del curso del profesor")
    parser.add_argument("--estado", action="store_true", help="muestra la cola y los errores")
    parser.add_argument("--una-vez", action="store_true", help="procesa lo pendiente y termina")
    args = parser.parse_args(argv)
    prepare_environment()
    runner.quiet_nbgrader_warnings()
    try:
        course = load_service_course(args.course_dir.expanduser())
        if args.estado:
            print(OnSubmitService(course).status())
            return 0
        _setup_logging(course.root / STATE_DIR)
        service = OnSubmitService(course)
    except CourseError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stop_now)
    stop = threading.Event()
    if args.una_vez:
        service.recover()
        while service.run_once() is not None:
            pass
        return 0
    service.run_forever(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
