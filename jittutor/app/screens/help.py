"""Every key, generated from the bindings of the screen it was opened from."""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.table import Table
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from jittutor.app.widgets.code_editor import CodeEditor

KeyRow = tuple[str, str, str]  # keys, what it does, more detail


def _rows(app: App[object], pairs: Iterable[tuple[DOMNode, Binding]]) -> list[KeyRow]:
    grouped: dict[tuple[int, str], tuple[list[str], Binding]] = {}
    for node, binding in pairs:
        if not binding.description:
            continue
        keys, _first = grouped.setdefault((id(node), binding.action), ([], binding))
        shown = app.get_key_display(binding)
        if shown not in keys:
            keys.append(shown)
    rows = [(" / ".join(keys), b.description, b.tooltip) for keys, b in grouped.values()]
    # The tutor's own keys (they have ids) first, then Textual's (focus, copy).
    ids = {(" / ".join(keys)): b.id is not None for keys, b in grouped.values()}
    return sorted(rows, key=lambda row: not ids[row[0]])


def screen_key_rows(screen: Screen[object]) -> list[KeyRow]:
    """The keys of a screen and of the app (not of the focused widget), as the student can press them."""
    app = screen.app
    pairs = [
        (active.node, active.binding)
        for active in screen.active_bindings.values()
        if active.node is screen or active.node is app
    ]
    return _rows(app, pairs)


def editor_key_rows(app: App[object]) -> list[KeyRow]:
    """The code editor's own keys (Textual's TextArea bindings, less those the screens take)."""
    bindings = [b for b in Binding.make_bindings(CodeEditor.BINDINGS) if b.description]
    return _rows(app, [(app, b) for b in bindings])


def keys_table(title: str, rows: list[KeyRow]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", expand=True, box=box.SIMPLE_HEAD)
    table.add_column("Key", no_wrap=True, style="bold")
    table.add_column("Does", no_wrap=True)
    table.add_column("Details", ratio=1)
    for keys, does, details in rows:
        table.add_row(keys, does, details)
    return table


class HelpScreen(ModalScreen[None]):
    """A table of keys; Escape or F1 closes it."""

    BINDINGS = [Binding("escape,f1", "dismiss(None)", "Close", id="help-close")]

    def __init__(self, keys: list[KeyRow], editor_keys: list[KeyRow]) -> None:
        super().__init__()
        self.keys = keys
        self.editor_keys = editor_keys

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-dialog"):
            yield Static(Content.styled("Keys (Escape or F1 closes this)", "bold"), classes="dialog-title")
            with VerticalScroll(id="help-keys"):
                yield Static(keys_table("On this screen", self.keys), id="help-screen-keys")
                yield Static(keys_table("In the code editor", self.editor_keys), id="help-editor-keys")
            yield Static(
                Content(
                    "In the editor Tab indents and Escape moves on to the next pane; elsewhere Tab and shift+Tab "
                    "move between the panes and never into the editor, so moving around cannot change your code: "
                    "alt+0 goes back to the editor, alt+1-5 to the pane whose tab shows that number; alt+down and "
                    "alt+up scroll the lesson from anywhere. The pane with the focus is marked ▶. "
                    "ctrl+p finds every action by name. The mouse is optional."
                ),
                classes="dialog-detail",
            )

    def on_mount(self) -> None:
        self.query_one("#help-keys").focus()
