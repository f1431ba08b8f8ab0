"""A home the tutor cannot write to: read-only, or a full disk. One clear message, nothing lost, no traceback.

These run against real file systems (a small tmpfs, remounted read-only or filled
up), so what the student sees is what the kernel says (EROFS, ENOSPC).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import fill, jittutor, own_filesystem, remount_read_only, worker_env

from jittutor.state.store import State

STARTER_LIKE = "import jax\n\n\n@jax.jit\ndef cond_func(x):\n    if x < 0.0:\n        return x ** 2.0\n    return x\n"
SAVED = {
    "version": 1,
    "lessons": {"static-args": {"status": "in-progress", "attempts": 3, "ladder": "tracer-bool", "ladder_revealed": 2}},
}


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file's bytes (the empty ``.lock`` a writer opens is not state)."""
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with own_filesystem(tmp_path / "disk", size="512k") as mounted:
        yield mounted


def saved_home(
    disk: Path, tmp_path: Path, make_unwritable: Callable[[Path], None]
) -> tuple[Path, Path, dict[str, str]]:
    """A home on ``disk`` with saved progress, made unwritable; the student's file; the CLI's environment."""
    home = disk / "home"
    home.mkdir()
    (home / "progress.json").write_text(json.dumps(SAVED))
    make_unwritable(disk)
    student = tmp_path / "mine.py"
    student.write_text(STARTER_LIKE)
    return home, student, worker_env(JITTUTOR_HOME=str(home))


def test_a_read_only_home_is_read_said_once_and_never_written(disk: Path, tmp_path: Path) -> None:
    home, student, env = saved_home(disk, tmp_path, remount_read_only)
    before = snapshot(home)

    listed = jittutor("list", env=env, timeout=60)
    assert listed.returncode == 0 and "Traceback" not in listed.stderr
    assert "[~] static-args" in listed.stdout  # what was saved before is still shown

    checked = jittutor("check", "static-args", str(student), env=env)
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    warnings = [line for line in checked.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {home}: is read-only; progress, hints and drafts will not be saved this session "
        "(set JITTUTOR_HOME to a writable directory to keep them)"
    ]
    assert "hints (2 of 4)" in checked.stdout  # the saved ladder goes on where it was

    hint = jittutor("hint", "static-args", str(student), env=env, timeout=60)
    assert hint.returncode == 0 and hint.stdout.startswith("Hint 3 of") and "Traceback" not in hint.stderr
    assert snapshot(home) == before


def test_a_read_only_home_with_damaged_progress_still_opens(disk: Path) -> None:
    home = disk / "home"
    home.mkdir()
    (home / "progress.json").write_text('{"lessons": {broken')
    remount_read_only(disk)
    out = jittutor("list", env=worker_env(JITTUTOR_HOME=str(home)), timeout=60)
    assert out.returncode == 0 and "Traceback" not in out.stderr
    assert "progress file is damaged" in out.stderr and "left it as it is (the home is read-only)" in out.stderr
    assert (home / "progress.json").read_text() == '{"lessons": {broken'


def test_a_full_disk_during_check_keeps_the_old_progress_whole(disk: Path, tmp_path: Path) -> None:
    home, student, env = saved_home(disk, tmp_path, fill)
    before = snapshot(home)

    checked = jittutor("check", "static-args", str(student), env=env)
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert "warning: Could not save your progress: [Errno 28] No space left on device" in checked.stderr
    assert "not yet: tracer-bool" in checked.stdout  # the verdict is given all the same

    hint = jittutor("hint", "static-args", str(student), env=env, timeout=60)
    assert hint.returncode == 0 and "Traceback" not in hint.stderr
    assert "Could not save that hint 3 was shown (No space left on device)" in hint.stderr

    assert snapshot(home) == before  # no half-written progress, no temporary file left
    assert State.load(home).lesson("static-args").attempts == 3


def test_start_on_a_full_disk_says_so_and_leaves_no_empty_file(disk: Path) -> None:
    fill(disk)
    out = jittutor("start", "static-args", str(disk / "work"), timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert f"{disk / 'work'}" in out.stderr and "No space left on device" in out.stderr
    assert not (disk / "work" / "static-args.py").exists()
