"""Plain-text reports for the terminal: the case table, the error beside its hints, the verdict.

Every cell comes from :mod:`jittutor.present.cells`, so the CLI and the app
spell every number the same way. No jax, no textual.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from jittutor.engine.protocol import RunReport
from jittutor.present.cells import can_draw_micro, case_cells, output_note, output_sections
from jittutor.tutoring.grading import Verdict

if TYPE_CHECKING:
    from jittutor.tutoring.ladder import Reveal
    from jittutor.tutoring.session import Checked, LessonSession

HEADERS = ["case", "eager", "jit", "agree", "eager time", "compile", "jit time", "speed-up"]
OUTPUT_LIMIT = 4000  # characters of one case's output in the terminal report
NBSP = "\xa0"  # textwrap does not break at it


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _output_lines(report: RunReport) -> list[str]:
    pieces = output_sections(report)
    if not pieces:
        return []
    lines = ["", "output:"]
    width = max(len(label) for label, _ in pieces)
    for label, text in pieces:
        if len(text) > OUTPUT_LIMIT:
            text = text[:OUTPUT_LIMIT] + "\n[...]"
        for k, line in enumerate(text.rstrip().splitlines()):
            lines.append(f"  {(label if k == 0 else ''):<{width}} | {line}")
    if note := output_note(report):
        lines.append(f"  {note}")
    return lines


def _diagnosis_lines(verdict: Verdict) -> list[str]:
    out: list[str] = []
    shown: set[int] = set()
    for d in verdict.diagnoses:
        out.append("")
        where = f" (case {d.case + 1}, {d.mode})" if d.case is not None and d.mode else ""
        out.append(f"{'error' if d.failing else 'note'}: {d.kind} - {d.title}{where}")
        if d.detail:
            out.append(f"  {d.detail}")
        err = d.error
        if err is not None and id(err) not in shown:
            shown.add(id(err))
            if err.line is not None:
                at = f"{err.filename or 'your code'}, line {err.line}: "
                out.append(f"  {at}{err.code or ''}")
                if err.column and err.code:
                    out.append("  " + " " * (len(at) + err.column - 1) + "^")
            out.append(textwrap.indent(f"{err.type}: {err.message}", "  | "))
        out.append(textwrap.indent(textwrap.fill(d.explanation, 88), "  "))
        if d.docs:
            out.append(f"  docs: {d.docs}")
    return out


def _fill_keeping_code(text: str, width: int, indent: str) -> str:
    """``textwrap.fill``, but never breaking inside a `code span` (a hint's code stays copyable)."""
    parts = text.split("`")
    glued = "`".join(p.replace(" ", NBSP) if n % 2 else p for n, p in enumerate(parts))
    return textwrap.fill(glued, width, subsequent_indent=indent).replace(NBSP, " ")


def _note_lines(verdict: Verdict) -> list[str]:
    """What the numbers mean, right under the table that shows them."""
    if not verdict.notes:
        return []
    out = ["", "what the numbers mean:"]
    for note in verdict.notes:
        out.append("  - " + textwrap.fill(note.text.replace("`", ""), 84, subsequent_indent="    "))
    return out


def _hint_lines(hints: list[str], total: int, heading: str) -> list[str]:
    out = ["", heading]
    for n, hint in enumerate(hints, 1):
        out.append(f"  {n}. " + _fill_keeping_code(hint, 84, "     "))
    return out


def format_report(
    report: RunReport,
    verdict: Verdict,
    *,
    title: str = "",
    hints: list[str] | None = None,
    more_hints: str = "",
    micro: bool | None = None,
) -> str:
    """A plain-text report: the case table, the error beside its hints, the verdict.

    ``hints`` are the rungs to print (default: the whole ladder, numbered);
    ``more_hints`` says how to get the next one.
    """
    micro = can_draw_micro() if micro is None else micro
    out: list[str] = [title] if title else []
    out.append(f"device {report.device or '?'} | jax {report.jax_version} | compilations: {report.compiles}")
    if report.entry_jitted is False:
        out.append("the jit column runs your function wrapped in jax.jit by the tutor")
    if report.cases:
        rows = [HEADERS] + [list(case_cells(c, micro=micro, value_width=28)) for c in report.cases]
        out += ["", _table(rows)]
        out += [f"case {n + 1}: expected {c.expected}" for n, c in enumerate(report.cases) if c.expected_ok is False]
    out += _note_lines(verdict)
    out += _diagnosis_lines(verdict)
    shown = verdict.hints if hints is None else hints
    if shown and not verdict.passed:
        heading = "hints (try one at a time):" if hints is None else f"hints ({len(shown)} of {len(verdict.hints)}):"
        out += _hint_lines(shown, len(verdict.hints), heading)
        if more_hints:
            out.append(f"  {more_hints}")
    out += _output_lines(report)
    if report.jaxpr:
        out += ["", "jaxpr of the first case:", report.jaxpr]
    out += ["", verdict.summary]
    return "\n".join(out)


def format_checked(checked: Checked, *, hints: list[str] | None = None, ask: str | None = None) -> str:
    """``jittutor check`` and ``watch``: the report with the hints revealed so far, then what to do next.

    ``hints`` are the rungs revealed now (default: those of the check; ``watch``
    reveals more between checks); ``ask`` is how to get the next one (default:
    the ``jittutor hint`` command; ``watch`` says "press h").
    """
    lesson = checked.lesson
    shown = checked.hints if hints is None else hints
    ask = ask or f"jittutor hint {lesson.id}"
    more = ""
    if len(shown) < checked.total_hints:
        more = f"next hint: {ask}   ({len(shown) + 1} of {checked.total_hints})"
    elif checked.total_hints:
        more = f"that was the last hint; {ask} shows the solution as a diff"
    text = format_report(
        checked.report,
        checked.verdict,
        title=f"{lesson.title} ({lesson.id}): checking {checked.code.origin}",
        hints=shown,
        more_hints=more,
    )
    if checked.passed:
        nxt = checked.next_lesson
        text += f"\nnext lesson: {nxt}   (jittutor start {nxt})" if nxt else "\nThat was the last lesson."
    return text


def format_reveal(reveal: Reveal, session: LessonSession, student: str) -> str:
    """``jittutor hint``: one rung, or the solution as a diff, or the end of the ladder."""
    lesson_id = session.lesson.id
    if reveal.what == "hint":
        more = f"\n(next: jittutor hint {lesson_id})" if reveal.number < reveal.total else ""
        return _fill_keeping_code(f"Hint {reveal.number} of {reveal.total}: {reveal.text}", 88, "") + more
    if reveal.what == "solution":
        return "The solution, as a diff against your code:\n" + session.solution_diff(student)
    return f"No more hints for {lesson_id}. Check your code again: jittutor check {lesson_id}"
