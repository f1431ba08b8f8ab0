"""From a run report to a list of diagnoses, most important first.

Errors are classified by :mod:`jittutor.diagnosis.classify`; the silent kinds
(``mismatch``, ``wrong-value``, ``recompiles``, ``not-jitted``, ``print-in-jit``)
come from the measurements in the report. Each kind appears once, at its first
occurrence, with a ``detail`` that says how many cases showed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jittutor.diagnosis.classify import classify_error, has_tracer_repr
from jittutor.diagnosis.texts import kind_info
from jittutor.engine.protocol import CaseReport, ErrorInfo, ModeReport, RunReport

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


def _tracer_print_mode(case: CaseReport) -> str | None:
    # Normally only the jit run prints tracers; an entry that is already jitted
    # traces during the eager run, and the jit run then hits the cache.
    for mode in (case.jit, case.eager):
        if mode.output and has_tracer_repr(mode.output):
            return mode.mode
    return None


def _cases_phrase(cases: list[int], total: int) -> str:
    if total <= 1 or not cases:
        return ""
    if len(cases) == total:
        return f"all {total} cases"
    return f"{len(cases)} of {total} cases"


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


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
    total = len(report.cases)

    def note(table: dict[str, _Finding], finding: _Finding) -> None:
        seen = table.get(finding.kind)
        if seen is None:
            table[finding.kind] = finding
            seen = finding
        if finding.case is not None and finding.case not in seen.cases:
            seen.cases.append(finding.case)

    if report.error is not None:
        note(errors, _Finding(classify_error(report.error), True, error=report.error))

    steady: list[int] = []
    for i, case in enumerate(report.cases):
        for error, mode in _case_errors(case):
            note(errors, _Finding(classify_error(error), True, error=error, case=i, mode=mode))
        if case.expected_ok is False:
            detail = f"expected {case.expected}" if case.expected else ""
            note(silent, _Finding("wrong-value", True, case=i, detail=detail))
        if case.match is False:
            detail = f"eager and jit differ by up to {case.max_abs_diff:.3g}" if case.max_abs_diff is not None else ""
            note(silent, _Finding("mismatch", True, case=i, mode="jit", detail=detail))
        if case.jit.steady_compiles > 0:
            steady.append(i)
        printed = _tracer_print_mode(case)
        if printed is not None:
            note(silent, _Finding("print-in-jit", forbid_tracer_print, case=i, mode=printed))

    over_budget = max_compiles is not None and report.compiles > max_compiles
    if over_budget or steady:
        parts = []
        if over_budget:
            n = total
            parts.append(f"{report.compiles} compilations for {n} case{'s' if n != 1 else ''} (at most {max_compiles})")
        if steady:
            recompiled = sum(report.cases[i].jit.steady_compiles for i in steady)
            parts.append(f"recompiled on repeated calls ({recompiled} extra compilations)")
        finding = _Finding("recompiles", over_budget, case=steady[0] if steady else None, mode="jit")
        finding.detail = _join(*parts)
        finding.cases = list(steady)
        silent["recompiles"] = finding

    if require_jit and report.entry_jitted is False:
        note(silent, _Finding("not-jitted", True, detail="the entry is a plain Python function"))

    findings = list(errors.values()) + [silent[k] for k in SILENT_ORDER if k in silent]
    return [_to_diagnosis(f, total) for f in findings]


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
