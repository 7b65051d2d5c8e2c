"""Benchmark: serial `nbgrader autograde` vs the Dask runner, on one generated class.

    python benchmarks/grading_benchmark.py [--assignment 05_entrenamiento] [--size 24]
        [--workers 1,2] [--no-budget]

Prints, side by side for the same class: serial nbgrader; as many plain
``nbgrader autograde`` commands as the largest worker count, started at once on
shares of the class (no runner: what the machine allows); then the Dask runner
(local cluster) with each worker count, and with ``--no-budget`` the largest
count again without the kernel thread budget: total time, per-submission
median, speed-up, peak memory, whether every grade is identical; the
per-submission overhead of the scheduler; a projection for 12,000 submissions
on N machines; then the grading overhead (autograde vs plain `jupyter
nbconvert --execute` of the same solved notebook) and where the time of one
submission goes.
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
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.content.demo import course_with_submissions, load_expected, sample_notebook
from autograder.grading import gradebook, steps
from autograder.grading.course import prepare_environment
from autograder.grading.runner import THREADS_OVERRIDE, autograde_all, quiet_nbgrader_warnings


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


def run_side_by_side(tmp: Path, a: str, notebooks: dict, processes: int) -> float:
    """Seconds for ``processes`` plain ``nbgrader autograde`` commands started at once, each
    on its share of the class (its own course): what this machine allows in parallel with
    no runner at all, the ceiling any runner is compared with."""
    names = sorted(notebooks)
    courses = [
        course_with_submissions(
            tmp / f"side-by-side-{i}", a, {n: notebooks[n] for n in names[i::processes]}
        )
        for i in range(processes)
    ]
    start = time.monotonic()
    running = [
        subprocess.Popen(
            [nbgrader_cli(), "autograde", a],
            cwd=c.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for c in courses
    ]
    if any(p.wait() for p in running):
        raise RuntimeError("nbgrader autograde failed in the side-by-side run")
    return time.monotonic() - start


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


@dataclass
class DaskRun:
    label: str
    workers: int
    seconds: float
    startup_s: float
    median_s: float
    task_s: list[float]
    staging_s: float
    worker_mb: float
    kernel_mb: float
    same: bool
    failures: int


def run_dask(tmp: Path, a: str, notebooks: dict, workers: int, budget: bool, reference) -> DaskRun:
    """The Dask runner on a local cluster of ``workers`` processes, on a fresh course copy.

    ``budget=False`` gives each kernel every core (the behaviour before issue 14)."""
    students = sorted(notebooks)
    label = f"dask, {workers} worker{'s' if workers > 1 else ''}"
    label += "" if budget else ", no budget"
    course = course_with_submissions(tmp / label.replace(", ", "-").replace(" ", ""), a, notebooks)
    saved = os.environ.get(THREADS_OVERRIDE)
    if not budget:
        os.environ[THREADS_OVERRIDE] = str(os.cpu_count())
    try:
        summary = autograde_all(course, a, students, workers=workers, progress=lambda _: None)
    finally:
        os.environ.pop(THREADS_OVERRIDE, None)
        if saved is not None:
            os.environ[THREADS_OVERRIDE] = saved
    graded = [o for o in summary.outcomes if not o.skipped]
    return DaskRun(
        label,
        workers,
        summary.seconds,
        summary.startup_s,
        statistics.median(o.seconds for o in graded),
        [o.seconds for o in graded],
        statistics.median(o.staging_s for o in graded),
        max(o.worker_mb for o in graded),
        max(o.kernel_mb for o in graded),
        scores(course, a, students) == reference,
        len(summary.failures),
    )


def scheduler_round_trip(workers: int, n: int = 50) -> float:
    """Median seconds for a no-op task to go client -> scheduler -> worker -> client."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        times = []
        for i in range(n):
            began = time.monotonic()
            client.submit(int, i, pure=False).result()
            times.append(time.monotonic() - began)
    return statistics.median(times)


