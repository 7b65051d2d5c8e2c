"""Intake: what each submission folder holds, checked before nbgrader grades it.

nbgrader grades ``submitted/<student>/<assignment>/<notebook>.ipynb`` by name. A
notebook saved under another name (``04_modelo_secuencial-Copy1.ipynb`` after
JupyterLab's «Duplicate», or a name an LMS gave it) is skipped and the student
would get 0. Here, when the folder holds exactly one notebook and the assignment
has one, that notebook is graded under the expected name and a note says so;
otherwise the submission is flagged «sin calificar» with the names expected and
found, before nbgrader runs.

The copy keeps the student's file untouched; a record in the resume state folder
makes every later run copy it again, so a resubmitted ``-Copy1`` file is graded.

Links are never followed: nbgrader copies a submission with the grader's
permissions before the sandbox starts, so a symbolic link (or a FIFO, socket or
device) in a submission folder would hand the kernel the contents of the
solutions, another student's notebook or the gradebook, or make a copy write
through it. Intake removes every such entry first and notes it; a submission
whose notebook was a link is then flagged like any missing notebook. One
folder that cannot be read is flagged alone; the others are still graded.
"""

import json
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from . import resume
from .course import Course


@dataclass
class Intake:
    """What intake found for one assignment."""

    notes: dict[str, str] = field(default_factory=dict)  # student -> note (graded)
    flagged: dict[str, str] = field(default_factory=dict)  # student -> reason (not graded)

    def gradable(self, students: list[str]) -> list[str]:
        return [s for s in students if s not in self.flagged]


def expected_notebooks(course: Course, assignment: str) -> list[str]:
    """Notebook file names the assignment has, from the gradebook (else ``source/``)."""
    try:
        with Gradebook(course.gradebook_url) as gb:
            names = [nb.name for nb in gb.find_assignment(assignment).notebooks]
    except MissingEntry:
        names = [p.stem for p in (course.folder("source") / assignment).glob("*.ipynb")]
    return sorted(f"{name}.ipynb" for name in names)


def notebooks_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.ipynb") if p.is_file() and not p.is_symlink())


def remove_links(folder: Path) -> list[str]:
    """Delete every entry of ``folder`` (recursively) that is neither a plain file nor a
    folder (symbolic links first of all); return their paths relative to ``folder``."""
    removed = []
    for top, dirs, files in os.walk(folder):  # does not follow links to folders
        for name in dirs + files:
            path = Path(top) / name
            mode = path.lstat().st_mode
            if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
                continue
            path.unlink()
            removed.append(str(path.relative_to(folder)))
        dirs[:] = [d for d in dirs if (Path(top) / d).is_dir() and not (Path(top) / d).is_symlink()]
    return sorted(removed)


def _rename_record(course: Course, assignment: str, student: str) -> Path:
    # a folder of its own: the resume markers are the ``*.json`` files of the folder above
    return course.root / resume.STATE_DIR / assignment / "renombrados" / f"{student}.json"


def check_submissions(course: Course, assignment: str, students: list[str]) -> Intake:
    """Check every student's folder; copy a renamed single notebook to the expected name."""
    expected = expected_notebooks(course, assignment)
    intake = Intake()
    for student in students:
        try:
            _check_one(course, assignment, student, expected, intake)
        except OSError as exc:
            intake.flagged[student] = f"no se pudo leer la carpeta de la entrega: {exc}"
    return intake


def _check_one(course: Course, assignment: str, student: str, expected, intake: Intake) -> None:
    folder = course.folder("submitted") / student / assignment
    notes = []
    if folder.is_symlink():
        folder.unlink()
        notes.append(links_note([f"{student}/{assignment}"]))
    elif folder.is_dir() and (links := remove_links(folder)):
        notes.append(links_note(links))
    record = _rename_record(course, assignment, student)
    found = notebooks_in(folder) if folder.is_dir() else []
    missing = [name for name in expected if name not in found]
    if record.is_file():
        renamed = json.loads(record.read_text(encoding="utf-8"))
        if renamed["from"] in found:
            missing = []
            shutil.copyfile(folder / renamed["from"], folder / renamed["to"])
            notes.append(rename_note(renamed["from"], renamed["to"]))
    if missing and len(expected) == 1 and len(found) == 1:
        missing = []
        shutil.copyfile(folder / found[0], folder / expected[0])
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps({"from": found[0], "to": expected[0]}), encoding="utf-8")
        notes.append(rename_note(found[0], expected[0]))
    if notes:
        intake.notes[student] = "; ".join(notes)
    if missing:
        intake.flagged[student] = f"falta el cuaderno {', '.join(missing)}; la carpeta tiene: " + (
            ", ".join(found) or "ningún cuaderno"
        )


def links_note(paths: list[str]) -> str:
    return "se quitaron enlaces o archivos especiales, que no se siguen: " + ", ".join(paths)


def rename_note(found: str, expected: str) -> str:
    return f"se calificó {found} como {expected} (el cuaderno tenía otro nombre)"
