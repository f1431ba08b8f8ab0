"""Run student code eagerly and under ``jax.jit``, and measure both.

This is the only module of jittutor that imports jax. It runs inside the worker
process (``python -m jittutor.worker``); benchmarks may also call
:func:`execute` in-process to measure the worker's overhead.
"""

from __future__ import annotations

import gc
import linecache
import math
import statistics
import sys
import threading
import time
import types
from collections.abc import Callable
from typing import Any

import jax

from jittutor.engine import descendants
from jittutor.engine.bounds import cut
from jittutor.engine.protocol import CaseReport, CaseSpec, ErrorInfo, ModeReport, RunReport, RunRequest
from jittutor.engine.worker import as_written
from jittutor.engine.worker.devices import device_name, find_device, list_devices, memory_stats, on_device
from jittutor.engine.worker.hygiene import ProcessSnapshot
from jittutor.engine.worker.tracebacks import SETUP_FILENAME, error_info, safe_str
from jittutor.engine.worker.values import CannotCompare, block, compare, summarize

__all__ = ["Interrupted", "Runner", "execute", "list_devices", "device_name", "compare", "summarize"]

_COMPILE_EVENTS = {
    "/jax/core/compile/jaxpr_trace_duration": "trace",
    "/jax/core/compile/jaxpr_to_mlir_module_duration": "lower",
    "/jax/core/compile/backend_compile_duration": "compile",
}


class Interrupted(BaseException):
    """Raised in place of the KeyboardInterrupt the worker uses to cancel a run.

    Keeps the original interrupt so the report can say which student line was
    running when the run was stopped.
    """

    def __init__(self, original: BaseException | None = None) -> None:
        super().__init__()
        self.original = original


class CompileRecorder:
    """Collects jax.monitoring compile events while ``recording`` is set."""

    def __init__(self) -> None:
        self.events: list[tuple[str, float]] | None = None
        self._owner: int | None = None
        jax.monitoring.register_event_duration_secs_listener(self._on_event)

    def _on_event(self, name: str, duration: float, **_: Any) -> None:
        phase = _COMPILE_EVENTS.get(name)
        if phase is not None and self.events is not None and threading.get_ident() == self._owner:
            self.events.append((phase, duration))

    def start(self) -> None:
        self._owner = threading.get_ident()
        self.events = []

    def stop(self) -> list[tuple[str, float]]:
        events, self.events = self.events or [], None
        return events


_recorder: CompileRecorder | None = None


def recorder() -> CompileRecorder:
    global _recorder
    if _recorder is None:
        _recorder = CompileRecorder()
    return _recorder


class _NoCapture:
    """Stand-in for :class:`OutputCapture` when running in-process."""

    truncated = False
    total = 0

    def reset(self) -> None:
        pass

    def segment(self) -> str:
        return ""


# --- timing --------------------------------------------------------------------


def _steady(call: Callable[[], Any], first: float, req: RunRequest) -> tuple[float, int]:
    """Median of repeated calls; fewer repeats for slow functions, so a run stays short."""
    times: list[float] = []
    budget = req.time_per_mode
    while len(times) < req.repeats:
        spent = sum(times)
        if len(times) >= req.min_repeats and spent >= budget:
            break
        if times and spent + (spent / len(times)) > 4 * budget:
            break
        if not times and first > 4 * budget:
            # A slow function: one steady call is enough to separate it from the first.
            t0 = time.perf_counter()
            block(call())
            times.append(time.perf_counter() - t0)
            break
        t0 = time.perf_counter()
        block(call())
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(times)


def is_jitted(fn: Any) -> bool:
    """True for a ``jax.jit``-wrapped callable (any JAX version that has ``.lower``)."""
    return callable(fn) and hasattr(fn, "lower") and hasattr(fn, "eval_shape")


