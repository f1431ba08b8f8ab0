"""Reports for people and for programs: plain-text tables and the ``--json`` shape.

The CLI prints these; graders read the JSON. The app draws its own widgets from
the same :class:`RunReport` and :class:`Verdict`. No jax, no textual.
"""

from __future__ import annotations

import textwrap
from typing import Any

from jittutor.engine.protocol import CaseReport, ErrorInfo, ModeReport, RunReport, ValueSummary, to_dict
from jittutor.tutoring.grading import Verdict

VALUE_WIDTH = 22
#: jaxpr-style dtype names: what the student will also read in a jaxpr.
SHORT_DTYPES = {
    "float16": "f16",
    "bfloat16": "bf16",
    "float32": "f32",
    "float64": "f64",
    "int8": "i8",
    "int16": "i16",
    "int32": "i32",
    "int64": "i64",
    "uint8": "u8",
    "uint32": "u32",
    "complex64": "c64",
    "complex128": "c128",
}


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def value_text(value: ValueSummary | None, width: int = VALUE_WIDTH) -> str:
    """A value as a short cell, type first as in a jaxpr: ``Array(-24., dtype=float32)`` is ``f32[] -24.``."""
    if value is None:
        return "-"
    text = value.repr
    if text.startswith("Array(") and text.endswith(")") and value.dtype and value.shape is not None:
        number = text[len("Array(") : -1].split(", dtype=")[0]
        shape = ",".join(str(n) for n in value.shape)
        text = f"{SHORT_DTYPES.get(value.dtype, value.dtype)}[{shape}] {number}"
    return _shorten(text, width)


def mode_cell(mode: ModeReport, width: int = VALUE_WIDTH) -> str:
    """The value a mode returned, or the name of the error it raised."""
    if mode.ok:
        return value_text(mode.value, width)
    if mode.error is not None:
        return _shorten(f"error: {mode.error.type}", width)
    return "not run"


def format_seconds(seconds: float | None) -> str:
    """``0.000012`` -> ``12.0 us``; ``None`` -> ``-``."""
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def format_bytes(count: int) -> str:
    """``1536`` -> ``1.5 KB``; powers of 1024, as GPU tools show memory."""
    value = float(count)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def memory_text(in_use: int | None, limit: int | None) -> str:
    """``mem 1.5 GB / 80.0 GB`` for a device, or ``""`` where jax does not report memory."""
    if in_use is None:
        return ""
    text = f"mem {format_bytes(in_use)}"
    return f"{text} / {format_bytes(limit)}" if limit else text


def speedup(case: CaseReport) -> float | None:
    """Eager steady time over jit steady time, when both ran."""
    e, j = case.eager.seconds, case.jit.seconds
    if e is None or j is None or j <= 0:
        return None
    return e / j


# --- JSON --------------------------------------------------------------------


def _error_json(error: ErrorInfo | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return {
        "kind": error.kind,
        "type": error.type,
        "message": error.message,
        "line": error.line,
        "column": error.column,
        "code": error.code,
        "traceback": error.traceback,
    }


def _mode_json(mode: ModeReport) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ok": mode.ok,
        "value": mode.value.repr if mode.value else None,
        "summary": to_dict(mode.value) if mode.value else None,
        "seconds": mode.seconds,
        "first_seconds": mode.first_seconds,
        "repeats": mode.repeats,
        "output": mode.output,
        "error": _error_json(mode.error),
    }
    if mode.mode == "jit":
        data.update(
            compile_seconds=mode.compile_seconds,
            trace_seconds=mode.trace_seconds,
            lower_seconds=mode.lower_seconds,
            backend_compile_seconds=mode.backend_compile_seconds,
            compiles=mode.compiles,
            steady_compiles=mode.steady_compiles,
        )
    return data


