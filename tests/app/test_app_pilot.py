"""The app driven by Pilot against a real JAX worker: errors, hints, passing, drafts, devices, faults."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from app_support import run_async, settle, wait_for
from textual.widgets import Static

from jittutor.app.app import JitTutorApp
from jittutor.app.screens.device_picker import DevicePickerScreen
from jittutor.app.screens.main import AUTOSAVE_DELAY, MainScreen
from jittutor.app.widgets.error_panel import ErrorPanel
from jittutor.app.widgets.hints_panel import HintsPanel
from jittutor.app.widgets.lesson_list import LessonList
from jittutor.app.widgets.results_table import ResultsTable
from jittutor.engine.pool import WorkerPool
from jittutor.state.store import State

pytestmark = pytest.mark.slow

SIZE = (120, 40)


def make_app(pool: WorkerPool, lesson_id: str | None = "static-args", **kwargs: object) -> JitTutorApp:
    # The shipped static-args asks a predict question before its first run; test_app_screens covers that.
    kwargs.setdefault("ask_predictions", False)
    return JitTutorApp(lesson_id, pool=pool, state=State.load(), blink=False, run_timeout=30.0, **kwargs)


def main_screen(app: JitTutorApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def ready(pilot, app: JitTutorApp) -> MainScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.worker_status == "ready" and bool(app.devices), "the worker to be ready")
    return main_screen(app)


async def run(pilot, screen: MainScreen, key: str = "f5") -> None:  # type: ignore[no-untyped-def]
    """Press the run key and wait until its result is on screen."""
    before = screen.runs_finished
    await pilot.press(key)
    await wait_for(pilot, lambda: screen.runs_finished > before, "the run to finish")
    await settle(pilot)


@run_async
async def test_error_hints_pass_and_draft(real_pool: WorkerPool, jittutor_home: Path) -> None:
    lesson_id = "static-args"
    app = make_app(real_pool)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot, app)
        lesson = app.catalogue.get(lesson_id)
        assert screen.editor.text == lesson.starter

        await run(pilot, screen)
        errors = screen.query_one(ErrorPanel)
        hints = screen.query_one(HintsPanel)
        assert "TracerBoolConversionError" in errors.plain
        assert "Attempted boolean conversion of traced array" in errors.plain  # JAX's own words
        assert screen.current_ladder().rungs, "a failing run offers hints"
        assert screen.current_ladder().rungs[0] in hints.markdown_text
        assert screen.current_ladder().rungs[1] not in hints.markdown_text
        assert screen.tabs.active == "tab-feedback"
        # The offending line is marked in the editor (not selected: typing must not replace it), the cursor on it.
        assert screen.editor.error_line == 7
        assert screen.editor.cursor_location == (6, 4)
        assert screen.editor.selected_text == ""
        assert screen.verdict_line.message.startswith("NOT YET")

        await pilot.press("f3")
        assert screen.current_ladder().rungs[1] in hints.markdown_text
        assert State.load().lesson(lesson_id).hints_used == 2

        screen.editor.replace_text(lesson.solution)
        await run(pilot, screen)
        assert screen.verdict is not None and screen.verdict.passed
        assert screen.verdict_line.message.startswith("PASSED")
        assert State.load().status(lesson_id) == "done"
        marks = [str(screen.query_one(LessonList).get_option(lesson.id).prompt)]
        assert marks[0].startswith("[x]")
        rows = screen.query_one(ResultsTable).plain_rows
        assert len(rows) == len(lesson.cases) and all(row[3] == "yes" for row in rows)
        # What the numbers mean, from the same core notes the CLI prints.
        notes = str(screen.query_one("#results-notes", Static).render())
        assert "What the numbers mean" in notes and "compilation" in notes
        assert [n.text for n in screen.verdict.notes] and all(n.id for n in screen.verdict.notes)

        # Edit, and quit before the autosave fires: quitting saves the draft.
        screen.editor.replace_text(lesson.solution + "# my note\n")
        await pilot.press("ctrl+q")

    draft = (jittutor_home / "drafts" / f"{lesson_id}.py").read_text()
    assert draft.endswith("# my note\n")

    again = make_app(real_pool, lesson_id=None)  # no --lesson: reopens the lesson the student was on
    async with again.run_test(size=SIZE) as pilot:
        screen = main_screen(again)
        await pilot.pause()
        assert screen.lesson is not None and screen.lesson.id == lesson_id
        assert screen.editor.text == draft


@run_async
async def test_autosave_after_a_pause(real_pool: WorkerPool, jittutor_home: Path) -> None:
    app = make_app(real_pool)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await pilot.pause()
        screen.editor.focus()
        path = jittutor_home / "drafts" / "static-args.py"
        typed = time.monotonic()
        await pilot.press("end", "x")
        if time.monotonic() - typed < AUTOSAVE_DELAY:  # a starved loop may already be past the pause
            assert not path.exists(), "saved at the keystroke, not after a pause"
        await wait_for(pilot, path.exists, "the debounced autosave")
        assert path.read_text() == screen.editor.text
        assert State.load().status("static-args") == "in-progress"


@run_async
async def test_terminate_signal_saves_the_draft(real_pool: WorkerPool, jittutor_home: Path) -> None:
    app = make_app(real_pool)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await pilot.pause()
        screen.editor.replace_text("# saved by SIGTERM\n")
        app._on_terminate(signal.SIGTERM)
        await pilot.pause()
    assert app.return_code == 128 + signal.SIGTERM
    assert (jittutor_home / "drafts" / "static-args.py").read_text() == "# saved by SIGTERM\n"


@run_async
async def test_device_switch_runs_on_cpu1(real_pool: WorkerPool, jittutor_home: Path) -> None:
    app = make_app(real_pool)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot, app)
        assert app.device == "cpu:0"
        await pilot.press("f4")
        assert isinstance(app.screen, DevicePickerScreen)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.device == "cpu:1", "the chosen device")
        assert screen.report is None, "switching the device runs nothing by itself"
        assert State.load().remembered()["device"] == "cpu:1"

        screen.editor.replace_text(app.catalogue.get("static-args").solution)
        await run(pilot, screen)
        assert screen.report is not None and screen.report.device == "cpu:1"
        assert "on cpu:1" in str(screen.query_one("#results-summary").render())

    # The choice is remembered.
    again = make_app(real_pool)
    async with again.run_test(size=SIZE) as pilot:
        await ready(pilot, again)
        assert again.device == "cpu:1"


LOOP_FOREVER = """import jax
import jax.numpy as jnp
open({marker!r}, "w").close()


