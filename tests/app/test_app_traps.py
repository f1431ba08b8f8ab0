"""The app's traps (issue 10.5), one pilot test each: navigating never edits, the focus is visible
without colour, and every pane says what it holds."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from app_support import PINNED_LESSONS, FakePool, error_report, failed_run, make_app, ready, run_async, settle, wait_for
from textual.pilot import Pilot

from jittutor.app.app import JitTutorApp
from jittutor.app.screens.main import MainScreen
from jittutor.app.screens.predict import PredictScreen
from jittutor.app.widgets.code_editor import FOCUS_MARK
from jittutor.app.widgets.hints_panel import docs_content
from jittutor.app.widgets.result_panes import ResultPanes
from jittutor.app.widgets.results_table import ResultsTable
from jittutor.engine.pool import RunCancelled
from jittutor.engine.protocol import RunReport, RunRequest, ValueSummary
from jittutor.lessons.catalogue import Catalogue, load_catalogue
from jittutor.lessons.model import Predict
from jittutor.state.store import State
from jittutor.tutoring.predict import quotes_the_fix


class BlockingPool(FakePool):
    """A run that lasts until the test releases it or the student cancels it."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.stop = threading.Event()
        self.closed = threading.Event()  # the app quits: no run may outlive it (a failed test would hang)

    def close(self) -> None:
        self.closed.set()

    def run(self, request: RunRequest, timeout: float = 10.0) -> RunReport:
        self.requests.append(request)
        self.stop.clear()
        while not self.release.is_set() and not self.closed.is_set():
            if self.stop.wait(0.01):
                raise RunCancelled("cancelled")
        return error_report(request.device or "cpu:0")

    def cancel(self) -> None:
        self.cancelled += 1
        self.stop.set()


@run_async
async def test_escape_and_tab_after_a_failed_run_never_edit_the_code() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        before = screen.editor.text
        await failed_run(pilot, screen)
        assert screen.editor.error_line == 7
        await pilot.press("escape")
        for _ in range(6):
            await pilot.press("tab")
            assert screen.focused is not screen.editor
        for _ in range(6):
            await pilot.press("shift+tab")
            assert screen.focused is not screen.editor
        assert screen.editor.text == before
        await pilot.press("alt+0")
        await wait_for(pilot, lambda: screen.focused is screen.editor, "the editor's focus")


@run_async
async def test_alt_keys_open_each_pane_and_the_focus_is_marked_in_text() -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await ready(pilot)
        await pilot.pause()
        assert screen.editor.border_title == f"{FOCUS_MARK}static-args.py"
        panes = screen.query_one(ResultPanes)
        for key, name in (("alt+1", "lesson"), ("alt+2", "feedback"), ("alt+3", "results"), ("alt+4", "output")):
            await pilot.press(key)
            await wait_for(
                pilot,
                lambda: (
                    screen.focused is not None
                    and panes in screen.focused.ancestors
                    and panes.get_tab(panes.active).label.plain.startswith(FOCUS_MARK)
                    and screen.editor.border_title == "static-args.py"
                ),
                "the pane's focus, marked on its tab",
            )
            assert panes.current == name
            # A character, not a colour: it reads the same with NO_COLOR.
            assert panes.get_tab(f"tab-{name}").label.plain.startswith(FOCUS_MARK)
            assert screen.editor.border_title == "static-args.py"
        await pilot.press("alt+0")
        await wait_for(
            pilot,
            lambda: not any(panes.get_tab(f"tab-{n}").label.plain.startswith(FOCUS_MARK) for n in panes.names),
            "the panes' focus mark to go",
        )


async def in_pane(pilot: Pilot[Any], screen: MainScreen, name: str) -> None:
    """Wait until pane ``name`` is in front with the focus in it, then check it stays so."""
    panes = screen.panes

    def there() -> bool:
        focused = screen.focused
        return panes.current == name and focused is not None and panes.get_pane(f"tab-{name}") in focused.ancestors

    await wait_for(pilot, there, f"the {name} pane in front with the focus")
    await settle(pilot)
    assert there(), (panes.current, screen.focused)


