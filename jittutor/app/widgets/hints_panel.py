"""How to fix it: the diagnosis, hints revealed one at a time, the docs, and at last the solution."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.style import Style
from textual.widgets import Markdown, Static

IDLE = "Hints appear here after a run."


@dataclass
class HintsView:
    """Everything the panel shows; the screen builds it and hands it down."""

    title: str = ""
    kind: str = ""
    explanation: str = ""
    hints: list[str] = field(default_factory=list)
    shown: int = 0
    docs: str = ""
    passed: bool = False
    solution_available: bool = False
    solution_diff: str | None = None
    next_key: str = "F3"
    prediction: str = ""  # Markdown: whether the prediction made before this run was right


def head_markdown(view: HintsView) -> str:
    if not (view.title or view.hints or view.passed or view.solution_diff):
        return IDLE
    if view.passed:
        return "**Passed.** Well done."
    if view.title:
        return f"**{view.title}**" + (f" (`{view.kind}`)" if view.kind else "")
    return "**Not yet.**" if view.shown else "**Hints**"


def hint_markdown(view: HintsView, number: int) -> str:
    return f"**Hint {number} of {len(view.hints)}:** {view.hints[number - 1]}"


_INLINE = re.compile(r"(`[^`]+`|\*\*[^*]+\*\*|\*[^*\s][^*]*\*)")


def inline_content(text: str) -> Content:
    """A hint's inline Markdown (`code`, **bold**, *italic*) as Content.

    Hints are one paragraph; a Static (unlike a Markdown widget) knows its height
    at once, so the newest hint can be scrolled into view reliably.
    """
    parts: list[Content | tuple[str, str]] = []
    for piece in _INLINE.split(text):
        if not piece:
            continue
        if piece.startswith("`") and piece.endswith("`") and len(piece) > 1:
            parts.append((piece[1:-1], "$text-warning"))
        elif piece.startswith("**") and piece.endswith("**") and len(piece) > 3:
            parts.append((piece[2:-2], "bold"))
        elif piece.startswith("*") and piece.endswith("*") and len(piece) > 1:
            parts.append((piece[1:-1], "italic"))
        else:
            parts.append(Content(piece))
    return Content.assemble(*parts)


def prompt_markdown(view: HintsView) -> str:
    total = len(view.hints)
    if view.shown < total:
        return f"*{view.next_key}: {'next hint' if view.shown else 'a hint'} ({total - view.shown} more)*"
    if view.solution_diff is None and view.solution_available:
        return f"*{view.next_key}: show the solution as a diff against your code*"
    return ""


def about_markdown(view: HintsView) -> str:
    return view.explanation


def docs_content(url: str) -> Content:
    """A docs link as an OSC 8 hyperlink, on a line of its own so the terminal never splits it mid-line."""
    if not url:
        return Content("")
    return Content.assemble(("JAX docs:", "bold"), "\n", Content.styled(url, Style(underline=True, link=url)))


def solution_markdown(view: HintsView) -> str:
    if view.solution_diff is None:
        return ""
    return f"**Solution** (`-` your code, `+` the solution):\n\n```diff\n{view.solution_diff}\n```"


class HintsPanel(VerticalScroll):
    """The fix half of "error beside the fix": the newest hint is scrolled into view."""

    DEFAULT_CSS = """
    HintsPanel {
        height: 1fr;
        width: 1fr;
    }
    HintsPanel Markdown { margin: 0 1; }
    HintsPanel #hint-list { height: auto; }
    HintsPanel .hint { margin: 0 1 1 3; height: auto; }
    HintsPanel #hints-docs { margin: 0 1 1 1; height: auto; }
    HintsPanel .-empty { display: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.markdown_text = IDLE
        self._hints: list[str] = []

    def compose(self) -> ComposeResult:
        yield Markdown(id="hints-prediction", classes="-empty")
        yield Markdown(IDLE, id="hints-head")
        yield Vertical(id="hint-list")
        yield Markdown(id="hints-prompt", classes="-empty")
        yield Markdown(id="hints-about", classes="-empty")
        yield Static(id="hints-docs", classes="-empty")
        yield Markdown(id="hints-solution", classes="-empty")

    def on_mount(self) -> None:
        self.border_title = "How to fix it"

    def _set(self, selector: str, text: str) -> None:
        block = self.query_one(selector, Markdown)
        block.set_class(not text, "-empty")
        block.update(text)

    def show(self, view: HintsView | None) -> None:
        """Draw ``view``; a hint revealed since the last call is scrolled into view."""
        view = view or HintsView()
        hints = [hint_markdown(view, n) for n in range(1, min(view.shown, len(view.hints)) + 1)]
        parts = [
            view.prediction,
            head_markdown(view),
            *hints,
            prompt_markdown(view),
            about_markdown(view),
            docs_content(view.docs).plain,
            solution_markdown(view),
        ]
        self.markdown_text = "\n\n".join(p for p in parts if p)
        self._set("#hints-prediction", view.prediction)
        self._set("#hints-head", head_markdown(view))
        self._set("#hints-prompt", prompt_markdown(view))
        self._set("#hints-about", about_markdown(view))
        self._set("#hints-solution", solution_markdown(view))
        docs = self.query_one("#hints-docs", Static)
        docs.set_class(not view.docs, "-empty")
        docs.update(docs_content(view.docs))
        hint_list = self.query_one("#hint-list", Vertical)
        keep = 0
        while keep < min(len(hints), len(self._hints)) and hints[keep] == self._hints[keep]:
            keep += 1
        for block in list(hint_list.children)[keep:]:
            block.remove()
        new = [_Hint(inline_content(text)) for text in hints[keep:]]
        if new and len(hints) > 1 and view.solution_diff is None:
            new[-1].reveal = True  # a hint the student asked for: at the top, the next prompt under it
        if new:
            hint_list.mount_all(new)
        self._hints = hints
        if view.solution_diff is not None:
            self.call_after_refresh(self.scroll_to_widget, self.query_one("#hints-solution"), top=True, animate=False)
        elif new and len(hints) == 1:
            self.scroll_home(animate=False)
        elif not hints:
            self.scroll_home(animate=False)


class _Hint(Static):
    """One hint; scrolls itself into view once laid out, when asked to (its place is unknown before)."""

    DEFAULT_CLASSES = "hint"

    def __init__(self, content: Content) -> None:
        super().__init__(content)
        self.reveal = False

    def on_resize(self) -> None:
        if self.reveal:
            self.reveal = False
            self.scroll_visible(top=True, animate=False)
