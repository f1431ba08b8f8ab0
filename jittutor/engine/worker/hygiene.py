"""Undo what one run of student code changed in the worker's process.

The worker serves many runs, so a student's ``jax.config.update("jax_disable_jit",
True)``, ``sys.setrecursionlimit(50)``, ``os.chdir("/")`` or a SIGINT handler that
ignores the tutor's cancel would otherwise leak into every later run (and into
other lessons). A :class:`ProcessSnapshot` is taken before a run and restored
after it. What cannot be undone cheaply and exactly (monkeypatched modules,
threads the student started, lowered resource limits...) is detected by
:mod:`jittutor.engine.worker.audit`, and the worker retires instead.

The recursion limit is capped (:func:`cap_recursion_limit`): with a limit of a
billion, a runaway recursion grows until memory runs out instead of raising
``RecursionError``.

No jax import: the runner passes ``jax.config`` in.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ProcessSnapshot:
    """The process-wide settings student code is most likely to change."""

    recursion_limit: int
    cwd: str | None
    environ: dict[str, str]
    path: list[str]
    stdin: Any
    sigint: Any = None
    config: Any = None
    config_values: dict[str, Any] = field(default_factory=dict)
    warning_filters: list[Any] = field(default_factory=list)
    numpy_errors: dict[str, str] | None = None
    numpy_print: dict[str, Any] | None = None
    int_digits: int | None = None

    @classmethod
    def take(cls, config: Any = None) -> ProcessSnapshot:
        try:
            cwd: str | None = os.getcwd()
        except OSError:
            cwd = None
        snap = cls(
            recursion_limit=sys.getrecursionlimit(),
            cwd=cwd,
            environ=dict(os.environ),
            path=list(sys.path),
            stdin=sys.stdin,
            config=config,
            warning_filters=list(warnings.filters),
        )
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            snap.numpy_errors = numpy.geterr()
            snap.numpy_print = numpy.get_printoptions()
        if hasattr(sys, "get_int_max_str_digits"):
            snap.int_digits = sys.get_int_max_str_digits()
        if threading.current_thread() is threading.main_thread():
            snap.sigint = signal.getsignal(signal.SIGINT)
        values = getattr(config, "values", None)
        if isinstance(values, dict):
            snap.config_values = dict(values)
        return snap

    def restore(self) -> list[str]:
        """Put everything back; returns the names of what had changed (for the log)."""
        changed: list[str] = []
        if sys.getrecursionlimit() != self.recursion_limit:
            sys.setrecursionlimit(self.recursion_limit)
            changed.append("recursion limit")
        if self.cwd is not None:
            try:
                if os.getcwd() != self.cwd:
                    os.chdir(self.cwd)
                    changed.append("working directory")
            except OSError:
                os.chdir(self.cwd)
                changed.append("working directory")
        if dict(os.environ) != self.environ:
            # Touch only what differs: setenv races with native threads reading the environment.
            for key in [k for k in os.environ if k not in self.environ]:
                del os.environ[key]
            for key, value in self.environ.items():
                if os.environ.get(key) != value:
                    os.environ[key] = value
            changed.append("environment")
        if sys.path != self.path:
            sys.path[:] = self.path
            changed.append("sys.path")
        if sys.stdin is not self.stdin:
            sys.stdin = self.stdin
            changed.append("sys.stdin")
        if self.sigint is not None and threading.current_thread() is threading.main_thread():
            if signal.getsignal(signal.SIGINT) is not self.sigint:
                signal.signal(signal.SIGINT, self.sigint)
                changed.append("SIGINT handler")
        changed += self._restore_config()
        changed += self._restore_libraries()
        return changed

    def _restore_libraries(self) -> list[str]:
        changed = []
        if warnings.filters != self.warning_filters:
            warnings.filters[:] = self.warning_filters
            warnings._filters_mutated()  # type: ignore[attr-defined]  # drop the per-module caches
            changed.append("warnings filters")
        numpy = sys.modules.get("numpy")
        if numpy is not None and self.numpy_errors is not None and numpy.geterr() != self.numpy_errors:
            numpy.seterr(**self.numpy_errors)
            changed.append("numpy.seterr")
        if numpy is not None and self.numpy_print is not None and numpy.get_printoptions() != self.numpy_print:
            numpy.set_printoptions(**self.numpy_print)
            changed.append("numpy print options")
        if self.int_digits is not None and sys.get_int_max_str_digits() != self.int_digits:
            sys.set_int_max_str_digits(self.int_digits)
            changed.append("sys.set_int_max_str_digits")
        return changed

    def _restore_config(self) -> list[str]:
        values = getattr(self.config, "values", None)
        if not isinstance(values, dict) or not self.config_values:
            return []
        changed = []
        for name, old in self.config_values.items():
            new = values.get(name, old)
            try:
                same = new is old or bool(new == old)
            except Exception:  # noqa: BLE001 - a value whose == misbehaves: treat as changed
                same = False
            if same:
                continue
            try:
                self.config.update(name, old)
                changed.append(name)
            except Exception:  # noqa: BLE001 - some flags cannot change after start-up; leave them
                continue
        return changed


class RecursionCap:
    """Keeps ``sys.setrecursionlimit`` at or under ``maximum``; remembers what the code asked for."""

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum
        self.asked: int | None = None
        self._real = sys.setrecursionlimit

    def __call__(self, limit: int) -> None:
        if isinstance(limit, int) and limit > self.maximum:
            self.asked = limit
            limit = self.maximum
        self._real(limit)

    def note(self) -> str:
        """A sentence for a RecursionError, when the code asked for more than the cap."""
        if self.asked is None:
            return ""
        return (
            f" (the tutor caps the recursion limit at {self.maximum:,}; your code asked for {self.asked:,}."
            " Deeper recursion would run until memory is exhausted: write it as a loop)"
        )


def cap_recursion_limit(maximum: int) -> RecursionCap:
    """Install a :class:`RecursionCap` as ``sys.setrecursionlimit`` (once, in the worker)."""
    cap = RecursionCap(maximum)
    sys.setrecursionlimit = cap  # type: ignore[assignment]
    return cap
