"""Grade the sandbox red-team set through the real grading command, in one course per assignment.

``python redteam/sandbox/grade_attempts.py WORKDIR [--config nbgrader_config.py]``
prints, per attempt, its points per cell against ``expected.json`` and what its
attack cell printed; ``--config`` grades with another course config (e.g. the
one before the sandbox: ``git show ce1d3c1:nbgrader_config.py > /tmp/antes.py``).
The tests (``tests/grading/test_sandbox.py``) call :func:`grade_redteam`.
"""

import argparse
import hashlib
import json
import shutil
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.content.demo import course_with_submissions, sample_notebook
from autograder.grading.cycle import grade_course

HERE = Path(__file__).resolve().parent
HONEST = "alumna_honesta"  # sorts before every "ataque_*": graded first


def attempts(assignment: str) -> dict:
    return json.loads((HERE / assignment / "expected.json").read_text(encoding="utf-8"))


@dataclass
class RedTeamRun:
    """What one course's grading did: points, errors, attack outputs, side effects."""

    assignment: str
    points: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # attempt -> attack cell text
    hashes_before: dict[str, str] = field(default_factory=dict)
    hashes_after: dict[str, str] = field(default_factory=dict)
    connections: list[bytes] = field(default_factory=list)


def course_hashes(root: Path) -> dict[str, str]:
    """sha256 of every course file a submission must not change (gradebook aside)."""
    files = [root / "nbgrader_config.py", *sorted((root / "source").rglob("*"))]
    files += sorted((root / "submitted" / HONEST).rglob("*"))
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in files
        if p.is_file()
    }


class PortWatch:
    """A TCP port on 127.0.0.1 that records whatever connects to it."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.5)
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    self.received.append(conn.recv(100) or b"(conectado)")
                except OSError:
                    self.received.append(b"(conectado)")

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.server.close()


def attack_output(course_root: Path, student: str, assignment: str) -> str:
    path = course_root / "autograded" / student / assignment / f"{assignment}.ipynb"
    if not path.is_file():
        return "(sin cuaderno calificado)"
    for cell in nbformat.read(path, 4).cells:
        if cell.get("id") == "intento" or cell.source.startswith("# Intento:"):
            parts = []
            for out in cell.get("outputs", []):
                parts.append(out.get("text") or f"{out.get('ename')}: {out.get('evalue')}\n")
            return "".join(parts).strip()
    return "(sin celda de intento)"


def grade_redteam(workdir: Path, assignment: str, config: Path | None = None) -> RedTeamRun:
    """Lay out one course with the honest student and every attempt, grade it once."""
    run = RedTeamRun(assignment)
    notebooks = {HONEST: sample_notebook(assignment, "correcto")}
    for attempt in attempts(assignment):
        notebooks[f"ataque_{attempt}"] = HERE / assignment / attempt / f"{assignment}.ipynb"
    course = course_with_submissions(Path(workdir), assignment, notebooks)
    if config is not None:
        shutil.copy2(config, course.root / "nbgrader_config.py")
    watch = PortWatch()
    for attempt in attempts(assignment):
        folder = course.folder("submitted") / f"ataque_{attempt}" / assignment
        for extra in (HERE / assignment / attempt).rglob("*"):
            if extra.is_file() and extra.suffix != ".ipynb":
                target = folder / extra.relative_to(HERE / assignment / attempt)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(extra, target)
        if (folder / "puerto.txt").is_file():
            (folder / "puerto.txt").write_text(str(watch.port), encoding="utf-8")
    run.hashes_before = course_hashes(course.root)
    try:
        report = grade_course(
            course.root, [assignment], progress=lambda *_: None, use_exchange=False, workers=1
        )
    finally:
        watch.close()
    run.connections = watch.received
    run.hashes_after = course_hashes(course.root)
    for result in report.results[assignment]:
        run.points[result.student] = result.points
        run.errors[result.student] = result.error
        run.outputs[result.student] = attack_output(course.root, result.student, assignment)
    return run


def main() -> None:
    from autograder.grading.course import prepare_environment

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--config", type=Path)
    parser.add_argument("--assignment", action="append", dest="assignments")
    args = parser.parse_args()
    prepare_environment()
    for assignment in args.assignments or ["01_tensores", "02_neurona", "04_modelo_secuencial"]:
        run = grade_redteam(args.workdir / assignment, assignment, args.config)
        changed = sorted(
            k for k in run.hashes_before if run.hashes_before[k] != run.hashes_after.get(k)
        )
        print(f"\n== {assignment}: archivos del curso cambiados: {changed or 'ninguno'}")
        print(f"   conexiones al puerto: {run.connections or 'ninguna'}")
        expected = {f"ataque_{a}": e["points"] for a, e in attempts(assignment).items()}
        for student in sorted(run.points):
            want_points = expected.get(student, run.points[student])
            got, want = sum(run.points[student].values()), sum(want_points.values())
            status = "✓" if run.points[student] == want_points else "✗"
            error = f" ERROR: {run.errors[student][:120]}" if run.errors[student] else ""
            print(f"   {status} {student}: {got:g} (esperado {want:g}){error}")
            if student != HONEST:
                print("      salida:", run.outputs[student].replace("\n", " | ")[:300])


if __name__ == "__main__":
    main()