def cond_func(x):
    while True:
        pass
"""

SLEEP_LONG = """import time
import jax
open({marker!r}, "w").close()


def cond_func(x):
    time.sleep(60)
    return x
"""


@run_async
async def test_cancel_a_run_then_run_again(real_pool: WorkerPool, tmp_path: Path) -> None:
    marker = tmp_path / "started"
    app = make_app(real_pool)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot, app)
        screen.editor.replace_text(LOOP_FOREVER.format(marker=str(marker)))
        await pilot.press("f5")
        await wait_for(pilot, marker.exists, "the student's code to start running")
        await pilot.press("f6")
        await wait_for(pilot, lambda: not screen.running, "the cancelled run to stop", timeout=30)
        assert screen.verdict_line.tone == "cancelled"
        assert "CANCELLED" in screen.verdict_line.message

        screen.editor.replace_text(app.catalogue.get("static-args").solution)
        await run(pilot, screen)
        assert screen.verdict is not None and screen.verdict.passed


@run_async
async def test_a_second_run_cancels_the_first(real_pool: WorkerPool, tmp_path: Path) -> None:
    marker = tmp_path / "started"
    app = make_app(real_pool)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot, app)
        screen.editor.replace_text(LOOP_FOREVER.format(marker=str(marker)))
        await pilot.press("f5")
        await wait_for(pilot, marker.exists, "the student's code to start running")
        screen.editor.replace_text(app.catalogue.get("static-args").solution)
        await pilot.press("f5")  # while the endless loop still runs
        await wait_for(
            pilot, lambda: screen.verdict is not None and screen.verdict.passed, "the new code to pass", timeout=60
        )
        await settle(pilot)
        assert not screen.running


@run_async
async def test_worker_killed_mid_run_then_recovers(real_pool: WorkerPool, tmp_path: Path) -> None:
    marker = tmp_path / "started"
    app = make_app(real_pool)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot, app)
        screen.editor.replace_text(SLEEP_LONG.format(marker=str(marker)))
        await pilot.press("f5")
        await wait_for(pilot, marker.exists, "the student's code to start running")
        assert real_pool._active is not None
        os.killpg(real_pool._active.pid, signal.SIGKILL)
        await wait_for(pilot, lambda: not screen.running, "the crashed run to be reported", timeout=30)
        await settle(pilot)
        assert screen.report is not None and screen.report.error is not None
        assert screen.report.error.kind == "worker-crashed"
        assert "WorkerCrashed" in screen.query_one(ErrorPanel).plain
        assert screen.verdict_line.message.startswith("NOT YET")

        screen.editor.replace_text(app.catalogue.get("static-args").solution)
        await run(pilot, screen)
        assert screen.verdict is not None and screen.verdict.passed
        await wait_for(pilot, lambda: app.worker_status == "ready", "the status line to say ready")


@run_async
async def test_playground_runs_any_function(real_pool: WorkerPool) -> None:
    from jittutor.app.screens.playground import PlaygroundScreen

    app = make_app(real_pool)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("f12")
        screen = app.screen
        assert isinstance(screen, PlaygroundScreen)
        await pilot.press("f5")
        await wait_for(pilot, lambda: not screen.running, "the playground run")
        await settle(pilot)
        assert screen.verdict is not None and screen.verdict.passed, screen.verdict
        rows = screen.query_one(ResultsTable).plain_rows
        assert [row[0] for row in rows] == ["jnp.arange(4.0)", "1.0"]
        await pilot.press("f12")
        assert isinstance(app.screen, MainScreen)
