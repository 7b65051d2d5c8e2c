"""Issue 12: real-world submissions are graded fairly, or flagged with the reason.

Each case in ``redteam/intake/<assignment>/<case>/`` is a submission folder as an
instructor finds it (renamed notebooks, cells split or copied by the editor, lost
metadata, 20 MB of output, ...), with the points per grade cell (or the status
«sin calificar» and a fragment of its reason) in ``expected.json``. Per assignment,
one course holding every case, collected without ``timestamp.txt`` and never run
through ``generate_assignment``, is graded once per test session by the real
command: ``python -m autograder grade <curso> --no-exchange`` (what ``./grade.sh
/ruta/al/curso --no-exchange`` runs).
"""

import csv
import fcntl
import json
import os
import pickle
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, SAMPLES, per_assignment

from autograder.grading.course import new_course_copy

pytestmark = pytest.mark.redteam
INTAKE = REPO / "redteam" / "intake"
UNGRADED = "sin calificar"
EXIT_NEEDS_ATTENTION = 3


def expected(assignment: str) -> dict:
    return json.loads((INTAKE / assignment / "expected.json").read_text(encoding="utf-8"))


def assignments() -> list[str]:
    return sorted(p.parent.name for p in INTAKE.glob("*/expected.json"))


@dataclass
class Run:
    """One run of the grade command: its console, exit code and per-cell CSV."""

    returncode: int
    stdout: str
    stderr: str
    cells: dict[str, dict] = field(default_factory=dict)  # student -> status/reason/points


@dataclass
class Graded:
    root: Path
    first: Run
    second: Run | None = None  # 02 only: after a resubmission dropped in place


def grade(root: Path, assignment: str) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(root), "--no-exchange"]
        + ["--workers", "1", "--assignment", assignment],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    run = Run(done.returncode, done.stdout, done.stderr)
    with (root / "informes" / "puntos_por_celda.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            entry = run.cells.setdefault(
                row["alumno"], {"status": row["estado"], "reason": row["motivo"], "points": {}}
            )
            if row["celda"]:
                entry["points"][row["celda"]] = float(row["puntos"])
    return run


def build_course(root: Path, assignment: str) -> Path:
    """A course whose submitted/ holds every case as found: no timestamp.txt, and a
    gradebook that has never seen the assignment."""
    course = new_course_copy(root / "curso")
    for case in sorted(p for p in (INTAKE / assignment).iterdir() if p.is_dir()):
        dest = course.folder("submitted") / case.name / assignment
        dest.mkdir(parents=True)
        for item in case.iterdir():
            shutil.copy2(item, dest / item.name)
    return course.root


def _grade_once(shared: Path, assignment: str) -> Graded:
    with open(shared / f"intake-{assignment}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        saved = shared / f"intake-{assignment}.pickle"
        if saved.is_file():
            return pickle.loads(saved.read_bytes())
        root = build_course(shared / f"intake-{assignment}", assignment)
        graded = Graded(root, grade(root, assignment))
        if assignment == "02_neurona":
            notebook = root / "submitted" / "reentrega" / assignment / f"{assignment}.ipynb"
            shutil.copy(SAMPLES / assignment / "correcto" / f"{assignment}.ipynb", notebook)
            graded.second = grade(root, assignment)
        saved.write_bytes(pickle.dumps(graded))
        return graded


@pytest.fixture(scope="session")
def intake_graded(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    cache = {}

    def get(assignment: str) -> Graded:
        if assignment not in cache:
            cache[assignment] = _grade_once(shared, assignment)
        return cache[assignment]

    return get


CASES = per_assignment(
    [(a, c) for a in assignments() for c in sorted(expected(a))], group="intake-"
)
ASSIGNMENTS = per_assignment([(a,) for a in assignments()], group="intake-")


@pytest.mark.parametrize(("assignment", "case"), CASES)
def test_case_is_graded_per_cell_or_flagged_with_reason(intake_graded, assignment, case):
    want = expected(assignment)[case]
    got = intake_graded(assignment).first.cells[case]
    if want.get("status") == UNGRADED:
        assert got["status"] == UNGRADED, got
        assert want["reason"] in got["reason"], got["reason"]
        assert got["points"] == {}
    else:
        assert got["status"] == "calificada", got["reason"]
        assert got["points"] == want["points"]
    if "note" in want:
        assert f"ℹ {case}: {want['note']}" in intake_graded(assignment).first.stdout


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_console_is_clean_and_exit_code_says_what_needs_attention(intake_graded, assignment):
    run = intake_graded(assignment).first
    output = run.stdout + run.stderr
    assert "CRITICAL" not in output and "Unwritable directory" not in output
    assert "Traceback" not in output and "Please see the" not in output
    # the assignment was never generated: it is registered from source/, as nbgrader would
    assert "no estaba en el gradebook: se registra desde source/" in run.stdout
    flagged = [c for c, e in expected(assignment).items() if e.get("status") == UNGRADED]
    for case in flagged:
        reason = expected(assignment)[case]["reason"]
        assert any(
            line.startswith(f"  ⚠ {case}: {UNGRADED}: ") and reason in line
            for line in run.stdout.splitlines()
        ), run.stdout
    assert run.returncode == (EXIT_NEEDS_ATTENTION if flagged else 0), output[-2000:]


@pytest.mark.xdist_group("intake-02_neurona")
def test_ungraded_is_no_zero_in_csvs_and_class_report(intake_graded):
    graded = intake_graded("02_neurona")
    with (graded.root / "informes" / "calificaciones.csv").open(encoding="utf-8") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f) if r["assignment"] == "02_neurona"}
    for case in ("dos_cuadernos", "ajeno_sin_metadatos"):
        assert rows[case]["estado"] == UNGRADED
        assert rows[case]["score"] == "" and rows[case]["raw_score"] == ""
        assert rows[case]["motivo"]
    assert rows["celda_dividida"]["estado"] == "calificada"
    assert float(rows["celda_dividida"]["score"]) == 10
    page = (graded.root / "informes" / "informe_clase.html").read_text(encoding="utf-8")
    assert "Sin calificar (fuera de las estadísticas)" in page
    graded_count = sum(1 for e in expected("02_neurona").values() if e.get("status") != UNGRADED)
    assert f"{graded_count} calificadas" in page and "2 sin calificar" in page