@run_async
async def test_two_alt_keys_in_one_burst_end_on_the_second_pane() -> None:
    """tmux and SSH deliver keys typed quickly in one read: the last alt+N wins, focus and all."""
    from textual import events
    from textual._xterm_parser import XTermParser

    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await ready(pilot)
        for burst, name in (("\x1b3\x1b4", "output"), ("\x1b2\x1b3\x1b4", "output"), ("\x1b4\x1b1", "lesson")):
            focused = screen.focused
            assert focused is not None
            for key in XTermParser().feed(burst):
                focused.post_message(events.Key(key.key, key.character))
            await in_pane(pilot, screen, name)


@run_async
async def test_the_focus_follows_when_its_pane_is_sent_to_the_back() -> None:
    """A run, a hint or F9 brings another pane to the front: a student who was in the old one keeps a focus."""
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await ready(pilot)
        await pilot.press("alt+4")
        await in_pane(pilot, screen, "output")
        await failed_run(pilot, screen)  # a failure brings Feedback to the front
        await in_pane(pilot, screen, "feedback")
        await pilot.press("alt+3")
        await in_pane(pilot, screen, "results")
        await pilot.press("f3")  # the next hint shows in Feedback
        await in_pane(pilot, screen, "feedback")
        await pilot.press("alt+0")
        await wait_for(pilot, lambda: screen.focused is screen.editor, "the editor's focus")
        await failed_run(pilot, screen)
        assert screen.focused is screen.editor, "a focus in the editor stays there"


@run_async
async def test_alt_down_from_another_pane_scrolls_the_lesson_by_a_page() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        pane = screen.query_one("#lesson-pane")
        await pilot.press("alt+down")  # the lesson is in front: one page
        await wait_for(pilot, lambda: pane.scroll_y > 0, "the lesson to scroll")
        page = pane.scroll_y
        assert page > 1, "a page, not a line"
        await pilot.press("alt+up", "alt+3")
        await wait_for(pilot, lambda: pane.scroll_y == 0 and screen.panes.current == "results", "results in front")
        await pilot.press("alt+down")  # from another pane: the same page
        await wait_for(pilot, lambda: pane.scroll_y > 0, "the lesson to scroll")
        assert screen.panes.current == "lesson" and pane.scroll_y == page


@run_async
async def test_the_lesson_scrolls_from_the_editor_and_says_how() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert "alt+↓" in screen.verdict_line.message and "scroll" in screen.verdict_line.message
        pane = screen.query_one("#lesson-pane")
        await pilot.press("alt+3")
        await pilot.press("alt+0")
        await pilot.press("alt+down")
        await wait_for(pilot, lambda: pane.scroll_y > 0, "the lesson to scroll down")
        assert screen.panes.current == "lesson"
        await wait_for(pilot, lambda: screen.focused is screen.editor, "the editor's focus")
        await pilot.press("alt+up")
        await wait_for(pilot, lambda: pane.scroll_y == 0, "the lesson to scroll back up")


def printing_pool(eager: str, jit: str = "") -> FakePool:
    """A fake worker whose failing run printed ``eager`` in case 1 and ``jit`` in case 2."""
    pool = FakePool()
    original = pool.run

    def run(request: RunRequest, timeout: float = 10.0) -> RunReport:
        report = original(request, timeout)
        report.cases[0].eager.output = eager
        report.cases[1].jit.output = jit
        return report

    pool.run = run  # type: ignore[method-assign]
    return pool


@run_async
async def test_output_is_labelled_per_case_and_mode() -> None:
    app = make_app(pool=printing_pool("x = -2.0\n", "x = Traced<float32[]>\n"))
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await ready(pilot)
        await failed_run(pilot, screen)
        text = screen.panes.output.text
        assert "--- case 1 (-2.0), eager ---\nx = -2.0" in text
        assert "--- case 2 (3.0), jit ---\nx = Traced<float32[]>" in text


@run_async
async def test_a_megabyte_of_output_waits_behind_its_pane_until_it_is_opened() -> None:
    """Loading it while the result arrives would stall every key (benchmarks/bench_keys.py measures it)."""
    app = make_app(pool=printing_pool("".join(f"line {i} {'x' * 90}\n" for i in range(10_000))))
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await ready(pilot)
        await failed_run(pilot, screen)
        assert screen.panes.current == "feedback"
        assert "line 9999" not in screen.panes.output.text  # not loaded yet
        await pilot.press("alt+4")
        assert screen.panes.current == "output"
        await wait_for(pilot, lambda: "line 9999 " in screen.panes.output.text, "the output to load")


