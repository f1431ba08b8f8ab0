"""From a run report to a list of diagnoses, most important first.

Errors are classified by :mod:`jittutor.diagnosis.classify`; the silent kinds
(``mismatch``, ``wrong-value``, ``recompiles``, ``not-jitted``, ``print-in-jit``)
come from the measurements in the report. Each kind appears once, at its first
occurrence, with a ``detail`` that says how many cases showed it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jittutor.diagnosis.classify import classify_error, has_tracer_repr
from jittutor.diagnosis.texts import kind_info
from jittutor.engine.protocol import AsWrittenReport, CaseReport, ErrorInfo, ModeReport, RunReport

#: Silent kinds, in the order they are listed after the errors.
SILENT_ORDER = ("wrong-value", "mismatch", "recompiles", "not-jitted", "print-in-jit")


@dataclass
class Diagnosis:
    """One finding about a run: what kind, the teacher's texts, and where it was seen.

    ``case`` is the index of the first case that showed it (``None`` for the run
    as a whole); ``mode`` is ``"eager"`` or ``"jit"`` where that matters.
    ``failing`` says whether it makes the run fail; a non-failing diagnosis is a
    note (a ``print`` showing a tracer, a retrace on every call).
    """

    kind: str
    title: str
    explanation: str
    hints: list[str]
    docs: str
    error: ErrorInfo | None = None
    case: int | None = None
    mode: str | None = None
    detail: str = ""
    failing: bool = True


@dataclass
class _Finding:
    kind: str
    failing: bool
    error: ErrorInfo | None = None
    case: int | None = None
    mode: str | None = None
    detail: str = ""
    cases: list[int] = field(default_factory=list)


def _mode_error(mode: ModeReport) -> ErrorInfo | None:
    return None if mode.ok else mode.error


def _case_errors(case: CaseReport) -> list[tuple[ErrorInfo, str | None]]:
    """The errors of one case that deserve a diagnosis, with the mode they came from."""
    if case.args_error is not None:
        return [(case.args_error, None)]
    eager, jit = _mode_error(case.eager), _mode_error(case.jit)
    if eager is not None and jit is not None:
        if eager.type == jit.type:
            return [(eager, "eager")]  # fails the same way without jit: a plain bug
        return [(eager, "eager"), (jit, "jit")]
    if jit is not None:
        return [(jit, "jit")]
    if eager is not None:
        return [(eager, "eager")]
    return []


#: ``print(type(x))`` of a tracer: ``<class 'jax._src.interpreters.partial_eval.DynamicJaxprTracer'>``.
_TRACER_CLASS = re.compile(r"<class '(?:[\w.]*\.)?(?P<name>\w*Tracer)'>")
#: ``print(x.aval)`` (before JAX 0.4.36 or so) and ``print(repr(x.aval))``: ``ShapedArray(float32[3])``.
_AVAL = re.compile(r"\b(?:ShapedArray|ConcreteArray|DShapedArray)\([^()\n]{0,200}\)")


def _tracer_print(case: CaseReport) -> tuple[str, str, bool] | None:
    """Where a case printed what a tracer shows, what that was, and whether it is a tracer's repr.

    A tracer's repr (``JitTracer(float32[3])``) or its class (``print(type(x))``)
    says the function was running with placeholders; an abstract value
    (``print(x.aval)``) is the shape and dtype, the one thing tracing knows, and
    is only a note. ``jax.debug.print`` shows real values and is not flagged.
    """
    # Normally only the jit run prints tracers; an entry that is already jitted
    # traces during the eager run, and the jit run then hits the cache.
    for mode in (case.jit, case.eager):
        if mode.output and has_tracer_repr(mode.output):
            return mode.mode, "", True
    for mode in (case.jit, case.eager):
        found = _TRACER_CLASS.search(mode.output or "")
        if found:
            return (
                mode.mode,
                f"`print(type(x))` shows `{found.group('name')}`: while tracing, the function receives a tracer, "
                "not an array; the compiled code never runs the print",
                True,
            )
    for mode in (case.jit, case.eager):
        found = _AVAL.search(mode.output or "")
        if found:
            return (
                mode.mode,
                f"printed the abstract value `{found.group(0)}`: shape and dtype, all that is known while tracing "
                "(use `jax.debug.print` for the values)",
                False,
            )
    return None


def _as_written_detail(aw: AsWrittenReport, total: int) -> str:
    """``recompiles`` found by running a plain entry as written: how many, where, and why."""
    cases = f"{total} case{'s' if total != 1 else ''}"
    parts = [f"as written, {aw.compiles} compilations in {aw.calls} calls of {cases} ({aw.needed} needed)"]
    seen: set[tuple[int | None, str]] = set()
    for r in aw.recompiles:
        if (r.line, r.reason) in seen:
            continue
        seen.add((r.line, r.reason))
        where = f"line {r.line} `{r.code}`" if r.line is not None and r.code else "a repeated call"
        parts.append(f"{where}: {r.reason}" if r.reason else where)
    parts.extend(aw.notes)
    return _join(*parts)


def _cases_phrase(cases: list[int], total: int) -> str:
    if total <= 1 or not cases:
        return ""
    if len(cases) == total:
        return f"all {total} cases"
    return f"{len(cases)} of {total} cases"


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _note(table: dict[str, _Finding], finding: _Finding) -> None:
    """Add a finding, or the case to the finding of that kind already there."""
    seen = table.get(finding.kind)
    if seen is None:
        table[finding.kind] = finding
        seen = finding
    if finding.case is not None and finding.case not in seen.cases:
        seen.cases.append(finding.case)


def _case_findings(
    report: RunReport, errors: dict[str, _Finding], silent: dict[str, _Finding], forbid_tracer_print: bool
) -> list[int]:
    """Each case's errors, wrong values, mismatches and prints; returns the cases that recompiled."""
    steady: list[int] = []
    for i, case in enumerate(report.cases):
        for error, mode in _case_errors(case):
            _note(errors, _Finding(classify_error(error), True, error=error, case=i, mode=mode))
        if case.expected_ok is False:
            detail = f"expected {case.expected}" if case.expected else ""
            _note(silent, _Finding("wrong-value", True, case=i, detail=detail))
        if case.match is False:
            detail = f"eager and jit differ by up to {case.max_abs_diff:.3g}" if case.max_abs_diff is not None else ""
            _note(silent, _Finding("mismatch", True, case=i, mode="jit", detail=detail))
        if case.jit.steady_compiles > 0:
            steady.append(i)
        printed = _tracer_print(case)
        if printed is not None:
            mode, detail, is_tracer = printed
            seen_print = silent.get("print-in-jit")
            if seen_print is not None and is_tracer and not seen_print.failing and forbid_tracer_print:
                del silent["print-in-jit"]  # a tracer's print outranks an aval note
            _note(silent, _Finding("print-in-jit", forbid_tracer_print and is_tracer, case=i, mode=mode, detail=detail))
    return steady


