"""Undo what one run of student code changed in the worker's process.

The worker serves many runs, so a student's ``jax.config.update("jax_disable_jit",
True)``, ``sys.setrecursionlimit(50)``, ``os.chdir("/")`` or a SIGINT handler that
ignores the tutor's cancel would otherwise leak into every later run (and into
other lessons). A :class:`ProcessSnapshot` is taken before a run and restored
after it. What cannot be undone this way (monkeypatched modules, threads the
student started) is what the "restart worker" action is for.

No jax import: the runner passes ``jax.config`` in.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
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
        )
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
