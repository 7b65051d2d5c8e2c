"""The suite relies on ``--dist loadgroup``: each red-team set is graded by a session
fixture once, on the one worker its tests are sent to. pytest 9.2 with pytest-xdist 3.8
silently ignored ``xdist_group`` (every worker graded the same sets, minutes of CI), so
this test runs a tiny suite the way ``test.sh`` does and asserts the grouping holds."""

import subprocess
import sys
import textwrap


def test_tests_of_one_xdist_group_run_on_one_worker(tmp_path):
    (tmp_path / "test_groups.py").write_text(
        textwrap.dedent(
            """
            import os
            import pytest

            CASES = [
                pytest.param(g, i, marks=pytest.mark.xdist_group(g)) for g in "ab" for i in range(4)
            ]

            @pytest.mark.parametrize(("group", "i"), CASES)
            def test_case(group, i):
                with open(f"{group}-{i}.worker", "w") as f:
                    f.write(os.environ["PYTEST_XDIST_WORKER"])
            """
        ),
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2"]
        + ["--dist", "loadgroup", "-q", "test_groups.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    for group in "ab":
        workers = {(tmp_path / f"{group}-{i}.worker").read_text() for i in range(4)}
        assert len(workers) == 1, f"group {group} ran on {sorted(workers)}"
