"""Resume markers: a submission is marked only once it is fully graded.

A marker records the submitted ``timestamp.txt`` and a fingerprint of the
submission's files (SHA-256 of every file's path and bytes). A re-run skips a
marked submission only when both are unchanged, so a run killed mid-way loses
nothing and grades nothing twice, and a corrected notebook dropped in place
(a course collected from an LMS, without ``timestamp.txt``) is graded again.
"""

import hashlib
import json
from pathlib import Path

from .course import Course

STATE_DIR = ".autograde_state"


def _submission(course: Course, assignment: str, student: str) -> Path:
    return course.folder("submitted") / student / assignment


def _submitted_timestamp(course: Course, assignment: str, student: str) -> str:
    stamp = _submission(course, assignment, student) / "timestamp.txt"
    return stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else ""


def fingerprint(folder: Path) -> str:
    """SHA-256 over the relative path and bytes of every file under ``folder``
    (checkpoint folders left out: Jupyter rewrites them on its own)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if ".ipynb_checkpoints" in relative.parts:
            continue
        digest.update(str(relative).encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _marker(course: Course, assignment: str, student: str) -> Path:
    return course.root / STATE_DIR / assignment / f"{student}.json"


def already_graded(course: Course, assignment: str, student: str) -> bool:
    marker = _marker(course, assignment, student)
    if not marker.is_file():
        return False
    done = json.loads(marker.read_text(encoding="utf-8"))
    return done.get("timestamp") == _submitted_timestamp(course, assignment, student) and done.get(
        "content"
    ) == fingerprint(_submission(course, assignment, student))


def mark_graded(course: Course, assignment: str, student: str, seconds: float) -> None:
    """Record that ``student``'s current submission is graded (atomic write)."""
    marker = _marker(course, assignment, student)
    marker.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "timestamp": _submitted_timestamp(course, assignment, student),
        "content": fingerprint(_submission(course, assignment, student)),
        "seconds": seconds,
    }
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps(record), encoding="utf-8")
    tmp.replace(marker)  # atomic: a kill never leaves a half-written marker
