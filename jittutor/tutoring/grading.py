"""From a run report to a verdict: passed or not, why, which error leads, and the hint ladder.

Shared by the CLI (``check``, ``run``) and the app, so both judge a run the same
way. No jax, no textual.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jittutor.diagnosis import Diagnosis, classify_error, diagnose
from jittutor.engine.protocol import ErrorInfo, RunReport, RunRequest
from jittutor.lessons.model import Lesson
from jittutor.tutoring.ladder import ladder_for
from jittutor.tutoring.notes import Note, notes_for


@dataclass
class Verdict:
    """What the tutor concludes from one run."""

    passed: bool
    diagnoses: list[Diagnosis] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    """The hint ladder for this failure, in the order to reveal it (see :mod:`jittutor.tutoring.ladder`)."""
    summary: str = ""
    error: ErrorInfo | None = None
    """The error to lead with: the one the primary diagnosis is about, else the first in the report."""
    where: str = ""
    """Where :attr:`error` happened, in words: ``case (1.0), under jit``; empty for the run as a whole."""
    notes: list[Note] = field(default_factory=list)
    """What the measurements mean for this code (:mod:`jittutor.tutoring.notes`), passed or not."""

    @property
    def kinds(self) -> list[str]:
        return [d.kind for d in self.diagnoses]

    @property
    def primary(self) -> Diagnosis | None:
        """The diagnosis that leads: the first failing one, else the first note."""
        return _primary(self.diagnoses)


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


def lead_error(report: RunReport, diagnoses: list[Diagnosis]) -> tuple[ErrorInfo | None, str]:
    """The error to show first: the one the primary diagnosis is about, else the first one."""
    found = errors_of(report)
    primary = _primary(diagnoses)
    wanted = primary.error if primary is not None else None
    if wanted is not None:
        for error, where in found:
            if error is wanted or (error.type == wanted.type and error.message == wanted.message):
                return error, where
        return wanted, ""
    return found[0] if found else (None, "")


def _primary(diagnoses: list[Diagnosis]) -> Diagnosis | None:
    failing = [d for d in diagnoses if d.failing]
    return (failing or diagnoses or [None])[0]


def _verdict(
    lesson: Lesson | None, passed: bool, report: RunReport, diagnoses: list[Diagnosis], request: RunRequest | None
) -> Verdict:
    """The verdict, with the error that leads, its hint ladder and the notes."""
    top = _primary(diagnoses)
    error, where = lead_error(report, diagnoses)
    hints = ladder_for(
        lesson,
        top.kind if top is not None else None,
        passed=passed,
        message=error.message if error is not None else "",
        source=request.source if request is not None else "",
    )
    return Verdict(
        passed=passed,
        diagnoses=diagnoses,
        hints=hints,
        summary=_summary(passed, report, diagnoses),
        error=error,
        where=where,
        notes=notes_for(report, request),
    )


def assess(report: RunReport, request: RunRequest | None = None, **checks: object) -> Verdict:
    """Judge a run with no lesson: every case ran in both modes and agreed (``request``: for the notes)."""
    label_errors(report)
    diagnoses = diagnose(report, **checks)  # type: ignore[arg-type]
    passed = bool(report.cases) and report.all_agree and not any(d.failing for d in diagnoses)
    return _verdict(None, passed, report, diagnoses, request)


def grade(lesson: Lesson, report: RunReport, request: RunRequest | None = None) -> Verdict:
    """Judge a run against a lesson: its cases, expected values and extra checks (``request``: for the notes)."""
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
    return _verdict(lesson, passed, report, diagnoses, request)
