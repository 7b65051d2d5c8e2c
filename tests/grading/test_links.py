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


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give folders to another account")
def test_collect_skips_a_folder_named_after_a_classmate(tmp_path):
    """A9: a folder named after another student, with a later timestamp, owned by the
    attacker, replaced that student's submission; it is not collected any more. ``nobody``
    stands for a student with an account; ids without one (the demo) are not checked."""
    import pwd

    from nbgrader.exchange.default.collect import ExchangeCollect

    inbound = tmp_path / "exchange" / "curso" / "inbound"
    inbound.mkdir(parents=True)

    def folder(student: str, day: int, owner: str) -> None:
        path = inbound / f"{student}+A+2026-01-0{day} 00:00:00.000000 UTC+x{day}"
        path.mkdir()
        (path / NOTEBOOK).write_text(f"{student} {day}", encoding="utf-8")
        account = pwd.getpwnam(owner)
        os.chown(path, account.pw_uid, account.pw_gid)

    folder("nobody", 1, "nobody")  # the real submission
    folder("nobody", 2, "root")  # the forged, later one
    folder("sin_cuenta", 1, "root")  # no account: collected as before
    config = Config()
    config.CourseDirectory.root = str(tmp_path / "curso")
    config.CourseDirectory.course_id = "curso"
    config.CourseDirectory.assignment_id = "A"
    config.CourseDirectory.db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    config.Exchange.root = str(tmp_path / "exchange")
    for kind, expected_nobody in ((ExchangeCollect, "nobody 2"), (SafeCollect, "nobody 1")):
        collector = kind(coursedir=CourseDirectory(config=config), config=config)
        collector.init_src()
        picked = {r["username"]: r["filename"] for r in collector.src_records}
        assert sorted(picked) == ["nobody", "sin_cuenta"]
        text = (inbound / picked["nobody"] / NOTEBOOK).read_text(encoding="utf-8")
        assert text == expected_nobody, kind