FIX_QUESTION = Predict(
    question="`cond_func = jax.jit(cond_func_impl, static_argnums=(0,))` is called with 1.0, 2.0, 1.0. Compilations?",
    choices=["1", "2", "3"],
    answer=1,
)


def with_fix_question() -> Catalogue:
    """The pinned lessons, static-args asking a question that quotes its fix (``static_argnums``)."""
    pinned = load_catalogue([PINNED_LESSONS])
    lessons = [
        replace(lesson, predict=FIX_QUESTION) if lesson.id == "static-args" else lesson for lesson in pinned.lessons
    ]
    return Catalogue(lessons=lessons, broken=[])


def test_a_question_that_quotes_the_fix_waits_for_a_failure() -> None:
    assert quotes_the_fix(with_fix_question().get("static-args")), "static_argnums is the fix"
    assert not quotes_the_fix(load_catalogue([PINNED_LESSONS]).get("jit-basics")), "jit is in the lesson's title"


@run_async
async def test_a_question_quoting_the_fix_is_asked_after_the_first_failure() -> None:
    app = JitTutorApp("static-args", catalogue=with_fix_question(), state=State.load(), pool=FakePool(), blink=False)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await ready(pilot)
        await failed_run(pilot, screen)  # no question first: it would name static_argnums
        assert len(app.pool.requests) == 1
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, PredictScreen)
        await pilot.press("escape")
        await settle(pilot)


@run_async
async def test_cancel_clears_the_last_result_and_a_run_shows_its_time() -> None:
    pool = BlockingPool()
    app = make_app(pool=pool)
    async with app.run_test(size=(100, 32)) as pilot:
        try:
            screen = await ready(pilot)
            pool.release.set()
            await failed_run(pilot, screen)
            assert screen.verdict is not None and screen.verdict.primary is not None
            title = screen.verdict.primary.title
            assert title in screen.panes.hints_panel.markdown_text
            pool.release.clear()
            await pilot.press("f5")
            await wait_for(pilot, lambda: screen.running, "the run to start")
            screen._run_started = time.monotonic() - 12  # as if it had run for 12 s
            screen.show_elapsed()
            assert "RUNNING" in screen.verdict_line.message and "12 s" in screen.verdict_line.message
            await pilot.press("f6")
            await wait_for(pilot, lambda: not screen.running, "the cancel")
            await settle(pilot)
            assert "CANCELLED" in screen.verdict_line.message
            assert "TracerBool" not in screen.panes.error_panel.plain
            assert screen.panes.results.plain_rows == []
            # The verdict is gone; the hints already revealed stay (they are the student's, one count).
            assert screen.verdict is None and title not in screen.panes.hints_panel.markdown_text
            assert screen.editor.error_line is None
        finally:
            pool.closed.set()  # a failed assertion must not leave the run thread waiting


@run_async
async def test_f5_many_times_cancels_once_and_records_each_finished_run_once() -> None:
    pool = BlockingPool()
    app = make_app(pool=pool)
    async with app.run_test(size=(100, 32)) as pilot:
        try:
            screen = await ready(pilot)
            notified: list[str] = []
            original = app.notify
            app.notify = lambda message, *a, **k: (notified.append(str(message)), original(message, *a, **k))[1]  # type: ignore[method-assign]
            await pilot.press("f5")
            await wait_for(pilot, lambda: screen.running, "the run to start")
            for _ in range(5):
                await pilot.press("f5")  # the same code: nothing to replace
            await pilot.pause()
            assert pool.cancelled == 0 and len(pool.requests) == 1
            screen.editor.replace_text(screen.editor.text + "\n# edited\n")
            for _ in range(5):
                await pilot.press("f5")  # new code: the run is replaced once, then it is this code's run
            await wait_for(pilot, lambda: len(pool.requests) == 2, "the re-run")
            for _ in range(3):
                await pilot.press("f5")
            assert pool.cancelled == 1, "one run cancelled at most"
            pool.release.set()
            await wait_for(pilot, lambda: not screen.running and not app.run_busy, "the re-run to end")
            await settle(pilot)
            assert pool.cancelled == 1 and len(pool.requests) == 2
            assert len(notified) <= 1, notified
            assert app.state.lesson("static-args").attempts == 1, "one attempt: one run finished"
        finally:
            pool.closed.set()  # a failed assertion must not leave the run thread waiting


