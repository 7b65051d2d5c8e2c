"""Links in submissions are never followed (red-team of this stop, attacks A1–A4, A8).

nbgrader copies submissions with the instructor's permissions before the
sandbox starts, and followed symbolic links: a notebook that was a link to
``source/`` scored 10/10 and its feedback showed every solution; links to the
gradebook or ``nbgrader_config.py`` leaked them or let intake's rename write
through them; a dangling link stopped the whole run.
"""

import os
import shutil
from pathlib import Path

import pytest
from conftest import REPO, course_with_submissions, sample_notebook
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

from autograder.grading.course import Course
from autograder.grading.cycle import grade_assignment
from autograder.grading.exchange import SafeCollect
from autograder.grading.intake import check_submissions

A = "04_modelo_secuencial"
NOTEBOOK = f"{A}.ipynb"
BLANK = REPO / "release" / A / NOTEBOOK


@pytest.fixture
def course(tmp_path) -> Course:
    return course_with_submissions(
        tmp_path,
        A,
        {
            "honesto": sample_notebook(A, "correcto"),
            "enlace": BLANK,
            "lee": BLANK,
            "colgante": BLANK,
        },
    )


def plant_links(course: Course) -> None:
    """The red-team's links, relative as a student would write them."""
    submitted = course.folder("submitted")
    enlace = submitted / "enlace" / A / NOTEBOOK
    enlace.unlink()  # A1: the notebook is a link to the instructor's notebook
    enlace.symlink_to(Path("../../../source") / A / NOTEBOOK)
    lee = submitted / "lee" / A  # A2: links beside a blank notebook
    (lee / "fuente.txt").symlink_to(Path("../../../source") / A / NOTEBOOK)
    (lee / "notas.db").symlink_to(course.root / "gradebook.db")
    (lee / "config").symlink_to(Path("../../..") / "source")
    os.mkfifo(lee / "tuberia")
    colgante = submitted / "colgante" / A  # A3/A4: intake's rename would write through it
    (colgante / NOTEBOOK).rename(colgante / "x.ipynb")
    (colgante / NOTEBOOK).symlink_to(Path("../../../source") / A / "no_existe" / "plantado.txt")


def test_intake_removes_links_and_never_writes_through_them(course):
    plant_links(course)
    before = sorted(p.name for p in (course.folder("source") / A).iterdir())
    checked = check_submissions(course, A, ["honesto", "enlace", "lee", "colgante"])

    assert "falta el cuaderno" in checked.flagged["enlace"]
    assert "enlaces" in checked.notes["enlace"]
    assert checked.gradable(["honesto", "lee", "colgante"]) == ["honesto", "lee", "colgante"]
    lee = course.folder("submitted") / "lee" / A
    assert sorted(p.name for p in lee.iterdir()) == [NOTEBOOK, "timestamp.txt"]
    for name in ("fuente.txt", "notas.db", "config", "tuberia"):
        assert name in checked.notes["lee"]
    colgante = course.folder("submitted") / "colgante" / A / NOTEBOOK
    assert not colgante.is_symlink() and colgante.read_bytes() == BLANK.read_bytes()
    assert sorted(p.name for p in (course.folder("source") / A).iterdir()) == before


def test_graded_by_the_real_step_no_link_earns_points(course):
    plant_links(course)
    results = {
        r.student: r
        for r in grade_assignment(course, A, progress=lambda _: None, use_exchange=False, workers=1)
    }
    assert results["honesto"].error == "" and results["honesto"].total == 10
    assert results["enlace"].error.startswith("falta el cuaderno")  # not 10/10 from source/
    for student in ("lee", "colgante"):  # the blank notebook, graded as such
        assert results[student].error == "" and results[student].total == 0, results[student]
    autograded = course.folder("autograded") / "lee" / A
    assert sorted(p.name for p in autograded.iterdir()) == [NOTEBOOK, "timestamp.txt"]


def test_collect_leaves_links_out(tmp_path):
    secret = tmp_path / "secreto.txt"
    secret.write_text("solución", encoding="utf-8")
    src = tmp_path / "inbound" / "alumno+A+2026-01-01 00:00:00.000000 UTC+x"
    (src / "sub").mkdir(parents=True)
    (src / NOTEBOOK).write_text("{}", encoding="utf-8")
    (src / "enlace.txt").symlink_to(secret)
    (src / "carpeta").symlink_to(tmp_path)
    (src / "sub" / "otro.txt").symlink_to(secret)
    config = Config()
    collector = SafeCollect(coursedir=CourseDirectory(config=config), config=config)
    dest = tmp_path / "submitted" / "alumno" / "A"
    collector.do_copy(str(src), str(dest))
    copied = sorted(str(p.relative_to(dest)) for p in dest.rglob("*"))
    assert copied == [NOTEBOOK, "sub"]

    whole = tmp_path / "inbound" / "alumno+A+2026-01-02 00:00:00.000000 UTC+y"
    whole.symlink_to(tmp_path)
    empty = tmp_path / "submitted" / "alumno" / "B"
    collector.do_copy(str(whole), str(empty))
    assert list(empty.iterdir()) == []
    shutil.rmtree(tmp_path / "submitted")