def print_dask_comparison(
    size, serial_s, serial_median, runs: list[DaskRun], rtt: float, side: float, n: int
) -> None:
    print(f"{'':34}{'total':>9}{'median/sub':>12}{'speed-up':>10}{'same grades':>13}")
    print(f"{'serial nbgrader autograde':34}{serial_s:8.1f}s{serial_median:11.1f}s{1:9.2f}x")
    label = f"{n} x nbgrader, side by side"
    print(f"{label:34}{side:8.1f}s{'':12}{serial_s / side:9.2f}x  (no runner: the ceiling)")
    for r in runs:
        print(
            f"{r.label:34}{r.seconds:8.1f}s{r.median_s:11.1f}s{serial_s / r.seconds:9.2f}x"
            f"{str(r.same):>13}  (failures {r.failures}, cluster start {r.startup_s:.1f} s)"
        )
    print("per-submission overhead of the scheduler:")
    print(f"  no-op task round trip (client -> scheduler -> worker): {rtt * 1000:.1f} ms")
    for r in runs:
        busy = sum(r.task_s)
        idle = ((r.seconds - r.startup_s) * r.workers - busy) / size
        print(
            f"  {r.label:30} worker time outside autograde (incl. idle tail) {idle:5.2f} s/sub "
            f"(staging files in the task {r.staging_s:.2f} s); peak {r.worker_mb:.0f} MiB worker "
            f"+ {r.kernel_mb:.0f} MiB kernel"
        )
    best = max((r for r in runs if "no budget" not in r.label), key=lambda r: r.workers)
    per_machine = size / (best.seconds - best.startup_s)  # submissions/s on this machine
    cores = os.cpu_count() or 1
    print(
        f"projection, 12,000 submissions, from '{best.label}' "
        f"({per_machine * 3600:.0f} submissions/hour on {cores} cores):"
    )
    for machines in (1, 10, 50, 100):
        hours = 12000 / (per_machine * machines) / 3600
        print(f"  {machines:4d} machine(s) like this one: {hours:7.2f} h")


def main() -> None:
    prepare_environment()
    quiet_nbgrader_warnings()
    parser = argparse.ArgumentParser()
    parser.add_argument("--assignment", default="01_tensores")
    parser.add_argument("--size", type=int, default=24)
    parser.add_argument(
        "--workers", default="1,2", help="comma-separated worker counts for the Dask runner"
    )
    parser.add_argument(
        "--no-budget",
        action="store_true",
        help="also run the largest worker count without the kernel thread budget",
    )
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    a, notebooks = args.assignment, make_class(args.assignment, args.size)
    students = sorted(notebooks)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        serial_course = course_with_submissions(tmp / "serial", a, notebooks)
        serial_s, serial_median, serial_kernel_mb = run_serial(serial_course, a, students)
        reference = scores(serial_course, a, students)
        runs = [run_dask(tmp, a, notebooks, w, True, reference) for w in counts]
        if args.no_budget:
            runs.append(run_dask(tmp, a, notebooks, max(counts), False, reference))
        side = run_side_by_side(tmp, a, notebooks, max(counts))
        rtt = scheduler_round_trip(max(counts))
        solved = serial_course.root / "source" / a / f"{a}.ipynb"
        single = course_with_submissions(tmp / "single", a, {"solucion": solved})
        steps.autograde(single, a, "solucion")  # warm-up: imports, first kernel start
        start = time.monotonic()
        assert steps.autograde(single, a, "solucion") == ""
        autograde_s = time.monotonic() - start
        execute_s = time_execute(solved)
        parts = breakdown(solved)
    print(f"class: {len(students)} submissions of {a} ({', '.join(sorted(load_expected(a)))})")
    print(f"machine: {os.cpu_count()} cores; load before: {LOAD_BEFORE}; after: {os.getloadavg()}")
    print(f"serial peak kernel memory: {serial_kernel_mb:.0f} MiB")
    print_dask_comparison(len(students), serial_s, serial_median, runs, rtt, side, max(counts))
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


LOAD_BEFORE = os.getloadavg()


if __name__ == "__main__":
    main()
