"""The app on a home it cannot write to (issue 13.5): it opens, says so, and keeps saying it on the editor."""

from __future__ import annotations

from pathlib import Path

from app_support import PINNED_LESSONS, FakePool, failed_run, make_app, ready, run_async, settle, wait_for
from support import own_filesystem, remount_read_only

from jittutor.app.app import JitTutorApp
from jittutor.app.screens.main import MainScreen
from jittutor.app.widgets.status_line import StatusLine
from jittutor.lessons.catalogue import load_catalogue
from jittutor.state.store import State

DAMAGED = '{"lessons": {broken'


def test_the_app_opens_read_only_on_a_read_only_home_with_damaged_progress(tmp_path: Path) -> None:
    with own_filesystem(tmp_path / "disk") as disk:
        home = disk / "home"
        home.mkdir()
        (home / "progress.json").write_text(DAMAGED)
        remount_read_only(disk)
        state = State.load(home)
        assert state.read_only == "is read-only"

        @run_async
        async def walk() -> None:
            app = JitTutorApp(
                "static-args", catalogue=load_catalogue([PINNED_LESSONS]), state=state, pool=FakePool(), blink=False
            )
            async with app.run_test(size=(100, 32)) as pilot:
                await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
                screen = app.screen
                assert isinstance(screen, MainScreen)
                titles = " ".join(n.message for n in app._notifications)
                assert f"{home}: is read-only" in titles and "left it as it is" in titles
                assert "not saved: home is read-only" in str(screen.editor.border_subtitle)
                assert "not saved: home is read-only" in str(screen.query_one(StatusLine).render())
                screen.editor.insert("# mine\n")
                await pilot.pause()
                screen.save_draft_now()  # what autosave does
                await settle(pilot)
                assert screen.editor.border_subtitle == "not saved: home is read-only"
                assert not any(n.severity == "error" for n in app._notifications)

        walk()
        assert (home / "progress.json").read_text() == DAMAGED
        assert not (home / "drafts").exists()


@run_async
async def test_a_hint_the_full_disk_could_not_save_is_shown_and_toasted() -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await ready(pilot)
        await failed_run(pilot, screen)

        def full_disk(*_args: object) -> None:
            raise OSError(28, "No space left on device")

        app.state.record_hint = full_disk  # type: ignore[method-assign]
        await pilot.press("f3")
        await wait_for(
            pilot, lambda: any("Could not save that hint 2" in n.message for n in app._notifications), "the toast"
        )
        assert screen.session is not None and screen.session.ladder.revealed == 2  # the rung is shown all the same
        assert [n.severity for n in app._notifications if "Could not save" in n.message] == ["warning"]
