"""Measure a plain entry *as written*: the compilations its own jits cause.

The eager column runs under ``disable_jit`` and the jit column wraps the entry
in one outer ``jax.jit``, which inlines every inner jit. Neither shows the
silent recompiles JAX's docs warn about: a driver that builds
``jax.jit(lambda ...)``, ``jax.jit(partial(...))`` or ``jax.jit(inner)`` on every
call compiles on every call. So a plain entry is also called as written, each
case once and then a few repeats with the same arguments, while this module
counts backend compilations (jax.monitoring, as the runner's CompileRecorder
does), notes which student line created a jit (``jax.jit`` is wrapped for the
duration), and keeps JAX's own "TRACING CACHE MISS ... because" explanations
(``jax_explain_cache_misses``, logged through the ``jax`` loggers).

A compile is *needed* on the first call of a case whose arguments (shapes,
dtypes, weak types, Python values) no earlier case had; every other compile
is excess, and each gets a reason: JAX's, or the tutor's own comparison of the
arguments when JAX gives none (its explanation is missing on some versions and
switched off while ``jax_check_tracer_leaks`` is on).
"""

from __future__ import annotations

import inspect
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import jax

from jittutor.engine.protocol import AsWrittenReport, CaseReport, RecompileInfo, RunRequest

_BACKEND_COMPILE = "/jax/core/compile/backend_compile_duration"
_DEFINED = re.compile(
    r"(?:never seen function:\s*(?P<new>.+?) id=\d+|for (?P<seen>.+?)) defined at (?P<where>\S+?):(?P<line>\d+)"
)
_STATIC = re.compile(r"Static\(val=(?P<now>[^)]*)\).*?Static\(val=(?P<before>[^)]*)\)", re.S)


def wanted(req: RunRequest) -> bool:
    """Worth measuring: the code mentions ``jit`` (only its own jits can recompile per call)."""
    return "jit" in req.source or "jit" in req.setup


@dataclass
class _Call:
    case: int
    index: int  # 0 first call, then the repeats
    new_signature: bool
    compiles: int = 0
    sites: list[int] = field(default_factory=list)  # student lines that were running at each compile
    created: list[int] = field(default_factory=list)  # student lines where jax.jit ran
    misses: list[str] = field(default_factory=list)  # JAX's cache-miss texts for student functions
    prior: bool = False  # stands for the jit column's first call, which compiled (wrap_entry off)


class _Watch:
    """Compile events, jit creations and cache-miss records, for the calling thread only."""

    def __init__(self) -> None:
        self.call: _Call | None = None
        self.files: tuple[str, ...] = ()
        self._owner: int | None = None
        jax.monitoring.register_event_duration_secs_listener(self._on_event)

    def student_line(self, frame: Any) -> int | None:
        while frame is not None:
            if frame.f_code.co_filename in self.files:
                return frame.f_lineno
            frame = frame.f_back
        return None

    def _on_event(self, name: str, duration: float, **_: Any) -> None:
        call = self.call
        if name == _BACKEND_COMPILE and call is not None and threading.get_ident() == self._owner:
            call.compiles += 1
            line = self.student_line(sys._getframe(1))
            if line is not None:
                call.sites.append(line)

    def begin(self, files: tuple[str, ...]) -> None:
        self.files, self._owner = files, threading.get_ident()


_watch: _Watch | None = None


def _get_watch() -> _Watch:
    global _watch
    if _watch is None:
        _watch = _Watch()
    return _watch


class _MissHandler(logging.Handler):
    def __init__(self, watch: _Watch) -> None:
        super().__init__(logging.DEBUG)
        self.watch = watch

    def emit(self, record: logging.LogRecord) -> None:
        call = self.watch.call
        if call is None or threading.get_ident() != self.watch._owner:
            return
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is not ours to fix
            return
        if text.startswith("TRACING CACHE MISS"):
            match = _DEFINED.search(text)
            # Eager primitives and jax.numpy's own jits miss too; only the student's functions matter.
            if match and match.group("where") in self.watch.files:
                call.misses.append(text)


@contextmanager
def _watching(watch: _Watch, namespace: dict[str, Any]) -> Iterator[None]:
    """Cache-miss logging on, JAX's log records captured, ``jax.jit`` noting who calls it."""
    real_jit = jax.jit

    def noting_jit(*args: Any, **kwargs: Any) -> Any:
        call, line = watch.call, watch.student_line(sys._getframe(1))
        if call is not None and line is not None:
            call.created.append(line)
        return real_jit(*args, **kwargs)

    aliases = [name for name, value in namespace.items() if value is real_jit]
    handler = _MissHandler(watch)
    logger = logging.getLogger("jax")
    old_level, old_propagate = logger.level, logger.propagate
    explain = bool(getattr(jax.config, "jax_explain_cache_misses", False))
    jax.jit = noting_jit  # type: ignore[assignment]
    for name in aliases:
        namespace[name] = noting_jit
    logger.addHandler(handler)
    logger.propagate = False  # the records are the tutor's, not the student's output
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        jax.config.update("jax_explain_cache_misses", True)
        yield
    finally:
        jax.config.update("jax_explain_cache_misses", explain)
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate
        jax.jit = real_jit  # type: ignore[assignment]
        for name in aliases:
            namespace[name] = real_jit
        watch.call = None


# --- argument signatures -----------------------------------------------------------


def _leaf_signature(leaf: Any) -> tuple[Any, ...]:
    if hasattr(leaf, "shape") and hasattr(leaf, "dtype"):
        return ("array", tuple(int(s) for s in leaf.shape), str(leaf.dtype), bool(getattr(leaf, "weak_type", False)))
    try:
        hash(leaf)
        return ("value", type(leaf).__name__, leaf)
    except TypeError:
        return ("object", type(leaf).__name__, id(leaf))


