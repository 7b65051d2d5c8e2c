"""Benchmark: serial `nbgrader autograde` vs our parallel grader, on one generated class.

    python benchmarks/grading_benchmark.py [--assignment 05_entrenamiento] [--size 24] [--workers N]

Prints, for the same class graded both ways: total time, per-submission
median, speed-up, peak memory per worker, whether every score is identical;
then the grading overhead (autograde vs plain `jupyter nbconvert --execute`
of the same solved notebook) and where the time of one submission goes.

``--verdicts-only`` prints only the cost of grader-side verdicts (issue 10): the
same class autograded with the test cells run in the student's kernel
(nbgrader's own ``Execute``, before) and in the grader process
(``GraderExecute``, after), per-submission median side by side.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import cycle
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.content.demo import course_with_submissions, load_expected, sample_notebook
from autograder.grading import gradebook, steps
from autograder.grading.course import prepare_environment
from autograder.grading.runner import autograde_all


def make_class(assignment: str, size: int) -> dict[str, Path]:
    """``size`` students cycling through the assignment's samples (right, wrong, broken)."""
    samples = sorted(load_expected(assignment))
    return {
        f"alumno{i:02d}_{name}": sample_notebook(assignment, name)
        for i, name in zip(range(size), cycle(samples), strict=False)
    }


def nbgrader_cli() -> str:
    return shutil.which("nbgrader", path=os.path.dirname(sys.executable))


def scores(course, assignment, students):
    return {r.student: r.points for r in gradebook.read_results(course, assignment, students)}


def run_serial(course, assignment, students):
    start = time.monotonic()
    subprocess.run(
        [nbgrader_cli(), "autograde", assignment], cwd=course.root, check=True, capture_output=True
    )
    total = time.monotonic() - start
    stamps = sorted(
        (course.folder("autograded") / s / assignment / f"{assignment}.ipynb").stat().st_mtime
        for s in students
    )
    per = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    kernel_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return total, statistics.median(per), kernel_mb


def time_execute(path: Path) -> float:
    start = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--output",
            "/dev/null",
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    return time.monotonic() - start


def breakdown(path: Path) -> dict[str, float]:
    """Seconds spent in kernel start, preparation (imports), student code and test cells."""
    nb = nbformat.read(path, 4)
    client = NotebookClient(nb, kernel_name="python3", timeout=600, record_timing=True)
    start = time.monotonic()
    with client.setup_kernel():
        ready = time.monotonic()
        parts = {"kernel start": ready - start, "imports": 0.0, "student code": 0.0, "checks": 0.0}
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            began = time.monotonic()
            client.execute_cell(cell, index)
            meta = cell.metadata.get("nbgrader", {})
            kind = (
                "checks"
                if meta.get("grade") and not meta.get("solution")
                else "imports"
                if "setup_notebook" in cell.source
                else "student code"
            )
            parts[kind] += time.monotonic() - began
    return parts


def compare_verdicts(assignment: str, notebooks: dict, tmp: Path) -> None:
    """Per-submission time with test cells in the kernel (before) vs in the grader (after).

    One process grades each submission both ways, alternately (load changes hit both
    alike), after one warm-up submission each way (imports, the grader's TensorFlow),
    as a long-lived grading worker does.
    """
    from nbgrader.converters.autograde import Autograde

    students = sorted(notebooks)
    in_kernel = course_with_submissions(tmp / "in_kernel", assignment, notebooks)
    in_kernel.config.Autograde.autograde_preprocessors = Autograde.class_traits()[
        "autograde_preprocessors"
    ].default()
    grader = course_with_submissions(tmp / "grader", assignment, notebooks)
    courses = {"before (in kernel)": in_kernel, "after (grader)": grader}
    times = {name: [] for name in courses}
    for i, student in enumerate(students):
        for name, course in courses.items():
            start = time.monotonic()
            error = steps.autograde(course, assignment, student)
            if error:
                print(f"  {name} {student}: {error[:200]}")
            if i:  # the first submission is the warm-up
                times[name].append(time.monotonic() - start)
    before, after = times["before (in kernel)"], times["after (grader)"]
    print(f"verdicts: {len(before)} submissions of {assignment} (+1 warm-up), alternating")
    for name, values in times.items():
        print(f"  {name:<20} median {statistics.median(values):6.2f} s per submission")
    ratio = statistics.median(a / b for a, b in zip(after, before, strict=True))
    print(
        f"  cost of grader-side verdicts: {100 * (ratio - 1):+.1f} % per submission"
        " (median of pairs)"
    )
    kernel_scores = scores(in_kernel, assignment, students)
    grader_scores = scores(grader, assignment, students)
    print(f"  identical scores: {kernel_scores == grader_scores}")
    for student in students:
        for cell, points in grader_scores[student].items():
            if kernel_scores[student].get(cell) != points:
                print(
                    f"    {student} {cell}: in kernel {kernel_scores[student].get(cell)}, "
                    f"grader {points}"
                )


