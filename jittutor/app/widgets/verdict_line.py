"""One line between the editor and the result tabs: what the last run concluded."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

TONES = ("idle", "running", "passed", "failed", "cancelled", "error")


class VerdictLine(Static):
    """Says "PASSED", "NOT YET", "RUNNING"... in words, so it reads the same without colour."""

    DEFAULT_CSS = """
    VerdictLine {
        height: 1;
        width: 1fr;
        padding: 0 1;
        background: $boost;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    VerdictLine.-passed { background: $success-muted; color: $text; text-style: bold; }
    VerdictLine.-failed { background: $error-muted; color: $text; }
    VerdictLine.-error { background: $error-muted; color: $text; }
    VerdictLine.-running { background: $warning-muted; color: $text; }
    VerdictLine.-cancelled { background: $warning-muted; color: $text; }
    """

    tone: reactive[str] = reactive("idle")
    message: reactive[str] = reactive("")

    def set_verdict(self, tone: str, message: str) -> None:
        self.tone = tone
        self.message = message

    def watch_tone(self, tone: str) -> None:
        for name in TONES:
            self.set_class(name == tone, f"-{name}")

    def watch_message(self, message: str) -> None:
        self.update(Content(message))
