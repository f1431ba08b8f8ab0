"""A read-only text view for the jaxpr and the printed output: scrollable and selectable."""

from __future__ import annotations

from textual.widgets import TextArea


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

    def show(self, text: str) -> None:
        self.load_text(text)
