"""Jump to any lesson: type to filter, Enter to open."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from jittutor.lessons.catalogue import Catalogue
from jittutor.present.cells import MARKS


class LessonPickerScreen(ModalScreen[str | None]):
    """Dismisses with the chosen lesson id, or None."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close", id="picker-close"),
        Binding("down", "focus_list", "List", show=False, id="picker-down"),
    ]

    def __init__(self, catalogue: Catalogue, statuses: dict[str, str], current: str | None) -> None:
        super().__init__()
        self.catalogue = catalogue
        self.statuses = statuses
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="picker-dialog"):
            yield Static(Content.styled("Open a lesson", "bold"), classes="dialog-title")
            yield Input(placeholder="type to filter by title or id", id="picker-filter")
            yield OptionList(id="picker-options")
            yield Static(Content("Enter opens, Escape closes."), classes="dialog-detail")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#picker-filter", Input).focus()

    def _fill(self, text: str) -> None:
        words = text.lower().split()
        options = self.query_one("#picker-options", OptionList)
        chosen: list[Option] = []
        for n, lesson in enumerate(self.catalogue.lessons, start=1):
            haystack = f"{lesson.id} {lesson.title} {' '.join(lesson.tags)}".lower()
            if all(w in haystack for w in words):
                mark = MARKS.get(self.statuses.get(lesson.id, "not-started"), MARKS["not-started"])
                chosen.append(Option(Content(f"{mark} {n:>2}. {lesson.title}  ({lesson.id})"), id=lesson.id))
        options.set_options(chosen)
        ids = [o.id for o in chosen]
        if self.current in ids and not words:
            options.highlighted = ids.index(self.current)
        elif chosen:
            options.highlighted = 0

    @on(Input.Changed, "#picker-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#picker-filter")
    def _submit(self) -> None:
        options = self.query_one("#picker-options", OptionList)
        option = options.highlighted_option
        if option is not None:
            self.dismiss(option.id)

    @on(OptionList.OptionSelected, "#picker-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_focus_list(self) -> None:
        self.query_one("#picker-options", OptionList).focus()