def _describe(sig: tuple[Any, ...]) -> str:
    if sig[0] == "array":
        _, shape, dtype, weak = sig
        text = f"{dtype}[{','.join(map(str, shape))}]"
        return text + " (weak type)" if weak else text
    if sig[0] == "value":
        return repr(sig[2])
    return f"a {sig[1]} object"


def _signature(entry: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """Per argument name (``x``, ``n``, ``x[0]``...): its shape/dtype/weak type, or its Python value."""
    try:
        bound = inspect.signature(entry).bind(*args, **kwargs).arguments
    except (TypeError, ValueError):
        bound = {**{f"arg{i}": a for i, a in enumerate(args)}, **kwargs}
    out: dict[str, tuple[Any, ...]] = {}
    for name, value in bound.items():
        leaves = jax.tree_util.tree_leaves(value)
        if len(leaves) == 1 and leaves[0] is value:
            out[name] = _leaf_signature(value)
        else:
            for i, leaf in enumerate(leaves):
                out[f"{name}[{i}]"] = _leaf_signature(leaf)
    return out


# --- reasons -------------------------------------------------------------------------


def _jax_reason(text: str) -> tuple[str | None, str]:
    """The function JAX names and a one-line reason from one cache-miss record."""
    match = _DEFINED.search(text)
    function = (match.group("new") or match.group("seen")) if match else None
    if function and function.startswith("functools.partial("):
        function = "functools.partial(...)"
    if "never seen function" in text:
        if "seen another function defined on the same line" in text:
            return (
                function,
                f"a new function object: `{function}` is jitted afresh on every call, so its cache starts empty",
            )
        return function, f"a new function object: JAX has never seen this `{function}`"
    static = _STATIC.search(text)
    if static:
        return function, f"a new value of a static argument: now {static.group('now')}, before {static.group('before')}"
    details = [line.strip(" *") for line in text.splitlines()[1:] if line.strip().startswith("*")]
    if details:
        return function, "; ".join(details)
    return function, ""


def _static_names(diff: list[str], sig: dict[str, tuple[Any, ...]]) -> list[str]:
    return [name for name in diff if sig[name][0] == "value"]


def _analyse(report: AsWrittenReport, calls: list[_Call], sigs: list[dict[str, tuple[Any, ...]]], source: str) -> None:
    lines = source.splitlines()
    static_seen: set[str] = set()
    for call in calls:
        report.calls += not call.prior
        report.compiles += call.compiles
        if call.compiles == 0 and not call.prior:
            continue
        if call.new_signature and call.index == 0:
            report.needed += call.compiles
            earlier = sigs[: call.case]
            if earlier:
                diff = [n for n, v in sigs[call.case].items() if all(e.get(n) != v for e in earlier)]
                static_seen.update(_static_names(diff, sigs[call.case]))
            continue
        report.excess += call.compiles
        reasons = [_jax_reason(text) for text in call.misses]
        line = (call.created or call.sites or [None])[-1]
        for i in range(call.compiles):
            function, reason = reasons[i] if i < len(reasons) else (reasons[-1] if reasons else (None, ""))
            if not reason:
                reason = (
                    f"`jax.jit` ran again on line {call.created[-1]}: a new jitted function, with an empty cache"
                    if call.created
                    else "compiled again for arguments it had already seen"
                )
            code = lines[line - 1].strip() if line is not None and 0 < line <= len(lines) else None
            report.recompiles.append(
                RecompileInfo(case=call.case, call=call.index, reason=reason, line=line, code=code, function=function)
            )
    for name in sorted(static_seen):
        report.notes.append(f"one compile per value of the static `{name}`")


def measure(
    entry: Callable[..., Any],
    cases: list[tuple[int, tuple[Any, ...], dict[str, Any]]],
    req: RunRequest,
    namespace: dict[str, Any],
    guard: Callable[[Callable[[], Any]], Any],
    files: tuple[str, ...],
    reports: list[CaseReport] | None = None,
) -> AsWrittenReport:
    """Call ``entry`` as written for each ``(case index, args, kwargs)``, first call and repeats.

    ``guard`` runs student code (the runner's, so a cancel still stops it);
    the student's own errors are left to the eager and jit columns. With
    ``wrap_entry`` off the jit column already ran the entry as written and
    filled its caches; its per-case compile counts (``reports``) then say which
    cases compiled for a new signature.
    """
    watch = _get_watch()
    watch.begin(files)
    report = AsWrittenReport()
    calls: list[_Call] = []
    sigs: list[dict[str, tuple[Any, ...]]] = []
    seen: list[dict[str, tuple[Any, ...]]] = []
    repeats = max(1, req.min_repeats)
    with _watching(watch, namespace):
        for case, args, kwargs in cases:
            sig = _signature(entry, args, kwargs)
            while len(sigs) < case:
                sigs.append({})
            sigs.append(sig)
            new = sig not in seen
            seen.append(sig)
            t0 = time.perf_counter()
            for index in range(repeats + 1):
                call = watch.call = _Call(case=case, index=index, new_signature=new)
                try:
                    guard(lambda args=args, kwargs=kwargs: jax.block_until_ready(entry(*args, **kwargs)))
                except Exception:  # noqa: BLE001 - the eager and jit columns report it
                    break
                finally:
                    watch.call = None
                    calls.append(call)
                if time.perf_counter() - t0 > 4 * req.time_per_mode:
                    break
    if not req.wrap_entry and reports:
        for case, *_ in cases:
            first = reports[case].jit.compiles - reports[case].jit.steady_compiles
            if first > 0:
                calls.insert(0, _Call(case=case, index=0, new_signature=True, compiles=first, prior=True))
    _analyse(report, calls, sigs, req.source)
    return report
