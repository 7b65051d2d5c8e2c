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
"""

import json
import shutil
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
    return sorted(p.name for p in folder.glob("*.ipynb") if p.is_file())


def _rename_record(course: Course, assignment: str, student: str) -> Path:
    # a folder of its own: the resume markers are the ``*.json`` files of the folder above
    return course.root / resume.STATE_DIR / assignment / "renombrados" / f"{student}.json"


def check_submissions(course: Course, assignment: str, students: list[str]) -> Intake:
    """Check every student's folder; copy a renamed single notebook to the expected name."""
    expected = expected_notebooks(course, assignment)
    intake = Intake()
    for student in students:
        folder = course.folder("submitted") / student / assignment
        record = _rename_record(course, assignment, student)
        if record.is_file():
            renamed = json.loads(record.read_text(encoding="utf-8"))
            original = folder / renamed["from"]
            if original.is_file():
                shutil.copy2(original, folder / renamed["to"])
                intake.notes[student] = rename_note(renamed["from"], renamed["to"])
                continue
        found = notebooks_in(folder)
        missing = [name for name in expected if name not in found]
        if not missing:
            continue
        if len(expected) == 1 and len(found) == 1:
            shutil.copy2(folder / found[0], folder / expected[0])
            record.parent.mkdir(parents=True, exist_ok=True)
            record.write_text(json.dumps({"from": found[0], "to": expected[0]}), encoding="utf-8")
            intake.notes[student] = rename_note(found[0], expected[0])
            continue
        intake.flagged[student] = f"falta el cuaderno {', '.join(missing)}; la carpeta tiene: " + (
            ", ".join(found) or "ningún cuaderno"
        )
    return intake


def rename_note(found: str, expected: str) -> str:
    return f"se calificó {found} como {expected} (el cuaderno tenía otro nombre)"
