"""Progress and drafts: atomic writes, damaged files kept aside, merging."""

from __future__ import annotations

import json
from pathlib import Path

from jittutor.state.files import atomic_write_text
from jittutor.state.store import State


def test_progress_round_trip(jittutor_home: Path) -> None:
    state = State.load()
    assert state.home == jittutor_home
    assert state.status("static-args") == "not-started"
    state.record_attempt("static-args", passed=False, device="cpu:0", jax_version="0.10.2")
    assert State.load().status("static-args") == "in-progress"
    state.record_attempt("static-args", passed=True, device="cpu:1", jax_version="0.10.2")
    state.record_attempt("static-args", passed=False, device="cpu:1", jax_version="0.10.2")
    again = State.load().lesson("static-args")
    assert again.status == "done"  # a later failed attempt does not undo a pass
    assert again.attempts == 3
    assert again.device == "cpu:1"
    assert again.first_attempt <= again.last_attempt


def test_hints_used_keeps_the_highest(jittutor_home: Path) -> None:
    state = State.load()
    state.record_hint("jit-basics", 2)
    state.record_hint("jit-basics", 1)
    assert State.load().lesson("jit-basics").hints_used == 2
    assert State.load().status("jit-basics") == "in-progress"


def test_drafts(jittutor_home: Path) -> None:
    state = State.load()
    assert state.load_draft("static-args") is None
    state.save_draft("static-args", "def f(x):\n    return x\n")
    assert State.load().load_draft("static-args") == "def f(x):\n    return x\n"
    assert state.status("static-args") == "in-progress"
    state.discard_draft("static-args")
    assert state.load_draft("static-args") is None
    assert (jittutor_home / "drafts" / "static-args.py.bak").exists()


def test_damaged_progress_is_kept_aside_and_reported(jittutor_home: Path) -> None:
    jittutor_home.mkdir(parents=True)
    (jittutor_home / "progress.json").write_text('{"version": 1, "lessons": {"a": {"stat')
    state = State.load()
    assert state.progress == {}
    assert len(state.warnings) == 1 and "damaged" in state.warnings[0]
    backups = list(jittutor_home.glob("progress.json.corrupt-*"))
    assert len(backups) == 1
    assert backups[0].read_text().startswith('{"version": 1')
    state.record_attempt("x", True, None, None)
    assert json.loads((jittutor_home / "progress.json").read_text())["lessons"]["x"]["status"] == "done"


def test_two_tutors_for_the_same_user_merge(jittutor_home: Path) -> None:
    first, second = State.load(), State.load()
    first.record_attempt("jit-basics", True, "cpu:0", "0.10.2")
    second.record_attempt("static-args", False, "cpu:0", "0.10.2")
    merged = State.load()
    assert merged.status("jit-basics") == "done"
    assert merged.status("static-args") == "in-progress"


def test_atomic_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "file.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


def test_a_read_only_state_keeps_this_session_in_memory_and_writes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    state = State(home=home, read_only="is read-only")
    state.record_attempt("static-args", passed=False, device="cpu:0", jax_version="0.10.2", ladder=("tracer-bool", 1))
    state.record_hint("static-args", 2, "tracer-bool")
    state.save_draft("static-args", "x = 1\n")
    state.remember("lesson", "static-args")
    entry = state.lesson("static-args")
    assert (entry.attempts, entry.ladder_revealed, entry.hints_used) == (1, 2, 2)
    assert not home.exists()
