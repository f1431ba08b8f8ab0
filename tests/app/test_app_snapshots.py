"""SVG snapshots of the main screen, the results table and the help screen, at 80x24 and 120x40.

Deterministic: a fake pool returns canned reports with fixed timings, verdicts
have fixed words, lessons are pinned copies, the cursor does not blink.
Regenerate with ``pytest tests/app/test_app_snapshots.py --snapshot-update`` and
look at the SVGs before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest
import textual
from app_support import PINNED_LESSONS, FakePool, canned_grade, settle, wait_for
from textual.pilot import Pilot

from jittutor.app.app import JitTutorApp
from jittutor.app.screens.main import MainScreen
from jittutor.lessons.catalogue import load_catalogue
from jittutor.state.store import State

#: The baselines were drawn by this Textual; another version draws differently without any regression.
SNAPSHOT_TEXTUAL = "8.2.8"
pytestmark = pytest.mark.skipif(
    textual.__version__ != SNAPSHOT_TEXTUAL,
    reason=f"snapshots were generated with Textual {SNAPSHOT_TEXTUAL}, this is {textual.__version__}: "
    "install that version (pyproject pins it) or regenerate with --snapshot-update and review the SVGs",
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> JitTutorApp:
    monkeypatch.setattr("jittutor.tutoring.session.grade", canned_grade)
    catalogue = load_catalogue([PINNED_LESSONS])
    return JitTutorApp("static-args", catalogue=catalogue, state=State.load(), pool=FakePool(), blink=False)


async def _ready(pilot: Pilot[Any]) -> MainScreen:
    app = pilot.app
    assert isinstance(app, JitTutorApp)
    await wait_for(pilot, lambda: app.device == "cpu:0", "the fake worker")
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def _run(pilot: Pilot[Any], screen: MainScreen) -> None:
    before = screen.runs_finished
    await pilot.press("f5")
    await wait_for(pilot, lambda: screen.runs_finished > before, "the canned run")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_main_screen_with_error_and_hints(snap_compare: Any, app: JitTutorApp, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        screen = await _ready(pilot)
        await _run(pilot, screen)
        await pilot.press("f3")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_results_table_after_passing(snap_compare: Any, app: JitTutorApp, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        screen = await _ready(pilot)
        screen.editor.load_text(app.catalogue.get("static-args").solution)
        await _run(pilot, screen)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare: Any, app: JitTutorApp, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _ready(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
