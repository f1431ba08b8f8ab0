"""``jittutor progress``: a student's progress as one portable file, and an instructor's merge.

A student's export names its user and host, so files from a whole room can sit
in one shared directory as ``USER@HOST.json`` (each written atomically) and
``jittutor progress --collect DIR`` merges them into one table. Times are ISO
8601 in UTC. No jax, no textual here.
"""

from __future__ import annotations

import csv
import getpass
import io
import json
import os
import platform
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jittutor.lessons.catalogue import Catalogue
from jittutor.state.files import atomic_write_text
from jittutor.state.store import State

FORMAT_VERSION = 1
COLUMNS = (
    "user", "host", "lesson", "title", "status", "attempts", "hints_used",
    "first_attempt", "last_attempt", "passed_at", "jax_version", "device",
)  # fmt: skip
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def iso_utc(timestamp: float | None) -> str | None:
    """Unix time -> ``2025-01-31T09:15:02Z`` (None stays None)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def current_user() -> str:
    """The login name, or ``uidN`` where there is none."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return os.environ.get("USER") or f"uid{os.getuid()}"


def current_host() -> str:
    """This machine's short host name."""
    return platform.node() or "unknown-host"


def export_progress(state: State, catalogue: Catalogue, *, user: str | None = None, host: str | None = None) -> dict[str, Any]:
    """One student's progress over every lesson of the catalogue, in teaching order."""
    lessons = []
    for lesson in catalogue.lessons:
        entry = state.lesson(lesson.id)
        lessons.append(
            {
                "lesson": lesson.id,
                "title": lesson.title,
                "status": state.status(lesson.id),
                "attempts": entry.attempts,
                "hints_used": entry.hints_used,
                "first_attempt": iso_utc(entry.first_attempt),
                "last_attempt": iso_utc(entry.last_attempt),
                "passed_at": iso_utc(entry.passed_at),
                "jax_version": entry.jax_version,
                "device": entry.device,
            }
        )
    return {
        "jittutor_progress": FORMAT_VERSION,
        "user": user or current_user(),
        "host": host or current_host(),
        "exported_at": iso_utc(datetime.now(tz=timezone.utc).timestamp()),
        "lessons": lessons,
    }


def export_filename(user: str, host: str) -> str:
    """``USER@HOST.json`` with anything unsafe in a file name replaced."""
    return f"{_UNSAFE.sub('_', user) or 'user'}@{_UNSAFE.sub('_', host) or 'host'}.json"


def write_export(directory: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` to ``directory/USER@HOST.json`` atomically; returns the path."""
    path = directory / export_filename(str(data["user"]), str(data["host"]))
    atomic_write_text(path, json.dumps(data, indent=2) + "\n")
    return path


def publish(state: State, catalogue: Catalogue, directory: Path | None) -> Path | None:
    """After an attempt: refresh ``DIRECTORY/USER@HOST.json`` (the settings' progress directory); None: nothing."""
    if directory is None:
        return None
    return write_export(directory, export_progress(state, catalogue))


def rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One flat row per lesson, with the user and host on each (the CSV shape)."""
    return [{"user": data.get("user"), "host": data.get("host"), **entry} for entry in data.get("lessons", [])]


def to_csv(all_rows: list[dict[str, Any]]) -> str:
    """Rows as CSV with the export's columns."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in all_rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in COLUMNS})
    return out.getvalue()


@dataclass
class Collection:
    """Every student file found in a directory, and the files that could not be read."""

    students: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def lesson_ids(self) -> list[str]:
        """Every lesson id seen, in the order the files list them."""
        seen: dict[str, None] = {}
        for student in self.students:
            for entry in student.get("lessons", []):
                seen.setdefault(str(entry.get("lesson")), None)
        return list(seen)

    def rows(self) -> list[dict[str, Any]]:
        return [row for student in self.students for row in rows(student)]


def collect(directory: Path) -> Collection:
    """Read every ``*.json`` export in ``directory`` (hidden and temporary files are skipped)."""
    result = Collection()
    for path in sorted(directory.glob("*.json")):
        if path.name.startswith("."):
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or "jittutor_progress" not in data or not isinstance(data.get("lessons"), list):
                raise ValueError("not a jittutor progress export")
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            result.problems.append(f"{path}: skipped ({exc})")
            continue
        data.setdefault("user", path.stem.split("@")[0])
        data.setdefault("host", path.stem.partition("@")[2])
        data["file"] = path.name
        result.students.append(data)
    result.students.sort(key=lambda s: (str(s.get("user")), str(s.get("host"))))
    return result


_MARKS = {"done": "x", "in-progress": "~", "not-started": "."}


def format_export(data: dict[str, Any]) -> str:
    """One student's export as a text table."""
    lines = [f"progress of {data['user']}@{data['host']} (exported {data['exported_at']})", ""]
    header = ("lesson", "status", "attempts", "hints", "first attempt", "last attempt", "jax", "device")
    table = [header]
    for e in data["lessons"]:
        table.append(
            (
                e["lesson"], e["status"], str(e["attempts"]), str(e["hints_used"]),
                e["first_attempt"] or "-", e["last_attempt"] or "-", e["jax_version"] or "-", e["device"] or "-",
            )
        )  # fmt: skip
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    done = sum(1 for e in data["lessons"] if e["status"] == "done")
    lines += ["", f"{done} of {len(data['lessons'])} lessons done"]
    return "\n".join(lines)


def format_collection(collection: Collection) -> str:
    """Students down, lessons across: ``x`` done, ``~`` in progress, ``.`` not started."""
    ids = collection.lesson_ids()
    if not collection.students:
        return "no progress files found"
    names = [f"{s['user']}@{s['host']}" for s in collection.students]
    width = max(len(n) for n in names)
    lines = [f"{'':<{width}}  done  " + " ".join(f"{n + 1:>2}" for n in range(len(ids)))]
    for name, student in zip(names, collection.students, strict=True):
        status = {str(e.get("lesson")): e.get("status") for e in student.get("lessons", [])}
        marks = " ".join(f"{_MARKS.get(status.get(i) or '', ' '):>2}" for i in ids)
        done = sum(1 for v in status.values() if v == "done")
        lines.append(f"{name:<{width}}  {done:>4}  {marks}")
    lines.append("")
    lines.append("lessons: " + ", ".join(f"{n + 1} {i}" for n, i in enumerate(ids)))
    lines.append("x done, ~ in progress, . not started")
    return "\n".join(lines)
