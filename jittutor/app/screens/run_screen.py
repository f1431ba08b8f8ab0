"""What the lesson screen and the playground share: running code in the worker and showing the result.

A subclass composes widgets with the ids used here (``#editor``, ``#verdict``,
``#tabs``, ``#error-panel``, ``#hints-panel``, ``#results``, ``#jaxpr``,
``#output``) and says how to build a request and judge a report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from jittutor.app.messages import RunDone, RunStopped
from jittutor.app.screens.device_picker import DevicePickerScreen
from jittutor.app.widgets.code_editor import CodeEditor
from jittutor.app.widgets.error_panel import ErrorPanel
from jittutor.app.widgets.hints_panel import HintsPanel, HintsView
from jittutor.app.widgets.results_table import ResultsTable
from jittutor.app.widgets.text_view import TextView
from jittutor.app.widgets.verdict_line import VerdictLine
from jittutor.engine.devices import DeviceNotFound, resolve_device
from jittutor.engine.pool import EngineError, RunCancelled
from jittutor.engine.protocol import RunReport, RunRequest
from jittutor.present.cells import main_error, solution_diff
from jittutor.tutoring.grading import Verdict

if TYPE_CHECKING:
    from jittutor.app.app import JitTutorApp

JAXPR_HELP = "The jaxpr view is on: the next run (F5) also traces your function for the first case."


class RunScreen(Screen[None]):
    """A screen with an editor whose code runs in the worker, and panels for the result."""

    # Each screen lists its keys (jittutor.app.keys) in the order its footer shows them.
    BINDINGS = []

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.running = False
        self.rerun_pending = False  # F5 during a run: cancel it, then run the new code
        self.show_jaxpr = False
        self.request: RunRequest | None = None
        self.report: RunReport | None = None
        self.verdict: Verdict | None = None
        self.hints: list[str] = []
        self.hints_shown = 0
        self.solution_shown = False
        self.runs_finished = 0  # runs that ended (with a result, cancelled or failed)

    # -- what subclasses provide ---------------------------------------------------

    def build_request(self) -> RunRequest | None:
        """The request for the code in the editor, or None (after telling the student why)."""
        raise NotImplementedError

    def judge(self, report: RunReport) -> Verdict:
        """Turn a report into a verdict (runs in the worker thread: no widgets here)."""
        raise NotImplementedError

    def after_run(self, message: RunDone) -> None:
        """Called on the UI thread after a run's result is shown."""

    def idle_hints(self) -> list[str]:
        """Hints to offer before any run."""
        return []

    def hint_revealed(self, shown: int) -> None:
        """The student revealed hint number ``shown``."""

    def solution_text(self) -> str | None:
        """The reference solution, when the student may see it now."""
        return None

    def docs_link(self) -> str:
        return ""

    def extra_commands(self) -> list[tuple[str, str, str]]:
        """Palette entries for actions without a key: (title, help, action)."""
        return [("Restart the worker", "Replace the worker process with a fresh one", "restart_worker")]

    # -- helpers -------------------------------------------------------------------

    @property
    def tutor(self) -> JitTutorApp:
        return cast("JitTutorApp", self.app)

    @property
    def editor(self) -> CodeEditor:
        return self.query_one("#editor", CodeEditor)

    @property
    def verdict_line(self) -> VerdictLine:
        return self.query_one("#verdict", VerdictLine)

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one("#tabs", TabbedContent)

    def key_for(self, action: str) -> str:
        """How the first key bound to ``action`` is shown (follows a user's keymap)."""
        for active in self.active_bindings.values():
            if active.binding.action == action:
                return self.app.get_key_display(active.binding)
        return ""

    def on_mount(self) -> None:
        self.tabs.hide_tab("tab-jaxpr")

    def compose_result_panes(self) -> ComposeResult:
        """The tabs every run screen shows under its editor: feedback, results, output, jaxpr."""
        with TabPane("Feedback", id="tab-feedback"):
            with Horizontal(id="feedback"):
                yield ErrorPanel(id="error-panel")
                yield HintsPanel(id="hints-panel")
        with TabPane("Results", id="tab-results"):
            yield ResultsTable(id="results")
        with TabPane("Output", id="tab-output"):
            yield TextView("(nothing run yet)", id="output")
        with TabPane("Jaxpr", id="tab-jaxpr"):
            yield TextView(id="jaxpr")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_run":
            return True if self.running else None
        return True

    # -- running -------------------------------------------------------------------

    def action_run(self) -> None:
        if self.running:
            # A second run replaces the first: cancel it, and run the current code once it stopped.
            self.rerun_pending = True
            self.tutor.pool.cancel()
            self.verdict_line.set_verdict("cancelled", "CANCELLING the run in progress to run your new code...")
            return
        if self.tutor.run_busy:
            self.notify(f"A run is already going; {self.key_for('cancel_run')} cancels it.", severity="warning")
            return
        request = self.build_request()
        if request is None:
            return
        self.running = True
        self.tutor.run_busy = True
        self.editor.mark_error_line(None)
        self.refresh_bindings()
        device = request.device or "the default device"
        n = len(request.cases)
        waiting = "" if self.tutor.worker_status in ("ready", "busy") else " (waiting for the worker to start)"
        self.verdict_line.set_verdict(
            "running",
            f"RUNNING {n} case{'s' if n != 1 else ''} on {device}{waiting}... {self.key_for('cancel_run')} cancels",
        )
        self.run_request(request)

    @work(thread=True, exclusive=True, exit_on_error=False, group="run", description="run code in the worker")
    def run_request(self, request: RunRequest) -> None:
        pool = self.tutor.pool
        try:
            if getattr(pool, "dead_reason", None):
                pool.restart()  # the student asked to run again after the pool gave up
            if request.device is not None and request.device not in {d.name for d in self.tutor.devices}:
                # Run pressed while the worker was starting: the device is still the user's spelling.
                info = pool.info()
                try:
                    request.device = resolve_device(request.device, info.devices, info.default_device).name
                except DeviceNotFound:
                    request.device = None
            report = pool.run(request, timeout=self.tutor.run_timeout)
        except RunCancelled:
            self.post_message(RunStopped(cancelled=True, message="Run cancelled."))
            return
        except EngineError as exc:
            self.post_message(RunStopped(cancelled=False, message=str(exc)))
            return
        self.post_message(RunDone(request=request, report=report, verdict=self.judge(report)))

    def _run_over(self) -> None:
        self.runs_finished += 1
        self.running = False
        self.tutor.run_busy = False
        self.refresh_bindings()

    def action_cancel_run(self) -> None:
        if not self.running:
            self.notify("Nothing is running.")
            return
        self.rerun_pending = False
        self.tutor.pool.cancel()
        self.verdict_line.set_verdict("cancelled", "CANCELLING the run...")

    def action_restart_worker(self) -> None:
        if self.running:
            self.tutor.pool.cancel()
        self.tutor.restart_worker()

    @on(RunStopped)
    def _run_stopped(self, message: RunStopped) -> None:
        self._run_over()
        if self._start_pending_rerun():
            return
        if message.cancelled:
            self.verdict_line.set_verdict(
                "cancelled", f"CANCELLED: the run was stopped. {self.key_for('run')} runs again."
            )
        else:
            again = f"{self.key_for('run')} tries again"
            self.verdict_line.set_verdict("error", f"ENGINE: {message.message.splitlines()[0]} ({again})")
            self.notify(message.message, title="The worker could not run this", severity="error", markup=False)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """One place for failures nobody caught: a bug must not leave the screen 'running' forever."""
        if event.worker.group == "run" and event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            if self.running:
                self._run_over()
                reason = event.worker.error or "the run was interrupted"
                self.verdict_line.set_verdict("error", f"ERROR: {reason}")
                self.notify(str(reason), title="Run failed", severity="error", markup=False)

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
        if verdict.hints != self.hints:
            self.hints = list(verdict.hints)
            self.hints_shown = 0
        if not verdict.passed:
            self.hints_shown = max(self.hints_shown, 1 if self.hints else 0)
        self.solution_shown = False
        self.query_one("#error-panel", ErrorPanel).show(report, verdict)
        self.query_one("#results", ResultsTable).show(report)
        self.query_one("#output", TextView).show(self._output_text(report))
        if message.request.jaxpr:
            self.query_one("#jaxpr", TextView).show(report.jaxpr or f"No jaxpr: {report.jaxpr_error or 'not traced'}")
        self.refresh_hints()
        error, _where = main_error(report, verdict)
        if error is not None and error.line is not None and error.filename in (None, message.request.filename):
            self.editor.mark_error_line(error.line)
            self.editor.focus()
        if verdict.passed:
            self.verdict_line.set_verdict("passed", f"PASSED: {verdict.summary.removeprefix('passed: ')}")
            self.tabs.active = "tab-results"
        else:
            summary = verdict.summary.removeprefix("not yet: ")
            self.verdict_line.set_verdict("failed", f"NOT YET: {summary}. {self.key_for('next_hint')}: next hint")
            self.tabs.active = "tab-feedback"

    @staticmethod
    def _output_text(report: RunReport) -> str:
        if not report.output:
            return "(your code printed nothing)"
        note = f"\n[output cut: {report.output_bytes} bytes printed in all]" if report.output_truncated else ""
        return report.output + note

    # -- hints and solution --------------------------------------------------------

    def hints_view(self) -> HintsView:
        verdict = self.verdict
        primary = verdict.primary if verdict is not None else None
        failing = primary if primary is not None and verdict is not None and not verdict.passed else None
        solution = self.solution_text()
        return HintsView(
            title=failing.title if failing is not None else "",
            kind=failing.kind if failing is not None else "",
            explanation=failing.explanation if failing is not None else "",
            hints=self.hints if verdict is not None else self.idle_hints(),
            shown=self.hints_shown,
            docs=(primary.docs if primary is not None else "") or self.docs_link(),
            passed=bool(verdict and verdict.passed),
            solution_available=solution is not None,
            solution_diff=solution_diff(self.editor.text, solution) if self.solution_shown and solution else None,
            next_key=self.key_for("next_hint"),
        )

    def refresh_hints(self) -> None:
        self.query_one("#hints-panel", HintsPanel).show(self.hints_view())

    def action_next_hint(self) -> None:
        hints = self.hints if self.verdict is not None else self.idle_hints()
        if self.verdict is None and not self.hints:
            self.hints = hints
        if self.hints_shown < len(hints):
            self.hints_shown += 1
            self.hint_revealed(self.hints_shown)
        elif self.solution_text() is not None and not self.solution_shown:
            self.solution_shown = True
        elif not hints:
            self.notify(f"No hints yet: run your code first ({self.key_for('run')}).")
            return
        else:
            self.notify("That was the last hint.")
        self.tabs.active = "tab-feedback"
        self.refresh_hints()

    def action_show_solution(self) -> None:
        if self.solution_text() is None:
            self.notify(
                f"The solution opens after you pass, or after the last hint ({self.key_for('next_hint')}).",
                severity="warning",
            )
            return
        self.solution_shown = True
        self.tabs.active = "tab-feedback"
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
        self.show_jaxpr = not self.show_jaxpr
        tabs = self.tabs
        if self.show_jaxpr:
            tabs.show_tab("tab-jaxpr")
            tabs.active = "tab-jaxpr"
            view = self.query_one("#jaxpr", TextView)
            if self.report is not None and self.request is not None and self.request.jaxpr:
                view.show(self.report.jaxpr or f"No jaxpr: {self.report.jaxpr_error or 'not traced'}")
            else:
                view.show(JAXPR_HELP)
        else:
            if tabs.active == "tab-jaxpr":
                tabs.active = "tab-feedback"
            tabs.hide_tab("tab-jaxpr")

    def action_toggle_maximize(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None and not self.maximize(self.focused):
            self.notify("This pane cannot be maximized.")