class Runner:
    """Executes :class:`RunRequest`s; one per worker, reused across runs."""

    def __init__(self, capture: Any | None = None) -> None:
        self.capture = capture if capture is not None else _NoCapture()
        self.recorder = recorder()
        self.cancel_requested = False
        self.restored: list[str] = []  # what the last run changed and had undone
        self.recursion_cap: Any = None  # hygiene.RecursionCap, installed by the worker
        self._first_call_events: int | None = None
        self._namespace: dict[str, Any] | None = None  # the student's module, freed by release()
        self._filenames: tuple[str, ...] = ()

    def warm_up(self) -> None:
        """Pay JAX's one-time start-up costs before the first student run."""
        import jax.numpy as jnp

        x = jnp.arange(4.0)
        block(jax.jit(lambda v: (v * 2).sum())(x))
        with jax.disable_jit():
            block((x * 2).sum())

    def execute(self, req: RunRequest) -> RunReport:
        """Run one request: the student's module, then each case eagerly and under jit, timed and compared.

        Never raises for anything the student's code does: every failure becomes an
        :class:`ErrorInfo` in the returned :class:`RunReport`."""
        t_start = time.perf_counter()
        self.capture.reset()
        self._run_output: list[str] = []
        report = RunReport(device=req.device or "", jax_version=jax.__version__)
        try:
            device = find_device(req.device)
        except (LookupError, RuntimeError) as exc:
            report.error = ErrorInfo(type="DeviceError", message=str(exc), kind="exception")
            return report
        report.device = device_name(device)
        snapshot = ProcessSnapshot.take(jax.config)
        try:
            with jax.default_device(device):
                self._execute(req, device, report)
        except Interrupted as stop:
            report.interrupted = True
            original = stop.original or KeyboardInterrupt()
            report.error = error_info(original, req.filename, req.source)
            report.error.type = "Interrupted"
            report.error.message = "the run was stopped"
        finally:
            # The next run (maybe another lesson) must not inherit this one's settings.
            self.restored = snapshot.restore()
            report.restored = list(self.restored)
            # No process the code started outlives its run (nor prints into the next one).
            report.processes_ended = descendants.end_descendants()
            report.memory_in_use, report.memory_limit = memory_stats(device)
            report.output = self._collect_output(report)
            report.seconds = time.perf_counter() - t_start
            self._note_recursion(report)
        return report

    def release(self, generation: int = 2) -> None:
        """Free the student's module: break the cycles that keep it alive (functions refer to
        their globals), drop its lines from linecache, and collect, so memory returns to baseline.

        The worker collects the young generations (what the run created, well under a
        millisecond) before it answers, and the full collection (about 50-150 ms with jax
        loaded) after, while the student reads the result."""
        namespace, self._namespace = self._namespace, None
        if namespace is not None:
            namespace.clear()
        for name in self._filenames:
            linecache.cache.pop(name, None)
        self._filenames = ()
        gc.collect(generation)

    def _note_recursion(self, report: RunReport) -> None:
        note = self.recursion_cap.note() if self.recursion_cap is not None else ""
        if self.recursion_cap is not None:
            self.recursion_cap.asked = None
        if not note:
            return
        errors = [report.error] + [m.error for c in report.cases for m in (c.eager, c.jit)]
        for error in errors:
            if error is not None and error.type == "RecursionError":
                error.message += note

    def _segment(self) -> str:
        """What was printed since the last segment; also kept for the run's whole output."""
        text = self.capture.segment()
        self._run_output.append(text)
        return text

    def _collect_output(self, report: RunReport) -> str:
        self._segment()
        report.output_bytes = self.capture.total
        report.output_truncated = self.capture.truncated
        text = "".join(self._run_output)
        if report.output_truncated:
            text += f"\n[output truncated: {report.output_bytes} bytes printed, first {len(text.encode())} kept]\n"
        return text

    def _guard(self, fn: Callable[[], Any]) -> Any:
        """Call student code; a cancel from the worker surfaces as Interrupted."""
        try:
            return fn()
        except KeyboardInterrupt:
            if self.cancel_requested:
                raise Interrupted(sys.exc_info()[1]) from None
            raise

    def _execute(self, req: RunRequest, device: Any, report: RunReport) -> None:
        namespace: dict[str, Any] = {"__name__": "__student__", "__file__": req.filename, "__builtins__": __builtins__}
        module = types.ModuleType("__student__")
        module.__dict__.update(namespace)
        namespace = module.__dict__
        self._namespace = namespace
        self._filenames = (req.filename, SETUP_FILENAME)
        # linecache lets tracebacks (and JAX's own messages) quote the student's lines.
        for name, text in ((req.filename, req.source), (SETUP_FILENAME, req.setup)):
            linecache.cache[name] = (len(text), None, text.splitlines(True), name)
        for name, text in ((SETUP_FILENAME, req.setup), (req.filename, req.source)):
            if not text:
                continue
            try:
                code = compile(text, name, "exec")
                # Bound as a default, not a closure: a cell held only by this frame has no gc
                # referrers, and JAX's leak checker (_why_alive) indexes an empty list on it.
                self._guard(lambda code=code, namespace=namespace: exec(code, namespace))
            except Interrupted:
                raise
            except BaseException as exc:  # noqa: BLE001 - student code can raise anything
                report.error = error_info(exc, req.filename, req.source)
                if name == SETUP_FILENAME:
                    report.error.message = f"the lesson's setup code failed: {report.error.message}"
                return
        entry = namespace.get(req.entry)
        if entry is None or not callable(entry):
            what = "is not defined" if entry is None else f"is a {type(entry).__name__}, not a function"
            report.error = ErrorInfo(
                type="MissingEntry",
                message=f"`{req.entry}` {what} in {req.filename}; the tutor calls `{req.entry}(...)` for each case.",
                kind="missing-entry",
            )
            return
        report.entry_jitted = is_jitted(entry)
        # With wrap_entry off the entry does its own jitting; every compile it causes is counted.
        jitted = entry if report.entry_jitted or not req.wrap_entry else jax.jit(entry)
        first_args: tuple[tuple[Any, ...], dict[str, Any]] | None = None
        measured: list[tuple[int, tuple[Any, ...], dict[str, Any]]] = []
        for i, spec in enumerate(req.cases):
            case, args = self._run_case(req, spec, entry, jitted, namespace, device)
            report.cases.append(case)
            report.compiles += case.jit.compiles
            if first_args is None and args is not None:
                first_args = args
            if args is not None:
                measured.append((i, *args))
        # A plain entry is also measured as written: the recompiles its own jits cause.
        if (not report.entry_jitted or not req.wrap_entry) and as_written.wanted(req) and measured:
            self._segment()
            files = (req.filename, SETUP_FILENAME)
            report.as_written = as_written.measure(entry, measured, req, namespace, self._guard, files, report.cases)
            self.capture.segment()  # what it printed was already shown by the columns
        if req.jaxpr and first_args is not None:
            try:
                a, k = first_args
                report.jaxpr = str(self._guard(lambda: jax.make_jaxpr(entry)(*a, **k)))
            except Interrupted:
                raise
            except BaseException as exc:  # noqa: BLE001
                report.jaxpr_error = cut(f"{type(exc).__name__}: {safe_str(exc)}", 20_000, "message")

    def _eval(self, expr: str, namespace: dict[str, Any], label: str) -> Any:
        code = compile(expr, label, "eval")
        return self._guard(lambda: eval(code, namespace))

    def _run_case(
        self,
        req: RunRequest,
        spec: CaseSpec,
        entry: Callable[..., Any],
        jitted: Callable[..., Any],
        namespace: dict[str, Any],
        device: Any,
    ) -> tuple[CaseReport, tuple[tuple[Any, ...], dict[str, Any]] | None]:
        case = CaseReport(args=spec.args, eager=ModeReport(mode="eager"), jit=ModeReport(mode="jit"))
        label = f"<case args: {spec.args}>"
        try:
            namespace["__jittutor_call__"] = lambda *a, **k: (a, k)
            args, kwargs = self._eval(f"__jittutor_call__({spec.args})", namespace, label)
            args, kwargs = jax.tree_util.tree_map(lambda v: on_device(v, device), (args, kwargs))
        except Interrupted:
            raise
        except BaseException as exc:  # noqa: BLE001
            case.args_error = error_info(exc, req.filename, req.source)
            case.args_error.message = f"evaluating the arguments `{spec.args}` failed: {case.args_error.message}"
            return case, None
        finally:
            namespace.pop("__jittutor_call__", None)
        eager_out = self._run_mode(case.eager, lambda: entry(*args, **kwargs), req, eager=True)
        jit_out = self._run_mode(case.jit, lambda: jitted(*args, **kwargs), req, eager=False)
        if case.eager.ok and case.jit.ok:
            try:
                case.match, case.max_abs_diff = compare(eager_out, jit_out)
            except CannotCompare as exc:
                case.match, case.match_note = None, f"eager and jit results could not be compared: {exc}"
            except Exception:  # noqa: BLE001 - student values whose == raises: they do not agree
                case.match, case.max_abs_diff = False, None
        if spec.expect is not None:
            self._check_expected(case, spec, namespace, eager_out, jit_out)
        return case, (args, kwargs)

    def _check_expected(
        self, case: CaseReport, spec: CaseSpec, namespace: dict[str, Any], eager_out: Any, jit_out: Any
    ) -> None:
        assert spec.expect is not None
        try:
            expected = self._eval(spec.expect, namespace, f"<case expect: {spec.expect}>")
            case.expected = summarize(expected).repr
            got = jit_out if case.jit.ok else eager_out
            if case.jit.ok or case.eager.ok:
                case.expected_ok, _ = compare(got, expected, spec.rtol, spec.atol)
                if case.eager.ok and case.jit.ok and case.expected_ok:
                    case.expected_ok, _ = compare(eager_out, expected, spec.rtol, spec.atol)
        except Interrupted:
            raise
        except CannotCompare as exc:
            case.expected_ok = None
            case.match_note = f"the result could not be compared with the expected value: {exc}"
        except BaseException as exc:  # noqa: BLE001
            case.expected = cut(f"<expect failed: {type(exc).__name__}: {safe_str(exc)}>", 800, "expected")
            case.expected_ok = False

    def _run_mode(self, mode: ModeReport, call: Callable[[], Any], req: RunRequest, eager: bool) -> Any:
        self._segment()  # anything printed before this mode is not this mode's
        out = None
        try:
            if eager:
                with jax.disable_jit():
                    out = self._timed(mode, call, req)
            else:
                self._first_call_events = None
                self.recorder.start()
                try:
                    out = self._timed(mode, call, req)
                finally:
                    self._account_compiles(mode, self.recorder.stop())
            mode.ok = True
            mode.value = summarize(out)
        except Interrupted:
            mode.output += self._segment()
            raise
        except BaseException as exc:  # noqa: BLE001
            mode.error = error_info(exc, req.filename, req.source)
        mode.output += self._segment()
        return out

    def _timed(self, mode: ModeReport, call: Callable[[], Any], req: RunRequest) -> Any:
        t0 = time.perf_counter()
        out = self._guard(lambda: block(call()))
        mode.first_seconds = time.perf_counter() - t0
        self._first_call_events = len(self.recorder.events or [])
        # The student sees what the first call printed; the timing repeats only get a note.
        mode.output = self._segment()
        mode.seconds, mode.repeats = self._guard(lambda: _steady(call, mode.first_seconds or 0.0, req))
        again = self._segment()
        if again:
            lines = again.count("\n") or 1
            mode.output += f"[{lines} more line(s) printed during the {mode.repeats} timing repeats]\n"
        return out

    def _account_compiles(self, mode: ModeReport, events: list[tuple[str, float]]) -> None:
        first_n = self._first_call_events if self._first_call_events is not None else len(events)
        first, later = events[:first_n], events[first_n:]
        mode.compiles = sum(1 for phase, _ in events if phase == "compile")
        mode.steady_compiles = sum(1 for phase, _ in later if phase == "compile")
        for phase, attr in (
            ("trace", "trace_seconds"),
            ("lower", "lower_seconds"),
            ("compile", "backend_compile_seconds"),
        ):
            durations = [d for p, d in first if p == phase]
            if durations:
                setattr(mode, attr, math.fsum(durations))


def execute(req: RunRequest) -> RunReport:
    """Run a request in this process (benchmarks and tests); the worker uses a Runner."""
    return Runner().execute(req)