@pytest.mark.xdist_group("intake-02_neurona")
def test_resubmission_without_timestamp_is_regraded(intake_graded):
    graded = intake_graded("02_neurona")
    first, second = graded.first, graded.second
    assert first.cells["reentrega"]["points"] == expected("02_neurona")["reentrega"]["points"]
    correct = json.loads((SAMPLES / "02_neurona" / "expected.json").read_text(encoding="utf-8"))
    assert second.cells["reentrega"]["points"] == correct["correcto"]["points"]
    unchanged = [c for c, e in expected("02_neurona").items() if c != "reentrega" and "points" in e]
    assert f"  {len(unchanged)} entregas sin cambios desde la última calificación" in (
        second.stdout
    )
    for case in unchanged:
        assert second.cells[case]["points"] == first.cells[case]["points"]


def _feedback(graded: Graded, case: str, assignment: str) -> str:
    page = graded.root / "feedback" / case / assignment / f"{assignment}.html"
    return page.read_text(encoding="utf-8")


@pytest.mark.xdist_group("intake-02_neurona")
def test_feedback_exists_for_student_text_with_hidden_test_markers(intake_graded):
    graded = intake_graded("02_neurona")
    text = _feedback(graded, "texto_hidden_tests", "02_neurona")
    assert "¿qué será esto?" in text  # the student's own text is theirs to see
    assert "_config[&quot;activation&quot;]" not in text and "use_bias" not in text


@pytest.mark.xdist_group("intake-02_neurona")
def test_zero_scored_cell_shows_no_passed_line(intake_graded):
    graded = intake_graded("02_neurona")
    passed_line = "✅ Comprobación visible superada. `capa` es una capa `Dense` de 3 neuronas."
    assert passed_line in _feedback(graded, "celda_dividida", "02_neurona")
    failing = _feedback(graded, "visible_superada_oculta_falla", "02_neurona")
    assert passed_line not in failing
    assert "✅ Comprobación visible superada" in failing  # cells that scored keep their tick


@pytest.mark.xdist_group("intake-02_neurona")
def test_outputs_are_capped_by_bytes_with_a_note(intake_graded):
    graded = intake_graded("02_neurona")
    folder = graded.root / "autograded" / "salida_enorme" / "02_neurona"
    notebook = folder / "02_neurona.ipynb"
    assert notebook.stat().st_size < 1_000_000
    outputs = [o for c in nbformat.read(notebook, 4).cells for o in c.get("outputs", [])]
    assert any("salida recortada: tenía 20.0 MB" in o.get("text", "") for o in outputs)
    assert len(_feedback(graded, "salida_enorme", "02_neurona")) < 1_000_000


@pytest.mark.xdist_group("intake-04_modelo_secuencial")
def test_feedback_has_no_terminal_colour_codes(intake_graded):
    graded = intake_graded("04_modelo_secuencial")
    for case in expected("04_modelo_secuencial"):
        assert "\x1b[" not in _feedback(graded, case, "04_modelo_secuencial")
