"""How results are put into words and cells: shared by the widgets of both screens.

Plain functions over protocol objects; no widgets here.
"""

from __future__ import annotations

import difflib

from jittutor.engine.protocol import CaseReport, ErrorInfo, RunReport
from jittutor.present.tables import format_seconds, speedup
from jittutor.tutoring.grading import Verdict

MARKS = {"done": "[x]", "in-progress": "[~]", "not-started": "[ ]", "broken": "[!]"}
def seconds_text(seconds: float | None) -> str:
    """Human-readable time: ``12.0 µs``, ``3.40 ms``, ``1.20 s``; ``-`` when unknown."""
    return format_seconds(seconds).replace(" us", " µs")


def speedup_text(case: CaseReport) -> str:
    ratio = speedup(case)
    if ratio is None:
        return "-"
    return f"{ratio:.1f}x" if ratio < 100 else f"{ratio:.0f}x"


def agree_text(case: CaseReport) -> str:
    if case.match is None:
        return "-"
    text = "yes" if case.match else "no"
    if case.expected_ok is False:
        text += " (wrong)"
    return text


def errors_of(report: RunReport) -> list[tuple[ErrorInfo, str]]:
    """Every error in a report with where it happened, the run's own error first."""
    found: list[tuple[ErrorInfo, str]] = []
    if report.error is not None:
        found.append((report.error, ""))
    for case in report.cases:
        if case.args_error is not None:
            found.append((case.args_error, f"case ({case.args}), evaluating the arguments"))
        for mode in (case.eager, case.jit):
            if mode.error is not None:
                how = "under jit" if mode.mode == "jit" else "eagerly"
                found.append((mode.error, f"case ({case.args}), {how}"))
    return found


def main_error(report: RunReport | None, verdict: Verdict | None) -> tuple[ErrorInfo | None, str]:
    """The error to show the student: the one the primary diagnosis is about, else the first one."""
    if report is None:
        return None, ""
    found = errors_of(report)
    primary = verdict.primary if verdict is not None else None
    wanted = getattr(primary, "error", None)
    if wanted is not None:
        for error, where in found:
            if error is wanted or (error.type == wanted.type and error.message == wanted.message):
                return error, where
        return wanted, ""
    return found[0] if found else (None, "")


def compiles_text(report: RunReport) -> str:
    n = report.compiles
    text = f"{n} compilation{'s' if n != 1 else ''} under jit"
    steady = sum(c.jit.steady_compiles for c in report.cases)
    if steady:
        text += f" ({steady} while re-running the same call: it recompiles every time)"
    return text


def solution_diff(student: str, solution: str) -> str:
    """A unified diff from the student's code to the lesson's solution."""
    lines = difflib.unified_diff(
        student.splitlines(), solution.splitlines(), fromfile="your code", tofile="solution", lineterm=""
    )
    return "\n".join(lines) or "(your code is the same as the solution)"
