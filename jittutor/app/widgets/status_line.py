"""The status line: current device, worker state, JAX version, and where the student is."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

#: What each pool status means to a student.
STATUS_WORDS = {
    "stopped": "worker stopped",
    "starting": "worker starting (loading JAX)",
    "queued": "worker waiting in the queue",
    "ready": "worker ready",
    "busy": "worker busy (running)",
    "restarting": "worker restarting",
    "failed": "worker failed to start",
    "dead": "worker dead",
}


class StatusLine(Static):
    """One line at the top of a screen. Follows the app's worker status and device."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    StatusLine.-busy { background: $warning-muted; }
    StatusLine.-bad { background: $error-muted; }
    """

    context: reactive[str] = reactive("")
    """What the screen is showing (the lesson, the playground); set by the screen."""

    def on_mount(self) -> None:
        for name in ("worker_status", "worker_detail", "jax_version", "device", "device_memory"):
            self.watch(self.app, name, self._app_changed, init=False)
        self._redraw()

    def _app_changed(self, _value: object) -> None:
        self._redraw()

    def watch_context(self) -> None:
        self._redraw()

    @staticmethod
    def _status_words(status: str, detail: str) -> str:
        """The pool's own words where they say more than the state: the queue (job, reason), why it stopped."""
        if status == "queued" and detail:
            return f"worker {detail}"  # "worker waiting in the queue (job 1234, reason Resources)"
        if status == "stopped" and detail:
            return f"worker stopped: {detail}"  # "...: idle for 15 min ...; the next run starts a new one"
        return STATUS_WORDS.get(status, f"worker {status}")

    def _redraw(self) -> None:
        app = self.app
        status = str(getattr(app, "worker_status", "stopped"))
        device = getattr(app, "device", None) or "default"
        version = getattr(app, "jax_version", "")
        memory = str(getattr(app, "device_memory", "") or "")
        parts: list[Content | str] = [
            Content.styled(f"device {device}", "bold"),
            *([f" ({memory})"] if memory else []),
            " | ",
            self._status_words(status, str(getattr(app, "worker_detail", "") or "")),
        ]
        if version:
            parts += [" | ", f"jax {version}"]
        state = getattr(app, "state", None)
        if getattr(state, "read_only", None):
            parts += [" | ", Content.styled("not saved: home is read-only", "bold")]
        if self.context:
            parts += [" | ", self.context]
        self.update(Content.assemble(*parts))
        self.set_class(status in ("busy", "starting", "restarting", "queued"), "-busy")
        self.set_class(status in ("failed", "dead"), "-bad")
