"""End to end in a real terminal: tmux runs ``python -m jittutor.app``; we type and read the screen."""

from __future__ import annotations

import itertools
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support import REPO, worker_env

TMUX = shutil.which("tmux")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(TMUX is None, reason="tmux is not installed: the real-terminal test drives the app through it"),
]


_TERMINALS = itertools.count()


class Terminal:
    """A tmux session on a private server socket, so no user's tmux (or its environment) is involved."""

    def __init__(self, socket: str, session: str) -> None:
        self.socket, self.session = socket, session
        self.last_error = ""

    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True, timeout=30)
        self.last_error = done.stderr.strip()
        return done.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.session, *keys)

    def wait_for(self, found: Callable[[str], bool], what: str, timeout: float = 120.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if found(text):
                return text
            if time.monotonic() > deadline:
                if not text.strip():  # say why the screen is empty: the session (and the app in it) may have ended
                    text = f"(nothing; tmux says: {self.last_error or 'no error'})"
                raise AssertionError(f"timed out after {timeout:g} s waiting for {what}; the screen shows:\n{text}")
            time.sleep(0.2)


@contextmanager
def start_terminal(home: Path, size: tuple[int, int] = (100, 32), no_color: bool = False) -> Iterator[Terminal]:
    # A socket of its own for each terminal: a new session on the previous test's socket could
    # land on that tmux server while it is still shutting down, and go with it.
    socket = f"jittutor-test-{os.getpid()}-{next(_TERMINALS)}"
    term = Terminal(socket, "app")
    env = worker_env(JITTUTOR_HOME=str(home))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    names = ("JITTUTOR_HOME", "XLA_FLAGS", "JAX_PLATFORMS", "PYTHONPATH", "PATH", "HOME")
    assignments = [f"{name}={env[name]}" for name in names if name in env] + (["NO_COLOR=1"] if no_color else [])
    command = shlex.join(
        # COLUMNS/LINES (exported by some shells and CI) would override the pane's real size.
        [
            "env",
            "-u",
            "COLUMNS",
            "-u",
            "LINES",
            "TERM=xterm-256color",
            *assignments,
            sys.executable,
            "-m",
            "jittutor.app",
            "--lesson",
            "static-args",
        ]
    )
    width, height = size
    # An app that dies leaves its last words on the screen (a failed wait shows them), not an empty pane.
    conf = home.parent / "tmux.conf"
    conf.write_text("set -g remain-on-exit on\n", encoding="utf-8")
    term.tmux(
        "-f",
        str(conf),
        "new-session",
        "-d",
        "-s",
        term.session,
        "-x",
        str(width),
        "-y",
        str(height),
        "-c",
        str(REPO),
        command,
    )
    try:
        yield term
    finally:
        term.tmux("kill-server")


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    with start_terminal(tmp_path / "home") as term:
        yield term


def skip_question_and_fail(terminal: Terminal) -> str:
    """F5 on the starter: skip the predict question if the lesson asks one first; the verdict's screen."""
    terminal.keys("F5")
    screen = terminal.wait_for(lambda s: "Predict first" in s or "NOT YET" in s, "the question or verdict", 60)
    if "Predict first" in screen:
        terminal.keys("Escape")
    return terminal.wait_for(lambda s: "NOT YET" in s and "Predict first" not in s, "the verdict after F5", 60)


def draft_of(home: Path) -> Path:
    return home / "drafts" / "static-args.py"


@pytest.fixture
def terminal_with_draft(tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    """The app in tmux at 80x24 with NO_COLOR, on a saved draft of static-args (the starter)."""
    from jittutor.lessons.catalogue import lesson_dirs, load_catalogue

    home = tmp_path / "home"
    draft = draft_of(home)
    draft.parent.mkdir(parents=True)
    draft.write_text(load_catalogue(lesson_dirs(())).get("static-args").starter, encoding="utf-8")
    with start_terminal(home, size=(80, 24), no_color=True) as term:
        yield term, draft


def test_error_and_static_argnums_hint_in_a_real_terminal(terminal: Terminal) -> None:
    terminal.wait_for(lambda s: "worker ready" in s, "the worker to be ready")
    skip_question_and_fail(terminal)
    # The verdict line, the error and the first hint can arrive in different frames: wait for all.
    screen = terminal.wait_for(
        lambda s: "TracerBoolConversionError" in s and "at line 7" in s and "Hint 1 of" in s, "the error and hint 1", 30
    )
    shown = 1
    while "static_argnums" not in screen:
        assert shown < 8, f"no static_argnums hint after {shown} hints:\n{screen}"
        terminal.keys("F3")
        shown += 1
        screen = terminal.wait_for(lambda s, n=shown: f"Hint {n} of" in s, f"hint {shown} after F3", timeout=15)
    terminal.keys("C-q")
    terminal.wait_for(lambda s: "Hint" not in s, "the app to quit", timeout=30)


def test_escape_and_tab_after_a_failed_run_leave_the_draft_unchanged(
    terminal_with_draft: tuple[Terminal, Path],
) -> None:
    terminal, draft = terminal_with_draft
    before = draft.read_text(encoding="utf-8")
    terminal.wait_for(lambda s: "worker ready" in s, "the worker to be ready")
    skip_question_and_fail(terminal)
    # The focus mark is a character: it shows with NO_COLOR (after a failed run, the editor has focus).
    terminal.wait_for(lambda s: "▶ static-args.py" in s, "the editor's focus mark", 30)
    # In one write, as a quick typist over SSH sends them: Escape + Tab then reads as shift+tab, and
    # the other Tabs are queued at the editor before the focus has moved.
    terminal.keys("Escape", *["Tab"] * 6)
    # The editor's mark goes on blur and the new pane's comes a frame later: wait for both.
    terminal.wait_for(
        lambda s: "▶ static-args.py" not in s and "▶" in s, "the focus mark to move from the editor to a pane", 30
    )
    terminal.keys("C-q")  # quitting saves the draft: whatever Tab did would be written now
    terminal.wait_for(lambda s: "NOT YET" not in s, "the app to quit", timeout=30)
    assert draft.read_text(encoding="utf-8") == before


def test_a_choice_and_enter_typed_together_answer_the_question(terminal: Terminal, tmp_path: Path) -> None:
    """ "2" and Enter in one write (a fast typist, a paste): the pick is made before Enter confirms it."""
    import json

    terminal.wait_for(lambda s: "worker ready" in s, "the worker to be ready")
    terminal.keys("F5")
    terminal.wait_for(lambda s: "Predict first" in s, "the predict question", 60)
    terminal.keys("2", "Enter")  # one send-keys: one write to the terminal
    screen = terminal.wait_for(lambda s: "NOT YET" in s and "Predict first" not in s, "the run after the answer", 60)
    assert "Pick a choice first" not in screen
    remembered = json.loads((tmp_path / "home" / "ui-state.json").read_text(encoding="utf-8"))
    assert remembered["predictions"]["static-args"]["choice"] == 1, remembered
    terminal.keys("C-q")
    terminal.wait_for(lambda s: "NOT YET" not in s, "the app to quit", timeout=30)
