"""Helpers for the app tests: a fake pool with canned reports, canned verdicts, bounded waits."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from jittutor.app.app import JitTutorApp
from jittutor.app.screens.main import MainScreen
from jittutor.engine.protocol import (
    CaseReport,
    DeviceInfo,
    ErrorInfo,
    ModeReport,
    RunReport,
    RunRequest,
    ValueSummary,
    WorkerInfo,
)
from jittutor.lessons.catalogue import lesson_dirs, load_catalogue
from jittutor.state.store import State
from jittutor.tutoring.grading import Verdict

HERE = Path(__file__).resolve().parent
#: Pinned copies of two lessons, so snapshots do not change when the shipped lessons are edited.
#: static-args has no predict question here (F5 runs at once); jit-basics keeps its question.
PINNED_LESSONS = HERE / "lessons"

TRACER_BOOL_MESSAGE = (
    "Attempted boolean conversion of traced array with shape bool[].\n"
    "The error occurred while tracing the function cond_func at static-args.py:5 for jit. "
    "This concrete value was not available in Python because it depends on the value of the argument x.\n"
    "See https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerBoolConversionError"
)
CASES = (("-2.0", "-24.0"), ("3.0", "9.0"), ("0.5", "1.5"))


def two_cpus() -> list[DeviceInfo]:
    return [DeviceInfo(name=f"cpu:{i}", platform="cpu", id=i, kind="cpu") for i in range(2)]


def tracer_bool_error() -> ErrorInfo:
    return ErrorInfo(
        type="TracerBoolConversionError",
        message=TRACER_BOOL_MESSAGE,
        mro=["TracerBoolConversionError", "ConcretizationTypeError", "TypeError", "Exception"],
        line=7,
        code="if x < 0.0:",
        filename="static-args.py",
        traceback='  File "static-args.py", line 7, in cond_func\n    if x < 0.0:',
        kind="tracer-bool",
    )


def error_report(device: str = "cpu:0") -> RunReport:
    """What the static-args starter gives: eager works, jit raises TracerBoolConversionError."""
    error = tracer_bool_error()
    cases = [
        CaseReport(
            args=args,
            eager=ModeReport(
                "eager",
                ok=True,
                value=ValueSummary(repr=value, type="float"),
                first_seconds=2.5e-5,
                seconds=3.2e-6,
                repeats=7,
            ),
            jit=ModeReport("jit", ok=False, error=error, trace_seconds=0.0011),
            expected_ok=True,
            expected=value,
        )
        for args, value in CASES
    ]
    return RunReport(device=device, jax_version="0.10.2", cases=cases, seconds=0.052, entry_jitted=True)


def pass_report(device: str = "cpu:0") -> RunReport:
    """What the static-args solution gives, with fixed timings."""
    cases = []
    for n, (args, value) in enumerate(CASES):
        jit_value = ValueSummary(
            repr=f"Array({value.rstrip('0')}, dtype=float32, weak_type=True)",
            type="ArrayImpl",
            shape=[],
            dtype="float32",
            device=device,
            weak_type=True,
        )
        cases.append(
            CaseReport(
                args=args,
                eager=ModeReport(
                    "eager",
                    ok=True,
                    value=ValueSummary(repr=value, type="float"),
                    first_seconds=2.1e-5,
                    seconds=3.1e-6 + n * 1e-7,
                    repeats=7,
                ),
                jit=ModeReport(
                    "jit",
                    ok=True,
                    value=jit_value,
                    first_seconds=0.0147,
                    seconds=9.8e-6 + n * 1e-7,
                    repeats=7,
                    trace_seconds=0.00021,
                    lower_seconds=0.0051,
                    backend_compile_seconds=0.0078,
                    compiles=1,
                ),
                match=True,
                max_abs_diff=0.0,
                expected_ok=True,
                expected=value,
            )
        )
    return RunReport(device=device, jax_version="0.10.2", cases=cases, compiles=3, seconds=0.311, entry_jitted=True)


class FakePool:
    """Stands in for WorkerPool: instant, deterministic, two CPU devices."""

    def __init__(self) -> None:
        self.status = "ready"
        self.on_status: Callable[[str, str], None] | None = None
        self.dead_reason: str | None = None
        self.requests: list[RunRequest] = []
        self.cancelled = 0

    def start(self) -> None:
        pass

    def info(self, timeout: float | None = None, cancel: Any = None) -> WorkerInfo:
        return WorkerInfo(pid=1, jax_version="0.10.2", python="3.11", devices=two_cpus(), default_device="cpu:0")

    def run(self, request: RunRequest, timeout: float = 10.0) -> RunReport:
        self.requests.append(request)
        device = request.device or "cpu:0"
        report = pass_report(device) if "static_argnums" in request.source else error_report(device)
        if request.jaxpr:
            report.jaxpr = "{ lambda ; a:f32[]. let b:f32[] = mul 3.0:f32[] a in (b,) }"
        return report

    def cancel(self) -> None:
        self.cancelled += 1

    def restart(self) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class CannedDiagnosis:
    """Has the attributes the app reads from a Diagnosis, with fixed words."""

    kind: str
    title: str
    explanation: str = ""
    hints: list[str] = field(default_factory=list)
    docs: str = ""
    error: ErrorInfo | None = None
    case: int | None = None
    mode: str | None = None
    detail: str = ""
    failing: bool = True


CANNED_HINTS = [
    "`if x < 0.0` needs a Python bool, but under jit `x < 0.0` is a traced array.",
    "Tell `jax.jit` that `x` is static: `jax.jit(f, static_argnums=(0,))`.",
    "Rename the plain function to `cond_func_impl` and jit it with `static_argnums=(0,)`.",
]


def canned_grade(lesson: Any, report: RunReport, request: Any = None) -> Verdict:
    """A verdict with fixed words, so snapshots do not follow the diagnosis texts."""
    if report.all_agree:
        return Verdict(passed=True, summary="passed: 3 cases ran eagerly and under jit and agree")
    diagnosis = CannedDiagnosis(
        kind="tracer-bool",
        title="A tracer was used as a Python bool",
        explanation="Under jit, `x < 0.0` is a traced array; Python's `if` needs True or False while tracing.",
        hints=CANNED_HINTS,
        docs="https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerBoolConversionError",
        error=report.cases[0].jit.error,
        case=0,
        mode="jit",
    )
    return Verdict(
        passed=False,
        diagnoses=[diagnosis],  # type: ignore[list-item]
        hints=list(CANNED_HINTS),
        summary="not yet: tracer-bool (A tracer was used as a Python bool)",
        error=report.cases[0].jit.error,
        where=f"case ({report.cases[0].args}), under jit",
    )


async def wait_for(pilot: Pilot[Any], predicate: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Let the app run until ``predicate()`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await pilot.pause(0.05)


async def settle(pilot: Pilot[Any], timeout: float = 60.0) -> None:
    """Wait for every worker to finish and the messages they posted to be handled."""
    await asyncio.wait_for(pilot.app.workers.wait_for_complete(), timeout)
    await pilot.pause()
    await pilot.pause()


def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test in a fresh event loop (no pytest async plugin needed)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


# -- the app on a FakePool ------------------------------------------------------------


def make_app(lesson_id: str = "static-args", pool: Any = None, shipped: bool = False) -> JitTutorApp:
    """The app on the pinned lessons (or the shipped ones) with a fake worker."""
    catalogue = load_catalogue(lesson_dirs(()) if shipped else [PINNED_LESSONS])
    return JitTutorApp(lesson_id, catalogue=catalogue, state=State.load(), pool=pool or FakePool(), blink=False)


async def ready(pilot: Pilot[Any]) -> MainScreen:
    """The main screen, once the fake worker has said hello."""
    app = pilot.app
    await wait_for(pilot, lambda: getattr(app, "jax_version", "") != "", "the fake worker")
    assert isinstance(app.screen, MainScreen)
    return app.screen


async def failed_run(pilot: Pilot[Any], screen: MainScreen) -> None:
    """F5 on code the fake worker fails, and the verdict handled."""
    before = screen.runs_finished
    await pilot.press("f5")
    await wait_for(pilot, lambda: screen.runs_finished > before, "the run")
    await settle(pilot)
    assert screen.verdict is not None and not screen.verdict.passed
