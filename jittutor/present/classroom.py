"""The instructor's room: one row per student, who is stuck longest first.

Built from the exports in the shared progress directory
(:func:`jittutor.state.export.collect`), shared by the live screen (``jittutor
class DIR``) and its one-off ``--csv`` / ``--json``: the sorting, the columns and
the spelling of every cell live here once. No jax, no textual here.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jittutor.state.export import collect, iso_utc

#: The room's columns: (header, key). The screen and the CSV use the same.
COLUMNS = (
    ("student", "student"),
    ("on lesson", "lesson"),
    ("done", "done"),
    ("last failure", "last_failure"),
    ("idle", "idle"),
    ("tries", "attempts"),
    ("hints", "hints"),
)
#: The attempts screen's columns for one student.
LESSON_COLUMNS = (
    ("lesson", "lesson"),
    ("status", "status"),
    ("tries", "attempts"),
    ("hints", "hints"),
    ("last failure", "last_failure"),
    ("idle", "idle"),
)
CSV_COLUMNS = (
    "student", "file", "lesson", "lesson_status", "done", "lessons", "attempts", "hints", "hints_total",
    "last_failure", "last_attempt", "minutes_idle",
)  # fmt: skip


def parse_iso(text: object) -> float | None:
    """``2025-01-31T09:15:02Z`` -> Unix time; anything else -> None."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return None


