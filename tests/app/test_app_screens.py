"""The app's screens and keys with a fake pool: fast, no JAX process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from app_support import PINNED_LESSONS, FakePool, canned_grade, run_async, settle, wait_for
from support import REPO
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from jittutor.app import keys
from jittutor.app.app import JitTutorApp
from jittutor.app.screens.confirm import ConfirmScreen
from jittutor.app.screens.help import HelpScreen
from jittutor.app.screens.lesson_picker import LessonPickerScreen
from jittutor.app.screens.main import MainScreen
from jittutor.app.screens.playground import PlaygroundScreen
from jittutor.app.screens.predict import PredictScreen
from jittutor.app.widgets.hints_panel import HintsPanel
from jittutor.app.widgets.lesson_list import LessonList
from jittutor.app.widgets.status_line import StatusLine
from jittutor.engine.protocol import ValueSummary
from jittutor.lessons.catalogue import load_catalogue
from jittutor.present.cells import seconds_text, value_text
from jittutor.state.store import State


@pytest.fixture(autouse=True)
def canned_verdicts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jittutor.tutoring.session.grade", canned_grade)


def make_app(lesson_id: str | None = "static-args", dirs: list[Path] | None = None) -> JitTutorApp:
    catalogue = load_catalogue(dirs or [PINNED_LESSONS])
    return JitTutorApp(lesson_id, catalogue=catalogue, state=State.load(), pool=FakePool(), blink=False)


async def ready(pilot: Pilot[Any]) -> MainScreen:
    app = pilot.app
    assert isinstance(app, JitTutorApp)
    await wait_for(pilot, lambda: app.device is not None and app.jax_version != "", "the fake worker")
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def run(pilot: Pilot[Any], screen: Any) -> None:
    before = screen.runs_finished
    await pilot.press("f5")
    await wait_for(pilot, lambda: screen.runs_finished > before, "the run")
    await settle(pilot)


@run_async
async def test_status_line_shows_device_worker_and_version() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        text = str(screen.query_one(StatusLine).render())
        assert "device cpu:0" in text and "worker ready" in text and "jax 0.10.2" in text
        assert "Static vs traced arguments" in text


@run_async
async def test_status_line_shows_device_memory_where_jax_reports_it() -> None:
    class GpuLikePool(FakePool):
        def run(self, request, timeout: float = 10.0):  # type: ignore[no-untyped-def]
            report = super().run(request, timeout)
            report.memory_in_use, report.memory_limit = 3 * 2**29, 80 * 2**30
            return report

    app = make_app()
    app.pool = GpuLikePool()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        assert "mem " not in str(screen.query_one(StatusLine).render())  # CPUs report no memory
        await pilot.press("f5")
        await settle(pilot)
        text = str(screen.query_one(StatusLine).render())
        assert "device cpu:0 (mem 1.5 GB / 80.0 GB)" in text


@run_async
async def test_help_lists_every_key_of_the_screen() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("f1")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = {does: shown for shown, does, _details in help_screen.keys}
        for binding in Binding.make_bindings(MainScreen.BINDINGS):
            assert binding.description in rows, binding
            assert app.get_key_display(binding) in rows[binding.description]
        assert "Quit" in rows  # the app's own keys too
        assert help_screen.editor_keys, "the editor's keys are listed"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), "the help to close")


@run_async
async def test_palette_offers_every_action() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        titles = {command.title for command in app.get_system_commands(screen)}
        for binding in MainScreen.BINDINGS:
            assert isinstance(binding, Binding) and binding.description in titles
        assert {"Reset the code to the starter", "Show the solution", "Restart the worker"} <= titles


def test_keys_are_terminal_safe() -> None:
    risky = {"ctrl+s", "ctrl+b", "ctrl+a", "ctrl+h", "ctrl+i", "ctrl+j", "ctrl+m", "ctrl+z", "ctrl+c"}
    for name in dir(keys):
        binding = getattr(keys, name)
        if isinstance(binding, Binding):
            for key in binding.key.split(","):
                assert key not in risky, (name, key)
                assert key.startswith(("f", "ctrl+", "alt+")), (name, key)
            assert binding.id and binding.description and binding.tooltip


@run_async
async def test_solution_opens_after_the_last_hint() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await run(pilot, screen)
        panel = screen.query_one(HintsPanel)
        assert screen.solution_text() is None
        for _ in range(len(screen.current_ladder().rungs) - screen.current_ladder().revealed):
            await pilot.press("f3")
        assert screen.current_ladder().revealed == len(screen.current_ladder().rungs)
        assert "show the solution" in panel.markdown_text
        await pilot.press("f3")
        assert screen.current_ladder().solution_shown
        assert "```diff" in panel.markdown_text
        assert "+cond_func = jax.jit(cond_func_impl, static_argnums=(0,))" in panel.markdown_text
        assert State.load().lesson("static-args").hints_used == len(screen.current_ladder().rungs)


@run_async
async def test_reset_asks_first_and_keeps_the_old_draft(jittutor_home: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        lesson = app.catalogue.get("static-args")
        screen.editor.replace_text("# mine\n")
        await pilot.pause()
        screen.action_reset_code()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen, "the question to close")
        assert screen.editor.text == "# mine\n"
        screen.action_reset_code()
        await pilot.pause()
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.editor.text == lesson.starter, "the starter code")
    assert (jittutor_home / "drafts" / "static-args.py.bak").read_text() == "# mine\n"
    assert not (jittutor_home / "drafts" / "static-args.py").exists()


@run_async
async def test_broken_lessons_are_listed_with_their_error(tmp_path: Path) -> None:
    extra = tmp_path / "lessons"
    extra.mkdir()
    (extra / "oops.yaml").write_text("id: oops\ntitle: [unclosed\n")
    app = make_app(dirs=[PINNED_LESSONS, extra])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        options = screen.query_one(LessonList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        broken = [p for p in prompts if p.startswith("[!]")]
        assert len(broken) == 1 and "oops.yaml" in broken[0] and "invalid YAML" in broken[0]


@run_async
async def test_narrow_terminal_hides_the_list_until_asked() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        lessons = screen.query_one(LessonList)
        assert not lessons.display
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: lessons.display and lessons.has_focus, "the lesson list's focus")
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: not lessons.display and screen.editor.has_focus, "the editor's focus")


@run_async
async def test_lesson_navigation_and_picker() -> None:
    app = make_app("jit-basics")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        assert screen.lesson is not None and screen.lesson.id == "jit-basics"
        await pilot.press("f8")
        assert screen.lesson.id == "static-args"
        await pilot.press("f7")
        assert screen.lesson.id == "jit-basics"
        await pilot.press("f2")
        assert isinstance(app.screen, LessonPickerScreen)
        await pilot.press(*"traced", "enter")
        await wait_for(pilot, lambda: app.screen is screen and screen.lesson.id == "static-args", "the chosen lesson")


@run_async
async def test_jaxpr_view_runs_with_jaxpr() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press("f9")  # traces at once: no F5 needed
        await wait_for(pilot, lambda: screen.runs_finished == 1, "the F9 run")
        await settle(pilot)
        assert app.pool.requests[-1].jaxpr is True
        assert screen.tabs.active == "tab-jaxpr", "the jaxpr is shown, not Feedback"
        assert "lambda" in screen.panes.jaxpr.text
        screen.editor.replace_text(app.catalogue.get("static-args").solution)
        await run(pilot, screen)
        assert app.pool.requests[-1].jaxpr is True, "later runs keep tracing"
        await pilot.press("f9")  # the jaxpr of the last run, without running again
        assert screen.tabs.active == "tab-jaxpr" and len(app.pool.requests) == 2
        await pilot.press("f9")
        assert screen.tabs.active != "tab-jaxpr"


@run_async
async def test_playground_validates_the_entry_name() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("f12")
        screen = app.screen
        assert isinstance(screen, PlaygroundScreen)
        screen.query_one("#pg-entry").value = "not a name"
        await pilot.press("f5")
        assert not app.pool.requests, "no run with a bad entry name"
        screen.query_one("#pg-entry").value = "f"
        await run(pilot, screen)
        request = app.pool.requests[-1]
        assert request.entry == "f" and [c.args for c in request.cases] == ["jnp.arange(4.0)", "1.0"]


def test_value_and_time_cells() -> None:
    array = ValueSummary(repr="Array([1., 2.], dtype=float32)", type="ArrayImpl", shape=[2], dtype="float32")
    assert value_text(array) == "f32[2] [1., 2.]"
    assert value_text(ValueSummary(repr="9.0", type="float")) == "9.0"
    assert seconds_text(1.2e-5) == "12.0 µs" and seconds_text(0.0034) == "3.40 ms" and seconds_text(None) == "-"


def test_the_app_never_imports_jax() -> None:
    code = (
        "import sys\n"
        "from jittutor.app.app import JitTutorApp\n"
        "app = JitTutorApp('static-args')\n"
        "assert 'jax' not in sys.modules, 'the UI process imported jax'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@run_async
async def test_a_worker_that_cannot_start_is_reported() -> None:
    catalogue = load_catalogue([PINNED_LESSONS])
    from jittutor.config import load_settings

    settings = load_settings(worker_cmd="/bin/false")
    app = JitTutorApp("static-args", settings=settings, catalogue=catalogue, state=State.load(), blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.worker_status == "failed", "the start failure", timeout=60)
        await settle(pilot)
        assert "worker failed to start" in str(app.screen.query_one(StatusLine).render())
        reported = [n for n in app._notifications if "did not start" in n.title]
        assert len(reported) == 1, [n.title for n in app._notifications]  # one failure, one toast


@run_async
async def test_editor_auto_indents_dedents_and_undoes() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        editor = screen.editor
        editor.load_text("")
        editor.focus()
        await pilot.press(*"def f(x):", "enter", *"if x:", "enter", *"pass", "enter", "backspace")
        # backspace is a binding, reached after the key bubbles up to the App; a "y" sent in the same
        # press() is typed by the editor at once and can overtake it on a starved loop.
        await wait_for(pilot, lambda: editor.text == "def f(x):\n    if x:\n        pass\n    ", "the dedent")
        await pilot.press("y")
        assert editor.text == "def f(x):\n    if x:\n        pass\n    y"
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: editor.text != "def f(x):\n    if x:\n        pass\n    y", "the undo")


# -- predict questions (the pinned jit-basics asks one; the pinned static-args does not) ---------


async def ask(pilot: Pilot[Any], screen: MainScreen) -> PredictScreen:
    """Press the run key on a lesson with a question: the question comes first, nothing runs yet."""
    requests = len(pilot.app.pool.requests)
    await pilot.press("f5")
    await pilot.pause()
    question = pilot.app.screen
    assert isinstance(question, PredictScreen)
    assert len(pilot.app.pool.requests) == requests and not screen.running
    return question


async def answer(pilot: Pilot[Any], screen: MainScreen, *keys: str) -> None:
    """Answer (or skip) the question with ``keys``, then wait for the run that follows."""
    before = screen.runs_finished
    await pilot.press(*keys)
    await wait_for(pilot, lambda: screen.runs_finished > before, "the run after the question")
    await settle(pilot)
    assert pilot.app.screen is screen


def prediction_text(screen: MainScreen) -> str:
    """What the Feedback pane says about the prediction (it is never a toast over the hints)."""
    assert not [n for n in screen.app._notifications if n.title.startswith("Prediction")]
    assert screen.tabs.active == "tab-feedback"
    return screen.query_one(HintsPanel).markdown_text


@run_async
async def test_predict_question_right_answer_is_scored_saved_and_not_asked_again() -> None:
    app = make_app("jit-basics")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        question = await ask(pilot, screen)
        predict = app.catalogue.get("jit-basics").predict
        assert predict is not None
        assert "How many times is it traced and compiled?" in str(
            question.query_one("#predict-question", Static).render()
        )
        options = question.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert prompts == ["1. 0", "2. 1", "3. 3"]
        await pilot.press("2")
        assert options.highlighted == 1 and app.screen is question, "a digit picks, Enter confirms"
        await answer(pilot, screen, "enter")
        assert len(app.pool.requests) == 1
        assert screen.verdict_line.message.startswith("NOT YET")
        note = prediction_text(screen)
        assert "**Prediction: right.** You predicted **2. 1**: right." in note
        assert predict.explanation.strip() in note
        assert State.load().remembered()["predictions"] == {"jit-basics": {"choice": 1, "correct": True}}

        await pilot.press("f5")  # the second run: no question
        await pilot.pause()
        assert app.screen is screen
        await wait_for(pilot, lambda: len(app.pool.requests) == 2, "the second run")
        await settle(pilot)
        assert "Prediction" not in screen.query_one(HintsPanel).markdown_text, "revealed once, after its own run"

    again = make_app("jit-basics")  # a new session: answered before, so not asked again
    async with again.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await run(pilot, screen)
        assert again.screen is screen and len(again.pool.requests) == 1
        assert "Prediction" not in screen.query_one(HintsPanel).markdown_text


@run_async
async def test_predict_wrong_answer_shows_the_right_one() -> None:
    app = make_app("jit-basics")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        question = await ask(pilot, screen)
        await pilot.press("enter")  # nothing picked yet: Enter says what to do, and stays
        await pilot.pause()
        assert app.screen is question and not app.pool.requests
        assert "Pick a choice first" in str(question.query_one("#predict-help", Static).render())
        await pilot.press("9")  # no ninth choice: nothing picked
        assert question.choice is None
        await pilot.press("3")
        await answer(pilot, screen, "enter")
        note = prediction_text(screen)
        assert "**Prediction: not quite.** You predicted **3. 3**; the answer is **2. 1**." in note
        assert State.load().remembered()["predictions"] == {"jit-basics": {"choice": 2, "correct": False}}


@run_async
async def test_escape_skips_the_question_and_runs() -> None:
    app = make_app("jit-basics")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await ask(pilot, screen)
        await answer(pilot, screen, "escape")
        assert len(app.pool.requests) == 1 and "Prediction" not in screen.query_one(HintsPanel).markdown_text
        assert "predictions" not in State.load().remembered()
        await run(pilot, screen)  # asked once a session: the next run goes straight ahead
        assert app.screen is screen and len(app.pool.requests) == 2

    again = make_app("jit-basics")  # skipped, not answered: a new session asks again
    async with again.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await ask(pilot, screen)
        await answer(pilot, screen, "escape")


@run_async
async def test_lessons_without_a_question_run_at_once() -> None:
    app = make_app("static-args")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert screen.lesson is not None and screen.lesson.predict is None
        await run(pilot, screen)
        assert app.screen is screen and len(app.pool.requests) == 1
