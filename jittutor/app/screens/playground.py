"""The playground: run any function on any arguments, eagerly and under jit, with the same panels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Footer, Input, Static, TextArea

from jittutor.app import keys
from jittutor.app.screens.run_screen import RunScreen
from jittutor.app.widgets.code_editor import CodeEditor
from jittutor.app.widgets.result_panes import ResultPanes
from jittutor.app.widgets.status_line import StatusLine
from jittutor.app.widgets.verdict_line import VerdictLine
from jittutor.engine.protocol import RunReport, RunRequest
from jittutor.errors import UsageError
from jittutor.tutoring.grading import Verdict, assess
from jittutor.tutoring.requests import check_args, check_entry, free_request

EXAMPLE_SOURCE = """import jax
import jax.numpy as jnp


def f(x):
    return jnp.sin(x) ** 2 + jnp.cos(x) ** 2
"""
EXAMPLE_ENTRY = "f"
EXAMPLE_ARGS = "jnp.arange(4.0)\n1.0\n"
SETTING = "playground"


class PlaygroundScreen(RunScreen):
    """A free page: code, the function to call, and one argument list per line."""

    BINDINGS = [
        keys.HELP,
        keys.RUN,
        keys.CANCEL,
        keys.HINT,
        keys.BACK,
        keys.DEVICE,
        keys.JAXPR,
        keys.ZOOM,
        keys.EDITOR,
        *keys.PANE_KEYS,
        keys.SELECT_ALL,
    ]

    def __init__(self) -> None:
        super().__init__(id="playground")

    def compose(self) -> ComposeResult:
        saved = self.tutor.state.remembered().get(SETTING)
        saved = saved if isinstance(saved, dict) else {}
        yield StatusLine(id="status")
        with Horizontal(id="pg-top"):
            yield CodeEditor.python(str(saved.get("source", EXAMPLE_SOURCE)), id="editor", blink=self.tutor.blink)
            with Vertical(id="pg-side"):
                yield Static(Content("Function to call"), classes="pg-label")
                yield Input(str(saved.get("entry", EXAMPLE_ENTRY)), placeholder="f", id="pg-entry", compact=True)
                yield Static(Content("Arguments, a call a line"), classes="pg-label")
                args = TextArea(str(saved.get("args", EXAMPLE_ARGS)), id="pg-args", soft_wrap=False, compact=True)
                args.cursor_blink = self.tutor.blink
                yield args
        yield VerdictLine(id="verdict")
        yield ResultPanes(id="tabs")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.editor.set_title("playground.py")
        self.query_one("#status", StatusLine).context = "playground"
        self.verdict_line.set_verdict(
            "idle", f"Any code: {self.key_for('run')} calls the function on each argument line, eagerly and under jit."
        )

    def build_request(self) -> RunRequest | None:
        entry = self.query_one("#pg-entry", Input).value.strip()
        try:
            check_entry(entry, "Function to call:")
        except UsageError:
            self.notify("Name the function to call (a Python name such as f).", severity="warning")
            self.query_one("#pg-entry", Input).focus()
            return None
        lines = [line.strip() for line in self.query_one("#pg-args", TextArea).text.splitlines()]
        args = [line for line in lines if line and not line.startswith("#")] or [""]
        try:
            check_args(args, "Arguments:")
        except UsageError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            self.query_one("#pg-args", TextArea).focus()
            return None
        self.save_draft_now()
        return free_request(
            self.editor.text, entry, args, self.tutor.device, filename="playground.py", jaxpr=self.show_jaxpr
        )

    def code_signature(self) -> str:
        entry = self.query_one("#pg-entry", Input).value
        return "\0".join((self.editor.text, entry, self.query_one("#pg-args", TextArea).text))

    def judge(self, report: RunReport) -> Verdict:
        return assess(report)

    def save_draft_now(self) -> None:
        """Remember the playground's code, entry and arguments (remembered state, not settings)."""
        try:
            data = {
                "source": self.editor.text,
                "entry": self.query_one("#pg-entry", Input).value,
                "args": self.query_one("#pg-args", TextArea).text,
            }
        except Exception:  # noqa: BLE001 - widgets already gone while shutting down
            return
        if self.tutor.state.remembered().get(SETTING) != data:
            try:
                self.tutor.state.remember(SETTING, data)
            except OSError as exc:
                self.notify(f"Could not save the playground: {exc}", severity="error", markup=False)

    def action_back(self) -> None:
        self.save_draft_now()
        if self.running:
            self.tutor.cancel_run()
        self.dismiss()
