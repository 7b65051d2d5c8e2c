"""Resume markers: a submission is marked only once it is fully graded.

A re-run skips marked submissions whose submitted timestamp is unchanged, so a
run killed mid-way loses nothing and grades nothing twice.
"""

import json
from pathlib import Path

from .course import Course

STATE_DIR = ".autograde_state"


def _submitted_timestamp(course: Course, assignment: str, student: str) -> str:
    stamp = course.folder("submitted") / student / assignment / "timestamp.txt"
    return stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else ""


def _marker(course: Course, assignment: str, student: str) -> Path:
    return course.root / STATE_DIR / assignment / f"{student}.json"


def already_graded(course: Course, assignment: str, student: str) -> bool:
    marker = _marker(course, assignment, student)
    if not marker.is_file():
        return False
    done = json.loads(marker.read_text(encoding="utf-8"))
    return done.get("timestamp") == _submitted_timestamp(course, assignment, student)


def mark_graded(course: Course, assignment: str, student: str, seconds: float) -> None:
    """Record that ``student``'s current submission is graded (atomic write)."""
    marker = _marker(course, assignment, student)
    marker.parent.mkdir(parents=True, exist_ok=True)
    stamp = _submitted_timestamp(course, assignment, student)
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps({"timestamp": stamp, "seconds": seconds}), encoding="utf-8")
    tmp.replace(marker)  # atomic: a kill never leaves a half-written marker
