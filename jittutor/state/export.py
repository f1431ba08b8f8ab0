"""``jittutor progress``: a student's progress as one portable file, and an instructor's merge.

A student's export names the student (:mod:`jittutor.state.identity`: the name
they chose, or ``USER@HOST+HASH``), so files from a whole room can sit in one
shared directory as ``STUDENT.json`` (each written atomically) and ``jittutor
progress --collect DIR`` or ``jittutor class DIR`` read them all. Each export
carries its home's ``home_id``: a file in the directory written for another
home is never replaced (the export goes to ``STUDENT~HOMEID.json``, or the
write is refused naming the file), and this home's older files (an earlier
name) are removed, so one student is one file. Exports of older versions
(``USER@HOST.json`` without ``student``) are still read. Times are ISO 8601 in
UTC. No jax, no textual here.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jittutor.errors import ConfigError
from jittutor.lessons.catalogue import Catalogue
from jittutor.state.files import atomic_write_text
from jittutor.state.identity import Identity, current_host, current_user, file_stem, identity_for
from jittutor.state.store import State

__all__ = ["current_host", "current_user"]  # kept here for callers of older versions

FORMAT_VERSION = 1
COLUMNS = (
    "user", "host", "lesson", "title", "status", "attempts", "hints_used",
    "first_attempt", "last_attempt", "passed_at", "jax_version", "device",
    "student", "last_failure",
)  # fmt: skip


class ExportConflict(OSError):
    """The export's file name is taken by another student's export; nothing was replaced."""


def iso_utc(timestamp: float | None) -> str | None:
    """Unix time -> ``2025-01-31T09:15:02Z`` (None stays None)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_progress(
    state: State,
    catalogue: Catalogue,
    *,
    user: str | None = None,
    host: str | None = None,
    identity: Identity | None = None,
) -> dict[str, Any]:
    """One student's progress over every lesson of the catalogue, in teaching order.

    ``identity`` defaults to the one of ``state.home`` (:func:`~jittutor.state.identity.identity_for`);
    ``current_lesson`` is the lesson of the most recent attempt (None before any).
    """
    if identity is None:
        identity = identity_for(state.home, user=user, host=host)
    lessons = []
    latest: tuple[float, str] | None = None
    for lesson in catalogue.lessons:
        entry = state.lesson(lesson.id)
        if entry.last_attempt is not None and (latest is None or entry.last_attempt >= latest[0]):
            latest = (entry.last_attempt, lesson.id)
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
                "last_failure": entry.last_failure,
            }
        )
    return {
        "jittutor_progress": FORMAT_VERSION,
        "student": identity.student,
        "user": identity.user,
        "host": identity.host,
        "home_id": identity.home_id,
        "exported_at": iso_utc(datetime.now(tz=timezone.utc).timestamp()),
        "current_lesson": latest[1] if latest is not None else None,
        "lessons": lessons,
    }


def export_filename(student: str, host: str | None = None) -> str:
    """The export's file name: ``STUDENT.json`` (older versions: ``USER@HOST.json``), safe in any directory."""
    return f"{file_stem(student if host is None else f'{student}@{host}')}.json"


def _home_id_of(path: Path) -> str | None:
    """The ``home_id`` of the export at ``path``; "" when the file is there but is no export of this version."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, UnicodeDecodeError):
        return ""
    return str(data.get("home_id") or "") if isinstance(data, dict) else ""


def export_path(directory: Path, data: dict[str, Any]) -> Path:
    """Where ``data`` goes: ``STUDENT.json``, or ``STUDENT~HOMEID.json`` when another home's file has that name.

    A file is this student's when its ``home_id`` is ``data``'s. Raises
    :class:`ExportConflict` (naming the file) when both names are taken by others.
    """
    mine = str(data.get("home_id") or "")
    student = str(data.get("student") or f"{data.get('user')}@{data.get('host')}")
    names = [export_filename(student)]
    if mine:
        names.append(f"{file_stem(student)}~{mine}.json")
    for name in names:
        owner = _home_id_of(directory / name)
        if owner is None or (mine and owner == mine):
            return directory / name
    raise ExportConflict(
        f"{directory / names[-1]}: written for another student (a different JITTUTOR_HOME); not replaced. "
        "Choose another name with: jittutor config name NAME"
    )


def _remove_my_other_exports(directory: Path, keep: Path, home: str) -> None:
    # The same student under an earlier name (before `jittutor config name`): one student, one row.
    for path in directory.glob("*.json"):
        if path != keep and not path.name.startswith(".") and _home_id_of(path) == home:
            try:
                path.unlink()
            except OSError:
                continue


def write_export(directory: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` atomically to its file in ``directory`` (:func:`export_path`); returns the path.

    Never replaces another student's file; removes this home's files under other names.
    """
    path = export_path(directory, data)
    atomic_write_text(path, json.dumps(data, indent=2) + "\n")
    if data.get("home_id"):
        _remove_my_other_exports(directory, path, str(data["home_id"]))
    return path


def publish(state: State, catalogue: Catalogue, directory: Path | None) -> Path | None:
    """After an attempt: refresh this student's file in ``directory`` (the settings' progress directory); None: nothing.

    Every failure is an :class:`OSError` whose message names the file or the
    setting (a name taken by another student, a bad ``JITTUTOR_STUDENT``).
    """
    if directory is None:
        return None
    try:
        data = export_progress(state, catalogue)
    except ConfigError as exc:
        raise ExportConflict(str(exc)) from None
    return write_export(directory, data)


def rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One flat row per lesson, with the student, user and host on each (the CSV shape)."""
    who = {"student": data.get("student"), "user": data.get("user"), "host": data.get("host")}
    return [{**who, **entry} for entry in data.get("lessons", [])]


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
            if (
                not isinstance(data, dict)
                or "jittutor_progress" not in data
                or not isinstance(data.get("lessons"), list)
            ):
                raise ValueError("not a jittutor progress export")
            if not all(isinstance(e, dict) and isinstance(e.get("lesson"), str) for e in data["lessons"]):
                raise ValueError("a lesson entry is not an object with a 'lesson' id")
        except (OSError, ValueError, UnicodeDecodeError, RecursionError) as exc:
            result.problems.append(f"{path}: skipped ({exc})")
            continue
        data.setdefault("user", path.stem.split("@")[0])
        data.setdefault("host", path.stem.partition("@")[2])
        if not isinstance(data.get("student"), str) or not data["student"]:
            data["student"] = f"{data['user']}@{data['host']}"  # an older version's export
        data["file"] = path.name
        result.students.append(data)
    result.students.sort(key=lambda s: (str(s.get("student")), str(s.get("file"))))
    return result


_MARKS = {"done": "x", "in-progress": "~", "not-started": "."}


def format_export(data: dict[str, Any]) -> str:
    """One student's export as a text table."""
    lines = [
        f"progress of {data.get('student') or data['user'] + '@' + data['host']} (exported {data['exported_at']})",
        "",
    ]
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
    names = [str(s["student"]) for s in collection.students]
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
