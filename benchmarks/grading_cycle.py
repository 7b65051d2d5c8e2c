"""Benchmark: time and peak memory of the grading cycle (prints figures; not a test).

    python benchmarks/grading_cycle.py [--assignment 01_tensores]

Peak memory of a submission is the largest resident set of any child
process (the notebook kernels) as reported by getrusage(RUSAGE_CHILDREN).
"""

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from autograder.content.demo import run_demo
from autograder.grading.course import prepare_environment


def main() -> None:
    prepare_environment()
    parser = argparse.ArgumentParser()
    parser.add_argument("--assignment", action="append", dest="assignments")
    args = parser.parse_args()
    durations = []

    def progress(line: str) -> None:
        if line.rstrip().endswith(" s)"):
            durations.append(float(line.rsplit("(", 1)[1].split()[0]))

    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        report = run_demo(Path(tmp), args.assignments, progress=progress)
    total = time.monotonic() - start
    kernels_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    grader_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    graded = sum(len(rows) for rows in report.results.values())
    print(f"assignments:                  {', '.join(report.results)}")
    print(f"submissions graded:           {graded}")
    print(f"whole cycle:                  {total:.1f} s")
    print(
        f"autograde per submission:     median {statistics.median(durations):.1f} s, "
        f"max {max(durations):.1f} s"
    )
    print(f"peak RSS of a kernel:         {kernels_mb:.0f} MiB")
    print(f"peak RSS of the grader:       {grader_mb:.0f} MiB")


if __name__ == "__main__":
    main()
