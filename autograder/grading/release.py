"""Generating ``release/`` (the student version) from ``source/`` with nbgrader."""

import shutil
import tempfile
from pathlib import Path

from .course import REPO_ROOT, new_course_copy
from .exchange import check_step, instructor_api


def generate_release(
    dest: Path, repo: Path = REPO_ROOT, assignments: list[str] | None = None
) -> list[str]:
    """Write nbgrader's student version of ``assignments`` (default: all) into ``dest``."""
    with tempfile.TemporaryDirectory(prefix="release-") as tmp:
        course = new_course_copy(Path(tmp) / "curso", repo)
        course.config.Exchange.root = tmp  # nbgrader checks an exchange exists
        api = instructor_api(course)
        assignments = assignments or course.assignments()
        for assignment in assignments:
            check_step("generate_assignment", api.generate_assignment(assignment, force=True))
            target = Path(dest) / assignment
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(course.folder("release") / assignment, target)
    return assignments
