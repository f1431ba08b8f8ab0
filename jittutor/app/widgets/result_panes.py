"""The panes under the editor: Lesson (on the lesson screen), Feedback, Results, Output and Jaxpr.

One widget owns the panes, so a screen drives them through methods (attributes
down) and never queries their children by id. Each pane has a number: alt+N
opens it and moves the focus into it (the screens bind the keys). The tab of
the pane that has the focus is marked ``▶``, which reads the same without
colour (``NO_COLOR``).
"""

from __future__ import annotations

from textual import getters
from textual.containers import Horizontal
from textual.content import Content
from textual.events import DescendantBlur, DescendantFocus
from textual.widget import Widget
from textual.widgets import DataTable, TabbedContent, TabPane

from jittutor.app.widgets.code_editor import FOCUS_MARK
from jittutor.app.widgets.error_panel import ErrorPanel
from jittutor.app.widgets.hints_panel import HintsPanel, HintsView
from jittutor.app.widgets.lesson_pane import LessonPane
from jittutor.app.widgets.results_table import ResultsTable
from jittutor.app.widgets.text_view import TextView
from jittutor.engine.protocol import RunReport
from jittutor.lessons.model import Lesson
from jittutor.present.cells import output_note, output_sections
from jittutor.tutoring.grading import Verdict

#: (name, title) of every pane, in the order of their tabs and their alt+N keys.
PANES = (
    ("lesson", "Lesson"),
    ("feedback", "Feedback"),
    ("results", "Results"),
    ("output", "Output"),
    ("jaxpr", "Jaxpr"),
)
NO_OUTPUT_YET = "(nothing run yet)"
NO_JAXPR_YET = "The jaxpr appears once your function is traced (F9 traces it now)."


def output_text(report: RunReport) -> str:
    """What the code printed, labelled per case and mode as the CLI labels it, with the cut note."""
    sections = output_sections(report)
    if not sections:
        return "(your code printed nothing)"
    text = "\n".join(f"--- {label} ---\n{body.rstrip()}" if label else body.rstrip() for label, body in sections)
    note = output_note(report)
    return text + (f"\n{note}" if note else "")


def jaxpr_text(report: RunReport) -> str:
    return report.jaxpr or f"No jaxpr: {report.jaxpr_error or 'not traced'}"


