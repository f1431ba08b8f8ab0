"""A lesson's "predict" question, asked before its first run; dismisses with the chosen index, or None."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from jittutor.lessons.model import Predict

#: Digits pick a choice; a question has at most this many that a key can reach.
MAX_KEYED_CHOICES = 9


class PredictScreen(ModalScreen[int | None]):
    """Ask the question; 1-9 pick a choice, Enter confirms, Escape skips (dismisses with None)."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Skip", id="predict-skip"),
        # A priority binding, so Enter with nothing picked yet says what to do instead of doing nothing.
        Binding("enter", "confirm", "Confirm", id="predict-confirm", priority=True),
        # Priority too: "2" and Enter typed in one burst must be handled in that order. A priority
        # Enter would otherwise run before the digit queued at the option list reached it.
        *[
            Binding(str(n), f"pick({n - 1})", f"Choice {n}", show=False, id=f"predict-choice-{n}", priority=True)
            for n in range(1, MAX_KEYED_CHOICES + 1)
        ],
    ]

    def __init__(self, predict: Predict) -> None:
        super().__init__()
        self.predict = predict

    def compose(self) -> ComposeResult:
        choices = [Option(Content(f"{n}. {text}"), id=f"choice-{n}") for n, text in enumerate(self.predict.choices, 1)]
        with Vertical(classes="dialog", id="predict-dialog"):
            yield Static(Content.styled("Predict first", "bold"), classes="dialog-title")
            yield Static(Content(self.predict.question.strip()), id="predict-question")
            yield OptionList(*choices, id="predict-choices")
            keys = f"1-{min(len(choices), MAX_KEYED_CHOICES)}"
            yield Static(
                Content(f"{keys} picks, Enter confirms and runs, Escape skips the question and runs."),
                id="predict-help",
                classes="dialog-detail",
            )

    def on_mount(self) -> None:
        options = self.query_one("#predict-choices", OptionList)
        options.highlighted = None  # no choice until the student makes one
        options.focus()

    @property
    def choice(self) -> int | None:
        """The highlighted choice, or None."""
        return self.query_one("#predict-choices", OptionList).highlighted

    def action_pick(self, index: int) -> None:
        if index < len(self.predict.choices):
            self.query_one("#predict-choices", OptionList).highlighted = index

    def action_confirm(self) -> None:
        if self.choice is None:
            n = min(len(self.predict.choices), MAX_KEYED_CHOICES)
            self.query_one("#predict-help", Static).update(
                Content(f"Pick a choice first (1-{n}, or the arrow keys), or press Escape to skip.")
            )
            return
        self.dismiss(self.choice)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Mark the picked choice with a character too: the highlight's colour is gone under NO_COLOR."""
        options = event.option_list
        picked = options.highlighted  # now, not the event's: mounting highlights the first, then clears it
        for index, text in enumerate(self.predict.choices):
            mark = "▶ " if index == picked else ""
            options.replace_option_prompt_at_index(index, Content(f"{mark}{index + 1}. {text}"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # a mouse click on a choice
        self.dismiss(event.option_index)
