"""The ``--json`` documents of ``check``, ``run`` and ``explain``: what graders read.

Field names are stable (the README documents them); new fields are only added.
No jax, no textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jittutor.engine.protocol import ErrorInfo, ModeReport, RunReport, to_dict
from jittutor.tutoring.grading import Verdict

if TYPE_CHECKING:
    from jittutor.diagnosis import Explanation
    from jittutor.tutoring.session import Checked


def _error_json(error: ErrorInfo | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return {
        "kind": error.kind,
        "type": error.type,
        "message": error.message,
        "filename": error.filename,
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
        "notes": [{"id": n.id, "text": n.text, "numbers": n.numbers} for n in verdict.notes],
        "compiles": report.compiles,
        "entry_jitted": report.entry_jitted,
        "error": _error_json(report.error),
        "cases": [
            {
                "args": c.args,
                "match": c.match,
                "max_abs_diff": c.max_abs_diff,
                "match_note": c.match_note,
                "expected": c.expected,
                "expected_ok": c.expected_ok,
                "args_error": _error_json(c.args_error),
                "eager": _mode_json(c.eager),
                "jit": _mode_json(c.jit),
            }
            for c in report.cases
        ],
        "output": report.output,  # everything printed, once (per case and mode in the text report)
        "output_truncated": report.output_truncated,
        "jaxpr": report.jaxpr,
        "seconds": report.seconds,
        "worker_retired": report.worker_retired,
        "restored": report.restored,
        "processes_ended": report.processes_ended,
    }
    return data


def checked_json(checked: Checked) -> dict[str, Any]:
    """``check --json``: the run, the whole ladder for graders, and how much of it is revealed."""
    data = report_json(checked.report, checked.verdict, checked.lesson.id)
    data["hints_revealed"] = len(checked.hints)
    data["next_lesson"] = checked.next_lesson
    data["checked"] = checked.code.origin
    return data


def explanation_json(result: Explanation) -> dict[str, Any]:
    """``explain --json``."""
    return {
        "found": result.found,
        "kind": result.kind,
        "type": result.type,
        "title": result.title,
        "message": result.message,
        "line": result.line,
        "filename": result.filename,
        "code": result.code,
        "explanation": result.explanation,
        "hints": list(result.hints),
        "docs": result.docs,
    }
