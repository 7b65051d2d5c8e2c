"""What isolation costs per submission: the sandbox (issue 11) and grader-side verdicts
(issue 10), side by side in one run.

    python benchmarks/isolation_benchmark.py [--assignment 05_entrenamiento] [--size 12]

One course holds ``size`` copies of the assignment's ``correcto`` sample. They are
autograded one at a time, in one process, through nbgrader's own
``NbGraderAPI.autograde`` (what ``./grade.sh`` workers call), rotating three course
configs so that a machine's load drifts over all alike (order A B C C B A, after one
warm-up submission each way that is not counted):

- ``sin aislar``: nbgrader's ``Execute``, test cells in the student's kernel, no sandbox
  (the course before issues 10 and 11);
- ``aislado``: ``SandboxedExecute``, test cells still in the (sandboxed) kernel;
- ``aislado + veredictos``: ``GraderExecute``, the course's own config: student cells in
  the sandboxed kernel, grade cells in the grader process.

Prints the median seconds per submission of each and the cost of each step in percent;
all three must score the same.
"""

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

from nbgrader.preprocessors import Execute

from autograder.content.demo import course_with_submissions, sample_notebook
from autograder.grading import gradebook, steps
from autograder.grading.course import prepare_environment
from autograder.grading.runner import quiet_nbgrader_warnings
from autograder.grading.sandbox import SandboxedExecute
from autograder.grading.verdicts import GraderExecute


def variant(course, execute: type, sandbox: bool):
    """The same course with ``execute`` as autograde's execution step."""
    config = copy.deepcopy(course.config)
    config.Autograde.autograde_preprocessors = [
        execute if step is GraderExecute else step
        for step in config.Autograde.autograde_preprocessors
    ]
    config.Sandbox.enabled = sandbox
    return type(course)(root=course.root, config=config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="05_entrenamiento")
    parser.add_argument("--size", type=int, default=12, help="submissions (a third each way)")
    args = parser.parse_args()
    prepare_environment()
    quiet_nbgrader_warnings()
    notebook = sample_notebook(args.assignment, "correcto")
    students = [f"alumno{i:02d}" for i in range(args.size + 3)]  # the first three: warm-up
    with tempfile.TemporaryDirectory(prefix="rnk-isolation-bench-") as tmp:
        final = course_with_submissions(
            Path(tmp), args.assignment, dict.fromkeys(students, notebook)
        )
        courses = {
            "sin aislar": variant(final, Execute, sandbox=False),
            "aislado": variant(final, SandboxedExecute, sandbox=True),
            "aislado + veredictos": final,
        }
        order = [*courses, *reversed(courses)]  # A B C C B A
        times = {label: [] for label in courses}
        for i, student in enumerate(students):
            label = order[i % len(order)]
            start = time.monotonic()
            error = steps.autograde(courses[label], args.assignment, student)
            if i >= len(courses):
                times[label].append(time.monotonic() - start)
            if error:
                sys.exit(f"ERROR: {student} ({label}): {error}")
        scores = {
            r.student: r.points for r in gradebook.read_results(final, args.assignment, students)
        }
    same = len({str(sorted(p.items())) for p in scores.values()}) == 1
    medians = {label: statistics.median(values) for label, values in times.items()}
    print(f"Tarea {args.assignment}, {args.size} entregas rotando, en serie (un proceso)")
    print(f"{'':22}{'mediana s/entrega':>20}{'mín':>8}{'máx':>8}")
    for label, values in times.items():
        print(f"{label:22}{medians[label]:20.2f}{min(values):8.2f}{max(values):8.2f}")
    base, sandboxed, final_s = medians.values()
    print(
        f"Coste del aislamiento: {sandboxed - base:+.2f} s ({(sandboxed / base - 1) * 100:+.1f} %)"
    )
    print(
        f"Coste de los veredictos fuera del kernel: {final_s - sandboxed:+.2f} s "
        f"({(final_s / sandboxed - 1) * 100:+.1f} %)"
    )
    print(f"Mismos puntos en las tres: {'sí' if same else 'NO'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
