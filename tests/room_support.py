"""A room of students for the instructor's view: real homes, real progress, exports written by the export functions."""

from __future__ import annotations

from pathlib import Path

from jittutor.lessons.catalogue import load_catalogue
from jittutor.state.export import export_progress, write_export
from jittutor.state.identity import identity_for
from jittutor.state.store import State

NOW = 1_750_000_000.0  # a fixed "now" for the screen's clock, so the idle minutes are known


def write_student(
    directory: Path,
    home: Path,
    name: str | None,
    attempts: dict[str, list[str | None]],
    minutes_ago: dict[str, float],
    hints: dict[str, int] | None = None,
    now: float = NOW,
) -> Path:
    """Record ``attempts`` (per lesson: a failure kind, or None for a pass) in ``home`` and publish its export.

    ``minutes_ago`` sets each lesson's last attempt relative to ``now``.
    """
    state = State.load(home)
    for lesson, results in attempts.items():
        for failure in results:
            state.record_attempt(lesson, failure is None, "cpu:0", "0.4.30", failure=failure)
    for lesson, shown in (hints or {}).items():
        state.record_hint(lesson, shown, "tracer-bool")
    for lesson, ago in minutes_ago.items():
        state.progress[lesson].last_attempt = now - ago * 60
    data = export_progress(state, load_catalogue(), identity=identity_for(home, name))
    return write_export(directory, data)


def build_room(root: Path) -> Path:
    """Five students and a broken file; stuck longest first: bob, dee, cy, eve, ada."""
    room = root / "room"
    write_student(
        room,
        root / "ada",
        "ada",
        {"jit-basics": [None], "static-args": ["tracer-bool", None]},
        {"jit-basics": 30, "static-args": 2},
    )
    write_student(
        room, root / "bob", "bob", {"static-args": ["tracer-bool"] * 3}, {"static-args": 25}, hints={"static-args": 2}
    )
    write_student(room, root / "cy", "cy", {"jit-basics": ["shape-mismatch"]}, {"jit-basics": 5})
    write_student(
        room,
        root / "dee",
        "dee",
        {"jit-basics": ["tracer-bool", "tracer-bool", "concretization", "tracer-bool"]},
        {"jit-basics": 5},
    )
    write_student(room, root / "eve", "eve", {}, {})
    (room / "broken.json").write_text("{not json")
    return room
