"""From a run report to a verdict: passed or not, why, and which hints to show.

Shared by the CLI (``check``, ``run``) and the app, so both judge a run the same
way. No jax, no textual.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jittutor.diagnosis import Diagnosis, classify_error, diagnose, kind_info
from jittutor.engine.protocol import CaseSpec, ErrorInfo, RunReport, RunRequest
from jittutor.lessons.model import Lesson


@dataclass
class Verdict:
    """What the tutor concludes from one run."""

    passed: bool
    diagnoses: list[Diagnosis] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    summary: str = ""

    @property
    def kinds(self) -> list[str]:
        return [d.kind for d in self.diagnoses]

    @property
    def primary(self) -> Diagnosis | None:
        failing = [d for d in self.diagnoses if d.failing]
        return (failing or self.diagnoses or [None])[0]


def lesson_request(lesson: Lesson, source: str, device: str | None, *, jaxpr: bool = False) -> RunRequest:
    """The run that checks ``source`` against a lesson's cases."""
    return RunRequest(
        source=source,
        entry=lesson.entry,
        cases=list(lesson.cases),
        device=device,
        filename=f"{lesson.id}.py",
        setup=lesson.setup,
        jaxpr=jaxpr,
        wrap_entry=lesson.checks.wrap_entry,
    )


def free_request(
    source: str, entry: str, args: list[str], device: str | None, *, filename: str = "student.py", jaxpr: bool = False
) -> RunRequest:
    """A run of any function with argument expressions (``jittutor run``, the playground)."""
    return RunRequest(
        source=source, entry=entry, cases=[CaseSpec(args=a) for a in args], device=device, filename=filename, jaxpr=jaxpr
    )


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _summary(passed: bool, report: RunReport, diagnoses: list[Diagnosis]) -> str:
    if passed:
        n = len(report.cases)
        return f"passed: {n} case{'s' if n != 1 else ''} ran eagerly and under jit and agree"
    failing = [d for d in diagnoses if d.failing]
    if failing:
        top = failing[0]
        return f"not yet: {top.kind} ({top.title})"
    return "not yet: no case ran in both modes"


def label_errors(report: RunReport) -> RunReport:
    """Give every error in the report its diagnosis kind (the worker leaves most unset)."""
    errors: list[ErrorInfo | None] = [report.error]
    for case in report.cases:
        errors += [case.args_error, case.eager.error, case.jit.error]
    for error in errors:
        if error is not None and error.kind is None:
            error.kind = classify_error(error)
    return report


def assess(report: RunReport, **checks: object) -> Verdict:
    """Judge a run with no lesson: every case ran in both modes and agreed."""
    label_errors(report)
    diagnoses = diagnose(report, **checks)  # type: ignore[arg-type]
    passed = bool(report.cases) and report.all_agree and not any(d.failing for d in diagnoses)
    hints: list[str] = []
    top = next((d for d in diagnoses if d.failing), None) or (diagnoses[0] if diagnoses else None)
    if top is not None:
        hints = list(top.hints)
    return Verdict(passed=passed, diagnoses=diagnoses, hints=hints, summary=_summary(passed, report, diagnoses))


def grade(lesson: Lesson, report: RunReport) -> Verdict:
    """Judge a run against a lesson: its cases, expected values and extra checks."""
    label_errors(report)
    diagnoses = diagnose(
        report,
        max_compiles=lesson.checks.max_compiles,
        require_jit=lesson.checks.require_jit,
        forbid_tracer_print=lesson.checks.forbid_tracer_print,
    )
    passed = (
        bool(report.cases)
        and report.all_agree
        and all(c.expected_ok is not False for c in report.cases)
        and not any(d.failing for d in diagnoses)
    )
    hints: list[str] = []
    top = next((d for d in diagnoses if d.failing), None) or (diagnoses[0] if diagnoses else None)
    if top is not None:
        own = lesson.hints_by_kind.get(top.kind, [])
        generic = list(kind_info(top.kind).hints)
        if top.kind == lesson.starter_fails_with:
            # The ladder was written for exactly this failure: nudge first, answer last.
            hints = list(lesson.hints) + own + generic
        else:
            hints = own + generic + list(lesson.hints)
    elif not passed:
        hints = list(lesson.hints)
    return Verdict(passed=passed, diagnoses=diagnoses, hints=_dedupe(hints), summary=_summary(passed, report, diagnoses))