class ResultPanes(TabbedContent):
    """The result of a run, pane by pane; the Jaxpr pane is hidden until asked for."""

    error_panel = getters.query_one("#error-panel", ErrorPanel)
    hints_panel = getters.query_one("#hints-panel", HintsPanel)
    results = getters.query_one("#results", ResultsTable)
    output = getters.query_one("#output", TextView)
    jaxpr = getters.query_one("#jaxpr", TextView)

    def __init__(self, *, lesson: bool = False, id: str | None = None) -> None:
        super().__init__(id=id, initial="tab-lesson" if lesson else "tab-feedback")
        self.has_lesson = lesson
        self.jaxpr_shown = False
        panes: dict[str, Widget] = {
            "lesson": LessonPane(id="lesson-pane"),
            "feedback": Horizontal(ErrorPanel(id="error-panel"), HintsPanel(id="hints-panel"), id="feedback"),
            "results": ResultsTable(id="results"),
            "output": TextView(NO_OUTPUT_YET, id="output"),
            "jaxpr": TextView(NO_JAXPR_YET, id="jaxpr"),
        }
        for name in self.names:
            self.compose_add_child(TabPane(self._label(name, focused=False), panes[name], id=f"tab-{name}"))

    def on_mount(self) -> None:
        self.hide_tab("tab-jaxpr")

    # -- which pane --------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        """The panes this screen has, in key order (the playground has no Lesson)."""
        return [name for name, _title in PANES if name != "lesson" or self.has_lesson]

    @property
    def current(self) -> str:
        return self.active.removeprefix("tab-")

    def show_pane(self, name: str) -> None:
        """Bring pane ``name`` to the front.

        The focus stays where it is, unless it was in the pane going to the
        back: then it follows to the new one (a hidden widget keeps no focus,
        and the student would be left with none).
        """
        if name == "jaxpr":
            self.show_jaxpr_pane(True)
        focused = self.screen.focused
        self.active = f"tab-{name}"
        if focused is not None and self in focused.ancestors and self.get_pane(self.active) not in focused.ancestors:
            self._focus_in(name)

    def focus_pane(self, name: str) -> None:
        """Bring pane ``name`` to the front and put the focus in it."""
        self.show_pane(name)
        self._focus_in(name)

    def _focus_in(self, name: str) -> None:
        target: Widget = {
            "lesson": self.query_one(LessonPane),
            "feedback": self.hints_panel,
            "results": self.results.query_one(DataTable),
            "output": self.output,
            "jaxpr": self.jaxpr,
        }[name]
        # At once, not after the next refresh: a key pressed straight after
        # (alt+a, alt+0) must not have its focus taken back by this one.
        # The switcher has already made the pane displayed, so it can take it.
        self.screen.set_focus(target, scroll_visible=False)

    def show_jaxpr_pane(self, shown: bool) -> None:
        self.jaxpr_shown = shown
        if shown:
            self.show_tab("tab-jaxpr")
        else:
            if self.current == "jaxpr":
                self.active = "tab-feedback"
            self.hide_tab("tab-jaxpr")

    # -- what they show ----------------------------------------------------------------

    def show_lesson(self, lesson: Lesson) -> None:
        self.query_one(LessonPane).show(lesson)

    def scroll_lesson(self, pages: int) -> None:
        """Scroll the lesson text by ``pages`` pages (negative: up), bringing it to the front."""
        pane = self.query_one(LessonPane)

        def scroll() -> None:
            step = max(pane.scrollable_content_region.height - 1, 1)
            pane.scroll_relative(y=pages * step, animate=False)

        if self.current == "lesson":
            scroll()
        else:  # a pane just brought to the front has no size until the next layout
            self.show_pane("lesson")
            self.call_after_refresh(scroll)

    def clear(self, why: str | None = None) -> None:
        """Forget the last run: every pane back to its empty state (``why`` says so in Feedback)."""
        self.error_panel.show(None, None, idle=why)
        self.results.show(None)
        self.output.show(NO_OUTPUT_YET if why is None else why)
        self.jaxpr.show(NO_JAXPR_YET)

    def show_run(self, report: RunReport, verdict: Verdict, *, with_jaxpr: bool) -> None:
        """A finished run: the error (or none), the table, the labelled output and the jaxpr if traced."""
        self.error_panel.show(report, verdict)
        self.results.show(report, [note.text for note in verdict.notes])
        self.output.show(output_text(report), now=self.current == "output")
        if with_jaxpr:
            self.jaxpr.show(jaxpr_text(report), now=self.current == "jaxpr")

    def show_hints(self, view: HintsView) -> None:
        self.hints_panel.show(view)

    # -- the focus mark ----------------------------------------------------------------

    @staticmethod
    def _label(name: str, *, focused: bool) -> Content:
        number = [n for n, _t in PANES].index(name) + 1
        title = dict(PANES)[name]
        return Content.assemble((FOCUS_MARK, "bold") if focused else "", f"{title} ", (f"{number}", "dim"))

    def _mark(self) -> None:
        focused = self.screen.focused
        inside = focused is not None and self in focused.ancestors
        for name in self.names:
            self.get_tab(f"tab-{name}").label = self._label(name, focused=inside and name == self.current)

    def on_descendant_focus(self, _event: DescendantFocus) -> None:
        self._mark()

    def on_descendant_blur(self, _event: DescendantBlur) -> None:
        self._mark()  # the screen's focus has already moved on

    def on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        """A pane's widget took the focus: TabbedContent would bring that pane to the front.

        Not when the focus has already moved on: two alt+N keys in one burst
        (tmux, SSH) would otherwise bring the first pane back over the second.
        """
        focused = self.screen.focused
        if focused is None or event.tab_pane not in focused.ancestors:
            event.prevent_default()
            event.stop()

    def on_tabbed_content_tab_activated(self, _event: TabbedContent.TabActivated) -> None:
        if self.current in ("output", "jaxpr"):
            (self.output if self.current == "output" else self.jaxpr).flush()
        self._mark()