def _recompiles_finding(report: RunReport, max_compiles: int | None, steady: list[int]) -> _Finding | None:
    """More compilations than the cases need: over the budget, on repeated calls, or as written."""
    total = len(report.cases)
    over_budget = max_compiles is not None and report.compiles > max_compiles
    aw = report.as_written
    aw_excess = aw is not None and aw.excess > 0
    if not (over_budget or steady or aw_excess):
        return None
    parts = []
    if over_budget:
        parts.append(
            f"{report.compiles} compilations for {total} case{'s' if total != 1 else ''} (at most {max_compiles})"
        )
    if steady:
        recompiled = sum(report.cases[i].jit.steady_compiles for i in steady)
        parts.append(f"recompiled on repeated calls ({recompiled} extra compilations)")
    if aw is not None and (aw_excess or aw.notes):
        parts.append(_as_written_detail(aw, total) if aw_excess else _join(*aw.notes))
    # Excess found as written fails where the lesson (or --max-compiles) counts compiles.
    failing = over_budget or (aw_excess and max_compiles is not None)
    first = steady[0] if steady else (aw.recompiles[0].case if aw_excess and aw and aw.recompiles else None)
    finding = _Finding("recompiles", failing, case=first, mode="jit")
    finding.detail = _join(*parts)
    finding.cases = list(steady) or ([first] if first is not None else [])
    return finding


def diagnose(
    report: RunReport,
    *,
    max_compiles: int | None = None,
    require_jit: bool = False,
    forbid_tracer_print: bool = False,
) -> list[Diagnosis]:
    """Diagnose a run: run-level faults first, then errors, then silent kinds.

    ``max_compiles``, ``require_jit`` and ``forbid_tracer_print`` are the checks a
    lesson (or the CLI) asks for; they decide whether ``recompiles``,
    ``not-jitted`` and ``print-in-jit`` are failing or only notes.
    """
    errors: dict[str, _Finding] = {}
    silent: dict[str, _Finding] = {}
    if report.error is not None:
        _note(errors, _Finding(classify_error(report.error), True, error=report.error))
    steady = _case_findings(report, errors, silent, forbid_tracer_print)
    recompiles = _recompiles_finding(report, max_compiles, steady)
    if recompiles is not None:
        silent["recompiles"] = recompiles
    if require_jit and report.entry_jitted is False:
        _note(silent, _Finding("not-jitted", True, detail="the entry is a plain Python function"))
    findings = list(errors.values()) + [silent[k] for k in SILENT_ORDER if k in silent]
    return [_to_diagnosis(f, len(report.cases)) for f in findings]


def _to_diagnosis(finding: _Finding, total: int) -> Diagnosis:
    info = kind_info(finding.kind)
    detail = finding.detail
    if finding.kind != "recompiles":
        detail = _join(_cases_phrase(finding.cases, total), detail)
    return Diagnosis(
        kind=finding.kind,
        title=info.title,
        explanation=info.explanation,
        hints=list(info.hints),
        docs=info.docs,
        error=finding.error,
        case=finding.case,
        mode=finding.mode,
        detail=detail,
        failing=finding.failing,
    )