def report_json(report: RunReport, verdict: Verdict, lesson_id: str | None = None) -> dict[str, Any]:
    """The ``--json`` document of ``run`` and ``check``."""
    data: dict[str, Any] = {
        "lesson": lesson_id,
        "passed": verdict.passed,
        "summary": verdict.summary,
        "device": report.device,
        "jax_version": report.jax_version,
        "diagnosis": verdict.kinds,
        "diagnoses": [
            {
                "kind": d.kind,
                "title": d.title,
                "failing": d.failing,
                "case": d.case,
                "mode": d.mode,
                "detail": d.detail,
                "docs": d.docs,
            }
            for d in verdict.diagnoses
        ],
        "hints": verdict.hints,
        "compiles": report.compiles,
        "entry_jitted": report.entry_jitted,
        "error": _error_json(report.error),
        "cases": [
            {
                "args": c.args,
                "match": c.match,
                "max_abs_diff": c.max_abs_diff,
                "expected": c.expected,
                "expected_ok": c.expected_ok,
                "args_error": _error_json(c.args_error),
                "eager": _mode_json(c.eager),
                "jit": _mode_json(c.jit),
            }
            for c in report.cases
        ],
        "output": report.output,
        "output_truncated": report.output_truncated,
        "jaxpr": report.jaxpr,
        "seconds": report.seconds,
    }
    return data


# --- text --------------------------------------------------------------------


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _output_lines(report: RunReport, limit: int = 4000) -> list[str]:
    """What the code printed: per case and mode (first call; repeats only noted), else the whole output."""
    pieces = [
        (f"case {n + 1}, {mode.mode}", mode.output)
        for n, case in enumerate(report.cases)
        for mode in (case.eager, case.jit)
        if mode.output.strip()
    ]
    if not pieces:
        if not report.output.strip():
            return []
        pieces = [("", report.output)]
    lines = ["", "output:"]
    width = max(len(label) for label, _ in pieces)
    for label, text in pieces:
        if len(text) > limit:
            text = text[:limit] + "\n[...]"
        for k, line in enumerate(text.rstrip().splitlines()):
            lines.append(f"  {(label if k == 0 else ''):<{width}} | {line}")
    return lines


def format_report(report: RunReport, verdict: Verdict, *, title: str = "", show_output: bool = True) -> str:
    """A plain-text report: the case table, the error beside its hints, the verdict."""
    out: list[str] = []
    if title:
        out.append(title)
    out.append(f"device {report.device or '?'} | jax {report.jax_version} | compilations: {report.compiles}")
    if report.cases:
        rows = [["case", "eager", "jit", "agree", "eager time", "compile", "jit time", "speed-up"]]
        for c in report.cases:
            sp = speedup(c)
            rows.append(
                [
                    _short(c.args, 24),
                    mode_cell(c.eager, 28),
                    mode_cell(c.jit, 28),
                    {True: "yes", False: "NO", None: "-"}[c.match],
                    format_seconds(c.eager.seconds),
                    format_seconds(c.jit.compile_seconds),
                    format_seconds(c.jit.seconds),
                    f"{sp:.1f}x" if sp is not None else "-",
                ]
            )
        out += ["", _table(rows)]
        for n, c in enumerate(report.cases):
            if c.expected_ok is False:
                out.append(f"case {n + 1}: expected {c.expected}")
    shown: set[int] = set()
    for d in verdict.diagnoses:
        out.append("")
        where = f" (case {d.case + 1}, {d.mode})" if d.case is not None and d.mode else ""
        label = "error" if d.failing else "note"
        out.append(f"{label}: {d.kind} - {d.title}{where}")
        if d.detail:
            out.append(f"  {d.detail}")
        err = d.error
        if err is not None and id(err) not in shown:
            shown.add(id(err))
            if err.line is not None:
                out.append(f"  {err.filename or 'your code'}, line {err.line}: {err.code or ''}")
                if err.column and err.code:
                    out.append("  " + " " * (len(f"{err.filename or 'your code'}, line {err.line}: ") + err.column - 1) + "^")
            out.append(textwrap.indent(f"{err.type}: {err.message}", "  | "))
        out.append(textwrap.indent(textwrap.fill(d.explanation, 88), "  "))
        if d.docs:
            out.append(f"  docs: {d.docs}")
    if verdict.hints and not verdict.passed:
        out += ["", "hints (try one at a time):"]
        for n, hint in enumerate(verdict.hints, 1):
            body = textwrap.fill(hint, 84, subsequent_indent="     ")
            out.append(f"  {n}. {body}")
    if show_output:
        out += _output_lines(report)
    out += ["", verdict.summary]
    return "\n".join(out)
