"""What went wrong: JAX's message unchanged, where in the student's code, or a silent problem."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from jittutor.engine.protocol import ErrorInfo, RunReport
from jittutor.tutoring.grading import Verdict

IDLE = "Nothing yet. Press F5 to run your code; errors appear here, hints on the right."


def error_content(error: ErrorInfo, where: str) -> Content:
    """The error type, where it happened, the student's line, then the message exactly as raised."""
    parts: list[Content | str | tuple[str, str]] = [(error.type, "bold")]
    if where:
        parts.append(f"  in {where}")
    parts.append("\n")
    if error.line is not None:
        code = f": {error.code}" if error.code else ""
        parts += [("at line ", "dim"), (f"{error.line}{code}", "bold"), "\n"]
    parts += ["\n", error.message]
    frames = student_frames(error)
    if frames.count("File ") > 1:
        parts += ["\n\n", ("Where, in your code (innermost last):", "bold"), "\n", (frames, "dim")]
    return Content.assemble(*parts)


def student_frames(error: ErrorInfo) -> str:
    """The traceback's frame lines (the worker keeps only the student's), without the repeated message."""
    lines = []
    for line in error.traceback.splitlines():
        if line.startswith(f"{error.type}:") or line.startswith(error.type + "\n"):
            break
        if line.startswith("Traceback"):
            continue
        lines.append(line)
    return "\n".join(lines).rstrip()


def report_content(report: RunReport | None, verdict: Verdict | None) -> Content:
    """What the panel says about a run (plain Content: JAX's messages hold brackets, never markup)."""
    if report is None:
        return Content(IDLE)
    error, where = (verdict.error, verdict.where) if verdict is not None else (None, "")
    if error is not None:
        return error_content(error, where)
    primary = verdict.primary if verdict is not None else None
    if verdict is not None and not verdict.passed and primary is not None:
        # A silent problem (recompiles, print-in-jit, mismatch...): no exception, but a finding.
        return Content.assemble(
            ("No exception, but: ", "bold"), (primary.title, "bold"), f" ({primary.kind})\n\n", primary.detail or ""
        )
    if verdict is not None and verdict.passed:
        return Content("No errors: every case ran eagerly and under jit, and they agree.")
    return Content("No errors reported.")


class ErrorPanel(VerticalScroll):
    """The error half of "error beside the fix"."""

    DEFAULT_CSS = """
    ErrorPanel {
        height: 1fr;
        width: 1fr;
        padding: 0 1;
    }
    ErrorPanel > Static { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plain = IDLE  # what the panel shows, as text (for tests and copying)

    def compose(self) -> ComposeResult:
        yield Static(Content(IDLE), id="error-text")

    def on_mount(self) -> None:
        self.border_title = "What happened"

    def show(self, report: RunReport | None, verdict: Verdict | None, *, idle: str | None = None) -> None:
        """Draw a run's error (or its absence); with no report, ``idle`` (or the default) says why."""
        content = report_content(report, verdict) if report is not None or idle is None else Content(idle)
        self.plain = content.plain
        self.query_one("#error-text", Static).update(content)
        self.scroll_home(animate=False)