def main() -> None:
    prepare_environment()
    parser = argparse.ArgumentParser()
    parser.add_argument("--assignment", default="01_tensores")
    parser.add_argument("--size", type=int, default=24)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--verdicts-only", action="store_true")
    args = parser.parse_args()
    a, notebooks = args.assignment, make_class(args.assignment, args.size)
    if args.verdicts_only:
        with tempfile.TemporaryDirectory() as tmp:
            compare_verdicts(a, notebooks, Path(tmp))
        return
    students = sorted(notebooks)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        serial_course = course_with_submissions(tmp / "serial", a, notebooks)
        parallel_course = course_with_submissions(tmp / "parallel", a, notebooks)
        serial_s, serial_median, serial_kernel_mb = run_serial(serial_course, a, students)
        summary = autograde_all(
            parallel_course, a, students, workers=args.workers, progress=lambda _: None
        )
        same = scores(serial_course, a, students) == scores(parallel_course, a, students)
        solved = parallel_course.root / "source" / a / f"{a}.ipynb"
        single = course_with_submissions(tmp / "single", a, {"solucion": solved})
        steps.autograde(single, a, "solucion")  # warm-up: imports, first kernel start
        start = time.monotonic()
        assert steps.autograde(single, a, "solucion") == ""
        autograde_s = time.monotonic() - start
        execute_s = time_execute(solved)
        parts = breakdown(solved)
    graded = [o for o in summary.outcomes if not o.skipped]
    print(f"class: {len(students)} submissions of {a} ({', '.join(sorted(load_expected(a)))})")
    print(
        f"serial nbgrader autograde:   {serial_s:7.1f} s  (median {serial_median:.1f} s each, "
        f"peak kernel {serial_kernel_mb:.0f} MiB)"
    )
    print(
        f"parallel, {args.workers} workers:        {summary.seconds:7.1f} s  (median "
        f"{statistics.median(o.seconds for o in graded):.1f} s each)"
    )
    print(f"speed-up:                    {serial_s / summary.seconds:7.2f}x")
    print(
        f"peak memory per worker:      {max(o.worker_mb for o in graded):.0f} MiB worker + "
        f"{max(o.kernel_mb for o in graded):.0f} MiB kernel"
    )
    print(f"identical scores:            {same}; failures: {len(summary.failures)}")
    print(
        f"grading overhead:            autograde {autograde_s:.1f} s vs nbconvert --execute "
        f"{execute_s:.1f} s = {autograde_s / execute_s:.2f}x"
    )
    print("one submission (source solution), where time goes (student code includes training):")
    for name, seconds in parts.items():
        print(f"  {name:<14} {seconds:6.1f} s")
    print(
        f"  {'nbgrader rest':<14} {autograde_s - sum(parts.values()):6.1f} s  "
        "(gradebook writes, checksums, copies)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        compare_verdicts(a, notebooks, Path(tmp))


if __name__ == "__main__":
    main()
