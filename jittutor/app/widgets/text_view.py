"""A read-only text view for the jaxpr and the printed output: scrollable and selectable."""

from __future__ import annotations

from textual.widgets import TextArea

#: Characters above which a text for a pane behind another is loaded only when that pane is shown.
DEFER_ABOVE = 64 * 1024


class TextView(TextArea):
    """Read-only, no syntax highlighting, no cursor line."""

    DEFAULT_CSS = """
    TextView {
        height: 1fr;
        border: none;
        padding: 0 1;
    }
    TextView:focus { border: none; }
    """

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, read_only=True, show_cursor=False, highlight_cursor_line=False, soft_wrap=False, id=id)
        self.cursor_blink = False
        self._pending: str | None = None

    def show(self, text: str, *, now: bool = True) -> None:
        """Show ``text``; a long one behind another pane (``now=False``) waits until :meth:`flush`.

        Loading a megabyte of printed output into a TextArea takes about half a
        second on a small machine; done while the result arrives, every key the
        student presses then waits for it. Deferred, it costs only a student who
        opens the pane, once.
        """
        if now or len(text) <= DEFER_ABOVE:
            self._pending = None
            self.load_text(text)
        else:
            self._pending = text

    def flush(self) -> None:
        """Load the text that :meth:`show` held back (the pane is coming to the front)."""
        if self._pending is not None:
            text, self._pending = self._pending, None
            self.load_text(text)
