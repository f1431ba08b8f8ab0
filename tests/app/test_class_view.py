"""`jittutor class DIR`: the instructor's live view, with pilot tests on a room of students and once in tmux at 80x24."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from app_support import run_async, settle, wait_for
from room_support import NOW, build_room, write_student
from support import REPO, worker_env
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from jittutor.app.class_app import ClassApp
from jittutor.app.screens.class_view import ClassScreen, StudentScreen

ORDER = ["bob", "dee", "cy", "eve", "ada"]
HOUR = 3600.0  # far longer than any test: the timer never fires unless a test asks for it


def table_rows(screen: Any, selector: str = "#class-table") -> list[list[str]]:
    table = screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def students(screen: Any) -> list[str]:
    return [row[0] for row in table_rows(screen)]


async def read(pilot: Pilot[Any]) -> ClassScreen:
    await wait_for(
        pilot,
        lambda: isinstance(pilot.app.screen, ClassScreen) and pilot.app.screen.room is not None,
        "the first read",
        30,
    )
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ClassScreen)
    return screen


@run_async
async def test_rows_stuck_longest_first(tmp_path: Path) -> None:
    app = ClassApp(build_room(tmp_path), every=HOUR, clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await read(pilot)
        assert students(screen) == ORDER
        assert table_rows(screen)[0] == ["bob", "static-args", "0/25", "tracer-bool", "25m", "3", "2"]
        assert table_rows(screen)[2] == ["cy", "jit-basics", "0/25", "shape-mismatch", "5m", "1", "0"]
        assert table_rows(screen)[-1][3] == "(passed)"
        title = str(screen.query_one("#class-title", Static).render())
        assert "5 students" in title
        problems = screen.query_one("#class-problems", Static)
        assert problems.display and "broken.json" in str(problems.render())


@run_async
async def test_r_rereads_after_a_file_changes(tmp_path: Path) -> None:
    room = build_room(tmp_path)
    app = ClassApp(room, every=HOUR, clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await read(pilot)
        # bob passes static-args a minute ago; a new student arrives; the broken file is fixed.
        write_student(room, tmp_path / "bob", "bob", {"static-args": [None]}, {"static-args": 1})
        write_student(room, tmp_path / "fay", "fay", {"loops": ["tracer-bool"] * 9}, {"loops": 40})
        (room / "broken.json").unlink()
        await pilot.press("r")
        await wait_for(pilot, lambda: students(screen)[:1] == ["fay"], "the re-read")
        await settle(pilot)
        assert students(screen) == ["fay", "dee", "cy", "eve", "ada", "bob"]  # done: longest since too
        bob = table_rows(screen)[5]
        assert bob[1:5] == ["static-args", "1/25", "(passed)", "1m"] and bob[5] == "4"
        assert not screen.query_one("#class-problems", Static).display


@run_async
async def test_the_timer_rereads_by_itself(tmp_path: Path) -> None:
    room = build_room(tmp_path)
    app = ClassApp(room, every=0.05, clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await read(pilot)
        assert "gus" not in students(screen)
        write_student(room, tmp_path / "gus", "gus", {"loops": ["tracer-bool"]}, {"loops": 90})
        await wait_for(pilot, lambda: students(screen)[:1] == ["gus"], "the timer's next read", timeout=30)
        assert table_rows(screen)[0][4] == "1h30"


@run_async
async def test_enter_shows_the_students_attempts(tmp_path: Path) -> None:
    room = build_room(tmp_path)
    app = ClassApp(room, every=HOUR, clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await read(pilot)
        await pilot.press("down")  # dee
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: isinstance(app.screen, StudentScreen) and app.screen.is_mounted, "the student's screen"
        )
        detail = app.screen
        assert isinstance(detail, StudentScreen) and detail.row.student == "dee"
        assert table_rows(detail, "#student-table") == [["jit-basics", "in-progress", "4", "0", "tracer-bool", "5m"]]
        assert "24 lessons not started" in str(detail.query_one("#student-note", Static).render())
        # It follows the room: a new attempt shows after the next read.
        write_student(room, tmp_path / "dee", "dee", {"static-args": ["tracer-bool"]}, {"static-args": 0})
        screen.reread()
        await settle(pilot)
        assert [row[0] for row in table_rows(detail, "#student-table")] == ["jit-basics", "static-args"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "the room again")
        assert screen.selected_file() == "dee.json"
        await pilot.press("q")
    assert app.return_code in (0, None)


@run_async
async def test_an_empty_or_missing_directory_is_not_a_crash(tmp_path: Path) -> None:
    app = ClassApp(tmp_path / "not-yet", every=HOUR, clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await read(pilot)
        assert students(screen) == []
        assert "not a directory" in str(screen.query_one("#class-problems", Static).render())
        await pilot.press("enter")  # nothing to open
        await settle(pilot)
        assert app.screen is screen


# --- in a real terminal ----------------------------------------------------------------

TMUX = shutil.which("tmux")


@pytest.mark.slow
@pytest.mark.skipif(TMUX is None, reason="tmux is not installed: the real-terminal test drives the view through it")
def test_class_view_in_tmux_at_80x24_without_color(tmp_path: Path) -> None:
    assert TMUX is not None
    room = build_room(tmp_path)
    socket = f"jittutor-class-{os.getpid()}"
    env = worker_env(JITTUTOR_HOME=str(tmp_path / "home"))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    command = shlex.join(
        ["env", "-u", "COLUMNS", "-u", "LINES", "TERM=xterm-256color", "NO_COLOR=1", f"PYTHONPATH={env['PYTHONPATH']}",
         f"JITTUTOR_HOME={env['JITTUTOR_HOME']}", sys.executable, "-m", "jittutor", "class", str(room)]
    )  # fmt: skip

    def tmux(*args: str) -> str:
        return subprocess.run([TMUX, "-L", socket, *args], capture_output=True, text=True, timeout=30).stdout

    def wait_for_screen(found: Any, what: str) -> str:
        deadline = time.monotonic() + 60
        while True:
            text = tmux("capture-pane", "-p", "-t", "class")
            if found(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{text}")
            time.sleep(0.2)

    tmux("-f", "/dev/null", "new-session", "-d", "-s", "class", "-x", "80", "-y", "24", "-c", str(REPO), command)
    try:
        # The title, the rows and the footer can arrive in different frames: wait for all of them.
        text = wait_for_screen(
            lambda t: "5 students" in t and "tracer-bool" in t and "broken.json" in t and "q Quit" in t, "the room"
        )
        lines = text.splitlines()
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
        order = [line.split()[0] for line in lines if line.split() and line.split()[0] in ORDER]
        assert order == ORDER, text
        assert "tracer-bool" in text and "broken.json" in text and "q Quit" in text
        tmux("send-keys", "-t", "class", "Enter")
        wait_for_screen(lambda t: "bob (bob.json): on static-args" in t, "bob's attempts")
        tmux("send-keys", "-t", "class", "Escape")
        wait_for_screen(lambda t: "5 students" in t, "the room again")
        tmux("send-keys", "-t", "class", "q")
        wait_for_screen(lambda t: "5 students" not in t, "the view to quit")
    finally:
        tmux("kill-server")
