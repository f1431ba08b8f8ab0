"""The code editor: a Python ``TextArea`` that marks the line an error came from."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

#: Marks the title of the pane that has the focus: a character, so it shows without colour (NO_COLOR).
FOCUS_MARK = "▶ "
#: What Textual makes of alt+0..alt+5 from a terminal (Escape + digit reads as the character macOS's
#: Option key types): never typed into the code, they choose a pane (0 is the editor itself).
ALT_DIGITS = {"º": 0, "¡": 1, "™": 2, "£": 3, "¢": 4, "∞": 5}
#: Keys the screens use (F6 cancels a run, F7 opens the previous lesson); TextArea binds them to selections.
_SCREEN_KEYS = {"f6", "f7"}


class CodeEditor(TextArea, inherit_bindings=False):
    """``TextArea.code_editor`` (line numbers, undo) plus auto-indent and an error-line mark.

    The mark is a style, not a selection, so typing never replaces the line; it
    goes away with the first edit (the lines may have moved) or the next run.
    """

    BINDINGS = [binding for binding in Binding.make_bindings(TextArea.BINDINGS) if binding.key not in _SCREEN_KEYS]
    COMPONENT_CLASSES = TextArea.COMPONENT_CLASSES | {"code-editor--error-line"}

    DEFAULT_CSS = """
    CodeEditor {
        height: 1fr;
    }
    CodeEditor > .code-editor--error-line {
        background: $error-muted;
        text-style: underline;
    }
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.error_line: int | None = None  # 1-based, as in tracebacks
        self.title = ""

    def set_title(self, title: str) -> None:
        """The border title (the file name); ``▶`` marks it while the editor has the focus."""
        self.title = title
        self._draw_title()

    def _draw_title(self) -> None:
        focused = self.is_attached and self.screen.focused is self
        self.border_title = f"{FOCUS_MARK}{self.title}" if focused else self.title

    def on_focus(self) -> None:
        self._draw_title()

    def on_blur(self) -> None:
        self._draw_title()

    @classmethod
    def python(cls, text: str = "", *, id: str | None = None, blink: bool = True) -> CodeEditor:
        editor = cls.code_editor(text, language="python", theme="css", id=id)
        editor.cursor_blink = blink
        return editor

    @dataclass
    class PaneKey(Message):
        """alt+N arrived as a character: the screen moves the focus to pane N (0: the editor)."""

        editor: CodeEditor
        number: int

        @property
        def control(self) -> CodeEditor:
            return self.editor

    async def _on_key(self, event: events.Key) -> None:
        if self.is_attached and self.screen.focused is not self:
            # Keys that arrived in one read (tmux, SSH: Escape Tab Tab ...) are queued here before the
            # first of them moves the focus away; the rest must follow the focus, never edit the code.
            event.stop()
            event.prevent_default()
            if event.key in ("tab", "shift+tab"):
                (self.screen.focus_next if event.key == "tab" else self.screen.focus_previous)()
            return
        if event.key == "shift+tab":
            # Here, not through the screen's binding: the focus must move before the next queued key
            # (Escape + Tab reads as shift+tab when both arrive together, and more Tabs follow).
            event.stop()
            event.prevent_default()
            self.screen.focus_previous()
            return
        if event.character in ALT_DIGITS:
            event.stop()
            event.prevent_default()
            self.post_message(self.PaneKey(self, ALT_DIGITS[event.character]))
            return
        if event.key == "enter" and not self.read_only:
            # Auto-indent: keep the line's indentation, one level more after a colon.
            event.stop()
            event.prevent_default()
            start, end = sorted(self.selection)
            before = self.document.get_line(start[0])[: start[1]]
            indent = before[: len(before) - len(before.lstrip())]
            if before.split("#", 1)[0].rstrip().endswith(":"):
                indent += " " * self.indent_width
            self.replace("\n" + indent, start, end, maintain_selection_offset=False)
            return
        await super()._on_key(event)

    def action_delete_left(self) -> None:
        """Backspace in the indentation removes one indent level, not one space."""
        row, column = self.cursor_location
        before = self.document.get_line(row)[:column]
        if self.selection.is_empty and column > 0 and not before.strip(" ") and not self.read_only:
            target = (column - 1) // self.indent_width * self.indent_width
            self.replace("", (row, target), (row, column), maintain_selection_offset=False)
            return
        super().action_delete_left()

    def get_line(self, line_index: int) -> Text:
        line = super().get_line(line_index)
        if self.error_line is not None and line_index == self.error_line - 1:
            line.stylize(self.get_component_rich_style("code-editor--error-line", partial=True))
        return line

    def mark_error_line(self, line: int | None) -> None:
        """Mark the 1-based ``line`` and put the cursor at its code; ``None`` removes the mark."""
        if line is not None and not 1 <= line <= self.document.line_count:
            line = None
        if line == self.error_line:
            return
        self.error_line = line
        # The cursor-line style would paint over the mark: the mark is the cursor line's highlight for now.
        self.highlight_cursor_line = line is None
        self._line_cache.clear()  # rendered lines are cached; the mark is not part of the cache key
        self.refresh()
        if line is not None:
            text = self.document.get_line(line - 1)
            self.move_cursor((line - 1, len(text) - len(text.lstrip())), center=True)

    def _on_text_area_changed(self) -> None:
        if self.error_line is not None:
            self.mark_error_line(None)

    def replace_text(self, text: str) -> None:
        """Replace everything as one undoable edit (unlike ``load_text``, which clears history)."""
        self.replace(text, self.document.start, self.document.end)
