"""What the grading sandbox costs per submission, side by side with grading unsandboxed.

    python benchmarks/sandbox_benchmark.py [--assignment 05_entrenamiento] [--size 12]

One course holds ``size`` copies of the assignment's ``correcto`` sample. They
are autograded one at a time, in one process, through nbgrader's own
``NbGraderAPI.autograde`` (what ``./grade.sh`` workers call), alternating the
course config with the sandbox (``SandboxedExecute``) and without it (nbgrader's
``Execute``, ``c.Sandbox.enabled = False``), so that a machine's load drifts
over both alike (order ABBA, after one warm-up submission each way that is
not counted). Prints the median seconds per submission of each, and the
sandbox's cost in percent; both must score the same.
"""

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nbgrader.preprocessors import Execute  # noqa: E402

from autograder.content.demo import course_with_submissions, sample_notebook  # noqa: E402
from autograder.grading import gradebook, steps  # noqa: E402
from autograder.grading.course import prepare_environment  # noqa: E402
from autograder.grading.runner import quiet_nbgrader_warnings  # noqa: E402
from autograder.grading.sandbox import SandboxedExecute  # noqa: E402


def unsandboxed(course):
    """The same course with nbgrader's plain Execute step."""
    config = copy.deepcopy(course.config)
    config.Autograde.autograde_preprocessors = [
        Execute if step is SandboxedExecute else step
        for step in config.Autograde.autograde_preprocessors
    ]
    config.Sandbox.enabled = False
    return type(course)(root=course.root, config=config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="05_entrenamiento")
    parser.add_argument("--size", type=int, default=12, help="submissions (half each way)")
    args = parser.parse_args()
    prepare_environment()
    quiet_nbgrader_warnings()
    notebook = sample_notebook(args.assignment, "correcto")
    students = [f"alumno{i:02d}" for i in range(args.size + 2)]  # the first two: warm-up
    with tempfile.TemporaryDirectory(prefix="rnk-sandbox-bench-") as tmp:
        sandboxed = course_with_submissions(
            Path(tmp), args.assignment, dict.fromkeys(students, notebook)
        )
        plain = unsandboxed(sandboxed)
        times = {"aislado": [], "sin aislar": []}
        for i, student in enumerate(students):
            on = (i % 4) in (0, 3)  # A B B A
            label, course = ("aislado", sandboxed) if on else ("sin aislar", plain)
            start = time.monotonic()
            error = steps.autograde(course, args.assignment, student)
            if i >= 2:
                times[label].append(time.monotonic() - start)
            if error:
                sys.exit(f"ERROR: {student} ({label}): {error}")
        scores = {
            r.student: r.points
            for r in gradebook.read_results(sandboxed, args.assignment, students)
        }
    same = len({str(sorted(p.items())) for p in scores.values()}) == 1
    on = statistics.median(times["aislado"])
    off = statistics.median(times["sin aislar"])
    print(f"Tarea {args.assignment}, {args.size} entregas alternas, en serie (un proceso)")
    print(f"{'':12}{'mediana s/entrega':>20}{'mín':>8}{'máx':>8}")
    for label, values in times.items():
        print(f"{label:12}{statistics.median(values):20.2f}{min(values):8.2f}{max(values):8.2f}")
    print(f"Coste del aislamiento: {on - off:+.2f} s por entrega ({(on / off - 1) * 100:+.1f} %)")
    print(f"Mismos puntos con y sin aislamiento: {'sí' if same else 'NO'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