def minutes_since(timestamp: float | None, now: float) -> int | None:
    """Whole minutes from ``timestamp`` to ``now`` (never negative: clocks of two hosts differ); None stays None."""
    if timestamp is None:
        return None
    return max(0, int((now - timestamp) // 60))


def idle_text(minutes: int | None) -> str:
    """``-``, ``7m``, ``1h05``, ``3d``: short enough for a narrow column."""
    if minutes is None:
        return "-"
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 24 * 60:
        return f"{minutes // 60}h{minutes % 60:02d}"
    return f"{minutes // (24 * 60)}d"


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class LessonRow:
    """One lesson of one student."""

    lesson: str
    title: str
    status: str
    attempts: int
    hints: int
    last_failure: str | None
    last_attempt: float | None

    def cells(self, now: float) -> dict[str, str]:
        return {
            "lesson": self.lesson,
            "status": self.status,
            "attempts": str(self.attempts),
            "hints": str(self.hints),
            "last_failure": self.last_failure or "-",
            "idle": idle_text(minutes_since(self.last_attempt, now)),
        }


@dataclass(frozen=True)
class StudentRow:
    """One student of the room, from their export file."""

    student: str  # as the room shows it (made unique when two files share a name)
    file: str
    lesson: str | None  # the lesson of the most recent attempt
    lesson_status: str
    done: int
    lessons: int
    attempts: int  # on ``lesson``
    hints: int  # on ``lesson``
    hints_total: int
    last_failure: str | None  # the kind of the last failing attempt on ``lesson``
    last_attempt: float | None
    details: tuple[LessonRow, ...] = ()

    def stuck_key(self) -> tuple[int, float, int, str]:
        """Stuck longest first: not done with the lesson, oldest last attempt, most attempts; then not started."""
        if self.lesson is None:
            group = 1
        else:
            group = 2 if self.lesson_status == "done" else 0
        return (group, self.last_attempt or 0.0, -self.attempts, self.student)

    def cells(self, now: float) -> dict[str, str]:
        """The row as the screen shows it, one string per :data:`COLUMNS` key."""
        return {
            "student": self.student,
            "lesson": self.lesson or "-",
            "done": f"{self.done}/{self.lessons}",
            # Done with the lesson it is on: the student is between lessons, not stuck.
            "last_failure": "(passed)" if self.lesson_status == "done" else (self.last_failure or "-"),
            "idle": idle_text(minutes_since(self.last_attempt, now)),
            "attempts": str(self.attempts),
            "hints": str(self.hints),
        }

    def record(self, now: float) -> dict[str, Any]:
        """The row as data (``--json`` and ``--csv``): numbers stay numbers, times ISO 8601 UTC."""
        return {
            "student": self.student,
            "file": self.file,
            "lesson": self.lesson,
            "lesson_status": self.lesson_status,
            "done": self.done,
            "lessons": self.lessons,
            "attempts": self.attempts,
            "hints": self.hints,
            "hints_total": self.hints_total,
            "last_failure": self.last_failure,
            "last_attempt": iso_utc(self.last_attempt),
            "minutes_idle": minutes_since(self.last_attempt, now),
        }


@dataclass
class Room:
    """Every student found in the progress directory, stuck longest first, and the files that could not be read."""

    directory: Path
    students: list[StudentRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    read_at: float = 0.0

    def student(self, file: str) -> StudentRow | None:
        return next((s for s in self.students if s.file == file), None)


def student_row(data: dict[str, Any], name: str | None = None) -> StudentRow:
    """One export (as :func:`~jittutor.state.export.collect` returns it) as a row; tolerant of missing fields."""
    details = []
    for entry in data.get("lessons", []):
        details.append(
            LessonRow(
                lesson=str(entry.get("lesson")),
                title=str(entry.get("title") or ""),
                status=str(entry.get("status") or "not-started"),
                attempts=_count(entry.get("attempts")),
                hints=_count(entry.get("hints_used")),
                last_failure=_text(entry.get("last_failure")),
                last_attempt=parse_iso(entry.get("last_attempt")),
            )
        )
    by_id = {d.lesson: d for d in details}
    current = _text(data.get("current_lesson"))
    if current not in by_id:  # an older export: the lesson of the most recent attempt
        tried = [d for d in details if d.last_attempt is not None]
        current = max(tried, key=lambda d: d.last_attempt or 0.0).lesson if tried else None
    on = by_id.get(current) if current is not None else None
    return StudentRow(
        student=name or str(data.get("student") or data.get("file") or "?"),
        file=str(data.get("file") or ""),
        lesson=current,
        lesson_status=on.status if on is not None else "not-started",
        done=sum(1 for d in details if d.status == "done"),
        lessons=len(details),
        attempts=on.attempts if on is not None else 0,
        hints=on.hints if on is not None else 0,
        hints_total=sum(d.hints for d in details),
        last_failure=on.last_failure if on is not None else None,
        last_attempt=on.last_attempt if on is not None else None,
        details=tuple(details),
    )


def room_rows(students: list[dict[str, Any]]) -> list[StudentRow]:
    """Rows for the exports, stuck longest first; two files with one name are told apart by their file."""
    names = [str(s.get("student") or s.get("file") or "?") for s in students]
    rows = []
    for name, data in zip(names, students, strict=True):
        shown = name if names.count(name) == 1 else f"{name} ({Path(str(data.get('file') or '')).stem})"
        rows.append(student_row(data, shown))
    return sorted(rows, key=StudentRow.stuck_key)


def read_room(directory: Path, now: float | None = None) -> Room:
    """Read every export in ``directory`` into a :class:`Room`; an unreadable file is a problem, never an exception."""
    room = Room(directory=directory, read_at=time.time() if now is None else now)
    if not directory.is_dir():
        room.problems.append(f"{directory}: not a directory (yet)")
        return room
    try:
        collection = collect(directory)
    except OSError as exc:
        room.problems.append(f"{directory}: cannot read ({exc.strerror or exc})")
        return room
    room.problems = list(collection.problems)
    room.students = room_rows(collection.students)
    return room


def room_document(room: Room, now: float) -> dict[str, Any]:
    """``jittutor class DIR --json``: the rows in order, each with its lessons, and the problems."""
    students = []
    for row in room.students:
        lessons = [
            {
                "lesson": d.lesson,
                "status": d.status,
                "attempts": d.attempts,
                "hints_used": d.hints,
                "last_failure": d.last_failure,
                "last_attempt": iso_utc(d.last_attempt),
            }
            for d in row.details
        ]
        students.append({**row.record(now), "lessons_detail": lessons})
    return {"directory": str(room.directory), "read_at": iso_utc(now), "students": students, "problems": room.problems}


def room_csv(room: Room, now: float) -> str:
    """``jittutor class DIR --csv``: one line per student, in the room's order."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in room.students:
        writer.writerow({k: ("" if v is None else v) for k, v in row.record(now).items()})
    return out.getvalue()


def clip(text: str, width: int, keep_end: int = 0) -> str:
    """``text`` cut to ``width`` characters, with ``…`` where it was cut; ``keep_end`` characters of the end stay."""
    if len(text) <= width:
        return text
    keep_end = min(keep_end, max(0, width - 2))
    head = max(0, width - 1 - keep_end)
    return text[:head] + "…" + (text[len(text) - keep_end :] if keep_end else "")


#: Columns that shrink when the table is too narrow; the numbers keep their width.
FLEXIBLE = ("student", "lesson", "last_failure")
NARROWEST = 8
#: The end of a student's name survives a cut: the home hash of ``USER@HOST+HASH`` tells two guests apart.
STUDENT_END = 7


def column_widths(total: int, rows: list[dict[str, str]] | None = None, padding: int = 2) -> dict[str, int]:
    """Widths of :data:`COLUMNS` for a table ``total`` cells wide (each column also takes ``padding``).

    Each column is as wide as its widest cell (of ``rows``, as :meth:`StudentRow.cells`
    gives them) or header; while that is too wide, the widest of the student,
    lesson and failure columns gives up a cell (never below 8).
    """
    widths = {key: len(header) for header, key in COLUMNS}
    for row in rows or []:
        for key in widths:
            widths[key] = max(widths[key], len(row.get(key, "")))
    room = total - padding * len(COLUMNS)
    while sum(widths.values()) > room:
        widest = max(FLEXIBLE, key=lambda k: widths[k])
        if widths[widest] <= NARROWEST:
            break
        widths[widest] -= 1
    return widths
