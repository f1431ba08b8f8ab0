"""``jittutor class DIR``: a small app of its own for the instructor's live view of the room.

Apart from the student's app (:mod:`jittutor.app.app`): no worker pool, no
lessons, no student code; it only reads the shared progress directory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.screen import Screen

from jittutor.app.screens.class_view import ClassScreen


class ClassApp(App[None]):
    """The room, stuck longest first, re-read every ``every`` seconds."""

    CSS_PATH = "screens/class_view.tcss"
    TITLE = "jittutor class"

    def __init__(self, directory: Path, *, every: float = 5.0, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.directory = directory
        self.every = every
        self.clock = clock

    def get_default_screen(self) -> Screen[None]:
        return ClassScreen(self.directory, self.every, self.clock)


def run_class_app(directory: Path, *, every: float = 5.0) -> int:
    """Run the room's view in this terminal until ``q``; returns the exit code."""
    app = ClassApp(directory, every=every)
    app.run()
    return app.return_code or 0