@run_async
async def test_results_keep_the_timing_columns_at_80_and_100_columns() -> None:
    pool = FakePool()
    original = pool.run

    def run(request: RunRequest, timeout: float = 10.0) -> RunReport:
        report = original(request, timeout)
        for case in report.cases:
            case.args = "jnp.linspace(-1.0, 1.0, 1000).reshape(10, 100)"
            case.eager.value = ValueSummary(
                repr="Array([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]], dtype=float32)", type="x"
            )
        return report

    pool.run = run  # type: ignore[method-assign]
    for width in (80, 100):
        app = make_app(pool=pool)
        async with app.run_test(size=(width, 24)) as pilot:
            screen = await ready(pilot)
            await failed_run(pilot, screen)
            await pilot.press("alt+3")
            await pilot.pause()
            results = screen.query_one(ResultsTable)
            table = results.query_one("DataTable")
            assert table.virtual_size.width <= table.scrollable_content_region.width, width
            row = results.plain_rows[0]
            assert len(row) == 8 and row[4].endswith("µs"), row  # the eager time is whole


def test_docs_links_are_hyperlinks_on_a_line_of_their_own() -> None:
    url = "https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerBoolConversionError"
    content = docs_content(url)
    assert content.plain.splitlines()[-1] == url
    links = [span for span in content.spans if getattr(span.style, "link", None) == url]
    assert links and links[0].end - links[0].start == len(url)


@run_async
async def test_screenshot_goes_under_jittutor_home_and_a_failure_names_the_path(tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        saved = app.deliver_screenshot()
        assert saved is not None and Path(saved).parent == app.state.home / "screenshots"
        assert Path(saved).read_text(encoding="utf-8").startswith("<svg")
        blocked = tmp_path / "file"
        blocked.write_text("not a folder")
        notified: list[str] = []
        app.notify = lambda message, *a, **k: notified.append(str(message))  # type: ignore[method-assign]
        assert app.deliver_screenshot(path=str(blocked / "shots")) is None
        assert notified and str(blocked / "shots") in notified[0]


@run_async
async def test_alt_a_selects_all_the_code() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("alt+2")
        await pilot.press("alt+a")
        await wait_for(pilot, lambda: screen.focused is screen.editor, "the editor's focus")
        assert screen.editor.selected_text == screen.editor.text


@run_async
async def test_alt_digits_from_a_real_terminal_choose_panes_and_never_type() -> None:
    """A terminal sends alt+N as Escape N, which Textual reads as a character (Escape 1 is "¡")."""
    from textual import events
    from textual._xterm_parser import XTermParser

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        before = screen.editor.text
        for n, name in ((2, "feedback"), (0, "editor"), (3, "results"), (0, "editor"), (1, "lesson")):
            (key,) = list(XTermParser().feed(f"\x1b{n}"))
            assert screen.focused is not None
            screen.focused.post_message(events.Key(key.key, key.character))
            if name == "editor":
                await wait_for(pilot, lambda: screen.focused is screen.editor, "the editor's focus")
            else:
                await wait_for(
                    pilot,
                    lambda: screen.focused is not None and screen.panes in screen.focused.ancestors,
                    "the pane's focus",
                )
                assert screen.panes.current == name
        assert screen.editor.text == before


@run_async
async def test_the_picked_prediction_is_marked_without_colour() -> None:
    from textual.widgets import OptionList

    app = make_app("jit-basics")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, PredictScreen)
        options = app.screen.query_one(OptionList)
        await pilot.press("2")
        await wait_for(pilot, lambda: str(options.get_option_at_index(1).prompt).startswith("▶"), "the pick's mark")
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert prompts == ["1. 0", "▶ 2. 1", "3. 3"]
        await pilot.press("escape")
        await settle(pilot)
