"""What the lesson screen and the playground share: asking the app to run code, and showing the result.

The run itself belongs to the app (:meth:`JitTutorApp.run_code`): this screen
never touches the pool. A subclass composes an editor (``#editor``), a verdict
line (``#verdict``) and the result panes (one :class:`ResultPanes`, ``#tabs``),
and says how to build a request, judge a report and climb its hint ladder.

Navigating never edits: Tab and shift+Tab move between the panes and skip the
editor (where Tab indents); alt+0 goes back to the editor, alt+1..5 to a pane.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from textual import events, getters, on
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget

from jittutor.app.messages import RunDone, RunStopped
from jittutor.app.screens.device_picker import DevicePickerScreen
from jittutor.app.widgets.code_editor import ALT_DIGITS, CodeEditor
from jittutor.app.widgets.hints_panel import HintsView
from jittutor.app.widgets.result_panes import ResultPanes
from jittutor.app.widgets.verdict_line import VerdictLine
from jittutor.engine.protocol import RunReport, RunRequest
from jittutor.tutoring.grading import Verdict
from jittutor.tutoring.ladder import HintLadder, Reveal

if TYPE_CHECKING:
    from jittutor.app.app import JitTutorApp

JAXPR_TRACING = "Tracing your function for its first case..."


class RunScreen(Screen[None]):
    """A screen with an editor whose code runs in the worker, and panels for the result."""

    AUTO_FOCUS = "#editor"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    # Each screen lists its keys (jittutor.app.keys) in the order its footer shows them.
    BINDINGS = []

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.running = False  # this screen's run is going (the app runs one at a time)
        self.rerun_pending = False  # F5 during a run: cancel it, then run the new code
        self.show_jaxpr = False
        self.request: RunRequest | None = None
        self.report: RunReport | None = None
        self.verdict: Verdict | None = None
        self.ladder = HintLadder([])  # the playground's ladder; the lesson screen's lives in its session
        self.runs_finished = 0  # runs that ended (with a result, cancelled or failed)
        self.run_label = ""  # what the verdict line says while the run goes
        self._run_started = 0.0
        self._run_timer: Timer | None = None
        self._jaxpr_requested = False  # F9 started this run: show the jaxpr when it ends
        self._running_signature = ""  # the code_signature of the run in progress

    # -- what subclasses provide ---------------------------------------------------

    def build_request(self) -> RunRequest | None:
        """The request for the code in the editor, or None (after telling the student why)."""
        raise NotImplementedError

    def judge(self, report: RunReport) -> Verdict:
        """Turn a report into a verdict (runs in the worker thread: no widgets here)."""
        raise NotImplementedError

    def after_run(self, message: RunDone) -> None:
        """Called on the UI thread after a run's result is shown."""

    def current_ladder(self) -> HintLadder:
        """The hint ladder the student is on."""
        return self.ladder

    def reveal(self) -> Reveal:
        """Climb one rung (then the solution, then the end)."""
        return self.ladder.reveal(solution=None)

    def solution_text(self) -> str | None:
        """The reference solution, when the student may see it now."""
        return None

    def solution_diff(self) -> str:
        return ""

    def docs_link(self) -> str:
        return ""

    def extra_commands(self) -> list[tuple[str, str, str]]:
        """Palette entries for actions without a key: (title, help, action)."""
        return [("Restart the worker", "Replace the worker process with a fresh one", "restart_worker")]

    # -- helpers -------------------------------------------------------------------

    @property
    def tutor(self) -> JitTutorApp:
        return cast("JitTutorApp", self.app)

    editor = getters.query_one("#editor", CodeEditor)
    verdict_line = getters.query_one("#verdict", VerdictLine)
    panes = getters.query_one("#tabs", ResultPanes)

    @property
    def tabs(self) -> ResultPanes:
        """The result panes (their ``active`` is ``tab-<name>``)."""
        return self.panes

    def key_for(self, action: str) -> str:
        """How the first key bound to ``action`` is shown (follows a user's keymap)."""
        for active in self.active_bindings.values():
            if active.binding.action == action:
                return self.app.get_key_display(active.binding)
        return ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_run":
            return True if self.running else None
        if action == "focus_pane" and parameters and parameters[0] not in self.panes.names:
            return None
        return True

    # -- moving around -------------------------------------------------------------

    def focus_next(self, selector: str | type[Widget] = "*") -> Widget | None:
        """Tab (and Escape in the editor): the next pane, never the editor, where Tab would indent."""
        return self._step_focus(1) if selector == "*" else super().focus_next(selector)

    def focus_previous(self, selector: str | type[Widget] = "*") -> Widget | None:
        return self._step_focus(-1) if selector == "*" else super().focus_previous(selector)

    def _step_focus(self, direction: int) -> Widget | None:
        chain = self.focus_chain
        if self.maximized is not None:
            inside = set(self.maximized.walk_children(with_self=True))
            chain = [widget for widget in chain if widget in inside]
        editor = self.query_one("#editor")
        if not any(widget is not editor for widget in chain):
            return self.focused
        start = chain.index(self.focused) if self.focused in chain else -direction
        for step in range(1, len(chain) + 1):
            widget = chain[(start + direction * step) % len(chain)]
            if widget is not editor:
                self.set_focus(widget)
                return widget
        return self.focused

    @on(CodeEditor.PaneKey)
    def _pane_key(self, message: CodeEditor.PaneKey) -> None:
        self._go_to_pane(message.number)

    def on_key(self, event: events.Key) -> None:
        """alt+N from a terminal, while the focus is outside the editor (see ``ALT_DIGITS``)."""
        if event.character in ALT_DIGITS:
            event.stop()
            self._go_to_pane(ALT_DIGITS[event.character])

    def _go_to_pane(self, number: int) -> None:
        names = ["editor", "lesson", "feedback", "results", "output", "jaxpr"]
        name = names[number]
        if name == "editor":
            self.action_focus_editor()
        elif name in self.panes.names:
            self.action_focus_pane(name)

    def action_focus_editor(self) -> None:
        self.editor.focus()

    def action_focus_pane(self, name: str) -> None:
        self.panes.focus_pane(name)

    def action_select_all(self) -> None:
        self.editor.focus()
        self.editor.select_all()

    # -- running -------------------------------------------------------------------

    def code_signature(self) -> str:
        """What a run depends on that the student edits (F5 on unchanged code does not run it again)."""
        return self.editor.text

    def action_run(self) -> None:
        if self.running:
            if self.tutor.cancelling or self.code_signature() == self._running_signature:
                return  # already cancelling, or already running this very code: one more F5 changes nothing
            # A second run replaces the first: cancel it, and run the current code once it stopped.
            self.rerun_pending = True
            self.tutor.cancel_run()
            self.verdict_line.set_verdict("cancelled", "CANCELLING the run in progress to run your new code...")
            return
        if self.tutor.run_busy:
            self.notify(f"A run is already going; {self.key_for('cancel_run')} cancels it.", severity="warning")
            return
        request = self.build_request()
        if request is None or not self.tutor.run_code(self, request, self.judge):
            return
        self.running = True
        self._running_signature = self.code_signature()
        self.editor.mark_error_line(None)
        self.refresh_bindings()
        device = request.device or "the default device"
        n = len(request.cases)
        waiting = "" if self.tutor.worker_status in ("ready", "busy") else " (waiting for the worker to start)"
        self.run_label = f"RUNNING {n} case{'s' if n != 1 else ''} on {device}{waiting}"
        self._run_started = time.monotonic()
        self._run_timer = self.set_interval(1.0, self.show_elapsed)
        self.show_elapsed()

    def show_elapsed(self) -> None:
        """The verdict line while a run goes: what runs, for how long so far, and how to stop it."""
        if not self.running or self.tutor.cancelling:
            return
        seconds = int(time.monotonic() - self._run_started)
        self.verdict_line.set_verdict(
            "running", f"{self.run_label}... {seconds} s, {self.key_for('cancel_run')} cancels"
        )

    def _run_over(self) -> None:
        self.runs_finished += 1
        self.running = False
        if self._run_timer is not None:
            self._run_timer.stop()
            self._run_timer = None
        self.tutor.run_finished()
        self.refresh_bindings()

    def action_cancel_run(self) -> None:
        if not self.running:
            self.notify("Nothing is running.")
            return
        self.rerun_pending = False
        self.tutor.cancel_run()
        self.verdict_line.set_verdict("cancelled", "CANCELLING the run...")

    def action_restart_worker(self) -> None:
        self.tutor.cancel_run()
        self.tutor.restart_worker()

    @on(RunStopped)
    def _run_stopped(self, message: RunStopped) -> None:
        self._run_over()
        if self._start_pending_rerun():
            return
        self._jaxpr_requested = False
        # The last verdict belonged to code that may have changed since: nothing of it stays on screen.
        self.request = self.report = self.verdict = None
        self.panes.clear("The last run was cancelled; nothing to show." if message.cancelled else None)
        self.refresh_hints()
        if message.cancelled:
            self.verdict_line.set_verdict(
                "cancelled", f"CANCELLED: the run was stopped. {self.key_for('run')} runs again."
            )
        else:
            again = f"{self.key_for('run')} tries again"
            self.verdict_line.set_verdict("error", f"ENGINE: {message.message.splitlines()[0]} ({again})")
            self.notify(message.message, title="The worker could not run this", severity="error", markup=False)

    @on(RunDone)
    def _run_done(self, message: RunDone) -> None:
        self._run_over()
        if message.report.device == self.tutor.device:
            self.tutor.note_memory(message.report.memory_in_use, message.report.memory_limit)
        self.show_result(message)
        self.after_run(message)
        self._start_pending_rerun()

    def _start_pending_rerun(self) -> bool:
        """Start the run that F5 asked for while the previous one was still going."""
        if not self.rerun_pending:
            return False
        self.rerun_pending = False
        self.action_run()
        return True

    def show_result(self, message: RunDone) -> None:
        report, verdict = message.report, message.verdict
        self.request, self.report, self.verdict = message.request, report, verdict
        self.update_ladder(verdict)
        self.panes.show_run(report, verdict, with_jaxpr=message.request.jaxpr)
        self.refresh_hints()
        error = verdict.error
        if error is not None and error.line is not None and error.filename in (None, message.request.filename):
            # Marked, not focused: the focus stays where the student left it (F5 works from anywhere).
            self.editor.mark_error_line(error.line)
        if verdict.passed:
            self.verdict_line.set_verdict("passed", f"PASSED: {verdict.summary.removeprefix('passed: ')}")
        else:
            summary = verdict.summary.removeprefix("not yet: ")
            self.verdict_line.set_verdict("failed", f"NOT YET: {summary}. {self.key_for('next_hint')}: next hint")
        if self._jaxpr_requested:
            self._jaxpr_requested = False
            self.panes.show_pane("jaxpr")
        else:
            self.panes.show_pane("results" if verdict.passed else "feedback")

    def update_ladder(self, verdict: Verdict) -> None:
        """A new verdict: a new ladder when the failure changed; with a failure, its first rung shows."""
        if verdict.passed:
            self.ladder = HintLadder([])
            return
        if verdict.hints != self.ladder.rungs:
            self.ladder = HintLadder(list(verdict.hints))
        self.ladder.revealed = max(self.ladder.revealed, 1 if self.ladder.rungs else 0)

    # -- hints and solution --------------------------------------------------------

    def hints_view(self) -> HintsView:
        verdict = self.verdict
        primary = verdict.primary if verdict is not None else None
        failing = primary if primary is not None and verdict is not None and not verdict.passed else None
        ladder = self.current_ladder()
        solution = self.solution_text()
        return HintsView(
            title=failing.title if failing is not None else "",
            kind=failing.kind if failing is not None else "",
            explanation=failing.explanation if failing is not None else "",
            hints=list(ladder.rungs),
            shown=ladder.revealed,
            docs=(primary.docs if primary is not None else "") or self.docs_link(),
            passed=bool(verdict and verdict.passed),
            solution_available=solution is not None,
            solution_diff=self.solution_diff() if ladder.solution_shown and solution else None,
            next_key=self.key_for("next_hint"),
            prediction=self.prediction_markdown(),
        )

    def prediction_markdown(self) -> str:
        """Whether the prediction made before the last run was right (Markdown); the lesson screen has them."""
        return ""

    def refresh_hints(self) -> None:
        self.panes.show_hints(self.hints_view())

    def action_next_hint(self) -> None:
        reveal = self.reveal()
        if reveal.what == "end":
            if not self.current_ladder().rungs:
                self.notify(f"No hints yet: run your code first ({self.key_for('run')}).")
                return
            self.notify("That was the last hint.")
        self.panes.show_pane("feedback")
        self.refresh_hints()

    def action_show_solution(self) -> None:
        if self.solution_text() is None:
            self.notify(
                f"The solution opens after you pass, or after the last hint ({self.key_for('next_hint')}).",
                severity="warning",
            )
            return
        self.current_ladder().solution_shown = True
        self.panes.show_pane("feedback")
        self.refresh_hints()

    # -- device, jaxpr, zoom -------------------------------------------------------

    def action_pick_device(self) -> None:
        devices = self.tutor.devices
        if not devices:
            self.notify("The worker is still starting; its devices appear once it is ready.", severity="warning")
            return

        def chosen(name: str | None) -> None:
            if name and name != self.tutor.device:
                self.tutor.set_device(name)
                self.notify(f"Runs now go to {name}. Nothing was re-run; press {self.key_for('run')} to run there.")

        self.app.push_screen(DevicePickerScreen(devices, self.tutor.device), chosen)

    def action_toggle_jaxpr(self) -> None:
        """F9: trace the function now and show its jaxpr; F9 on the Jaxpr pane hides it again."""
        panes = self.panes
        if self.show_jaxpr and panes.current == "jaxpr":
            self.show_jaxpr = False
            panes.show_jaxpr_pane(False)
            return
        if self.show_jaxpr and self.request is not None and self.request.jaxpr:
            panes.show_pane("jaxpr")  # every run since the first F9 traced: the pane is up to date
            return
        self.show_jaxpr = True  # later runs trace too, so the pane follows the code
        panes.show_pane("jaxpr")
        if self.running:
            panes.jaxpr.show(f"A run is going; {self.key_for('toggle_jaxpr')} again once it ends traces your code.")
            return
        panes.jaxpr.show(JAXPR_TRACING)
        self._jaxpr_requested = True
        self.action_run()
        if not self.running:
            self._jaxpr_requested = False

    def action_scroll_lesson(self, pages: int) -> None:
        if "lesson" in self.panes.names:
            self.panes.scroll_lesson(pages)

    def action_toggle_maximize(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None and not self.maximize(self.focused):
            self.notify("This pane cannot be maximized.")
