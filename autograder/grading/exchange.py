"""nbgrader's exchange, driven in-process for instructors and students.

Each step runs through nbgrader's own classes (``NbGraderAPI`` and the
exchange plugins) with the course config, exactly as the CLI would, without
paying a new process per call.
"""

import copy
import glob
import logging
import os
import pwd
import shutil
import tempfile
from pathlib import Path

from nbgrader.apps.api import NbGraderAPI
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeError, ExchangeFactory
from nbgrader.exchange.abc import ExchangeList
from nbgrader.exchange.default.collect import ExchangeCollect
from traitlets.config import Config

from .course import Course

log = logging.getLogger("autograder")


class StepFailed(RuntimeError):
    """An nbgrader step reported failure."""


def check_step(step: str, result: dict) -> dict:
    if not result.get("success", False):
        raise StepFailed(f"nbgrader {step} falló:\n{result.get('error') or result.get('log')}")
    return result


class _NoExchangeList(ExchangeList):
    """Stands in for the exchange when a step does not use it: ``NbGraderAPI`` lists the
    exchange when created, and a course without one logs «CRITICAL Unwritable directory»."""

    def start(self):
        raise ExchangeError("the exchange is not used by this step")


class SafeCollect(ExchangeCollect):
    """nbgrader's collect, never following a link the student put in the exchange.

    nbgrader copies ``inbound/`` with the instructor's permissions and follows
    symbolic links: a student's link to ``source/`` became a notebook with the
    solutions, graded 10/10. Here links (and FIFOs, sockets, devices) are left
    out, a link as the submission folder itself is refused, and nbgrader's own
    copy rules (ignore, include, size limits) then apply as usual. A submission
    folder that is itself a link is collected empty: intake then flags it «sin
    calificar» with the reason, and the other students are collected as usual.
    Set as ``c.ExchangeFactory.collect`` in ``nbgrader_config.py``.

    A folder named after a student who has an account on this machine but
    owned by someone else is never collected (nbgrader only warns, and not at
    all with ``check_owner = False``): a student could name a folder after a
    classmate, with a later timestamp, and replace their submission. Student
    ids without an account (the demo's single-user exchange) are not checked.
    """

    def init_src(self):
        super().init_src()
        pattern = os.path.join(self.inbound_path, f"*+{self.coursedir.assignment_id}+*")
        wanted = {r["username"] for r in self.src_records}
        kept = [
            r
            for r in (self._path_to_record(f) for f in glob.glob(pattern))
            if r["username"] in wanted and self._owned_by_student(r)
        ]
        # nbgrader's choice among the rest: the newest, or with before_duedate the newest
        # submitted by the due date when there is one.
        due = self.duedate if self.before_duedate else None
        chosen = {}
        for record in sorted(kept, key=lambda r: r["timestamp"]):
            late = due is not None and record["timestamp"] > due
            if not late or record["username"] not in chosen or chosen[record["username"]][0]:
                chosen[record["username"]] = (late, record)
        self.src_records = [record for _, record in chosen.values()]

    def _owned_by_student(self, record: dict) -> bool:
        try:
            account = pwd.getpwnam(record["username"])
        except KeyError:
            return True
        owner = os.lstat(os.path.join(self.inbound_path, record["filename"])).st_uid
        if owner == account.pw_uid:
            return True
        self.log.warning(
            "La entrega %s no es de %s (su dueño es el uid %s): no se recoge",
            record["filename"],
            record["username"],
            owner,
        )
        return False

    def do_copy(self, src, dest, log=None):
        if Path(src).is_symlink():
            self.log.warning("La entrega %s es un enlace: se recoge vacía", src)
            Path(dest).mkdir(parents=True, exist_ok=True)
            return
        with tempfile.TemporaryDirectory(prefix="recogida-") as tmp:
            plain = Path(tmp) / "entrega"
            shutil.copytree(src, plain, symlinks=True, ignore=self._links)
            super().do_copy(str(plain), dest, log)

    def _links(self, folder: str, names: list[str]) -> list[str]:
        left_out = [n for n in names if not _plain(Path(folder) / n)]
        for name in left_out:
            self.log.warning("Enlace o archivo especial no recogido: %s", Path(folder) / name)
        return left_out


def _plain(path: Path) -> bool:
    return not path.is_symlink() and (path.is_file() or path.is_dir())


def instructor_api(course: Course, exchange: bool = True) -> NbGraderAPI:
    """nbgrader's API on the course; ``exchange=False`` for steps that never touch the
    exchange (autograde, generate_assignment, generate_feedback)."""
    config = copy.deepcopy(course.config)
    # Failures come back in each step's result; INFO lines would drown the table.
    config.NbGraderAPI.log_level = logging.ERROR
    coursedir = CourseDirectory(config=config)
    factory = None if exchange else ExchangeFactory(config=config, list=_NoExchangeList)
    return NbGraderAPI(coursedir=coursedir, config=config, exchange=factory)


def student_config(course: Course, student: str, home: Path) -> Config:
    """The course config as seen by one student working in ``home``."""
    config = copy.deepcopy(course.config)
    config.CourseDirectory.student_id = student
    config.Exchange.assignment_dir = str(home)
    config.Exchange.cache = str(home / ".nbgrader_cache")
    config.Exchange.path_includes_course = False
    return config


def _run_student_step(config: Config, step: str, assignment: str) -> None:
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    factory = ExchangeFactory(config=config)
    plugin = getattr(factory, step)(
        coursedir=coursedir, authenticator=Authenticator(config=config), config=config
    )
    try:
        plugin.start()
    except Exception as exc:  # nbgrader's ExchangeError and I/O errors alike
        raise StepFailed(f"nbgrader {step} ({assignment}) falló: {exc}") from exc


def fetch_assignment(course: Course, student: str, home: Path, assignment: str) -> Path:
    """Fetch a released assignment into the student's home; return its folder."""
    home.mkdir(parents=True, exist_ok=True)
    _run_student_step(student_config(course, student, home), "FetchAssignment", assignment)
    return home / assignment


def submit(course: Course, student: str, home: Path, assignment: str) -> None:
    _run_student_step(student_config(course, student, home), "Submit", assignment)


def fetch_feedback(course: Course, student: str, home: Path, assignment: str) -> Path:
    _run_student_step(student_config(course, student, home), "FetchFeedback", assignment)
    return home / assignment / "feedback"
