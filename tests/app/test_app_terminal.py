"""End to end in a real terminal: tmux runs ``python -m jittutor.app``; we type and read the screen."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import REPO, worker_env

TMUX = shutil.which("tmux")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(TMUX is None, reason="tmux is not installed: the real-terminal test drives the app through it"),
]


class Terminal:
    """A tmux session on a private server socket, so no user's tmux (or its environment) is involved."""

    def __init__(self, socket: str, session: str) -> None:
        self.socket, self.session = socket, session

    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True, timeout=30)
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
                raise AssertionError(f"timed out after {timeout:g} s waiting for {what}; the screen shows:\n{text}")
            time.sleep(0.2)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    socket = f"jittutor-test-{os.getpid()}"
    term = Terminal(socket, "app")
    env = worker_env(JITTUTOR_HOME=str(tmp_path / "home"))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    names = ("JITTUTOR_HOME", "XLA_FLAGS", "JAX_PLATFORMS", "PYTHONPATH", "PATH", "HOME")
    assignments = [f"{name}={env[name]}" for name in names if name in env]
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
    term.tmux(
        "-f", "/dev/null", "new-session", "-d", "-s", term.session, "-x", "100", "-y", "32", "-c", str(REPO), command
    )
    try:
        yield term
    finally:
        term.tmux("kill-server")


def test_error_and_static_argnums_hint_in_a_real_terminal(terminal: Terminal) -> None:
    terminal.wait_for(lambda s: "worker ready" in s, "the worker to be ready")
    terminal.keys("F5")
    # The shipped lesson asks its predict question before the first run: Escape skips it and runs.
    terminal.wait_for(lambda s: "Predict first" in s, "the predict question after F5", timeout=30)
    terminal.keys("Escape")
    # The lesson text names the error too: wait for the verdict line, then read the error panel.
    screen = terminal.wait_for(lambda s: "NOT YET" in s, "the verdict after F5", timeout=60)
    assert "TracerBoolConversionError" in screen and "at line 7" in screen
    assert "Hint 1 of" in screen
    shown = 1
    while "static_argnums" not in screen:
        assert shown < 8, f"no static_argnums hint after {shown} hints:\n{screen}"
        terminal.keys("F3")
        shown += 1
        screen = terminal.wait_for(lambda s, n=shown: f"Hint {n} of" in s, f"hint {shown} after F3", timeout=15)
    terminal.keys("C-q")
    terminal.wait_for(lambda s: "Hint" not in s, "the app to quit", timeout=30)
