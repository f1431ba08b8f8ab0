"""After each run the worker proves it is clean, or retires.

:mod:`hygiene` puts back what can be restored cheaply and exactly. Everything
else a student's code can change in the worker's process is compared here
against a :class:`Baseline` taken once, when the worker became ready. If
anything differs, :meth:`Baseline.check` returns reasons; the worker says
``"retire"`` in its result and the pool swaps in the pre-warmed standby, so the
next run is exactly as on a fresh worker. No jax import: the caller passes
``jax.config`` and the modules to watch.
"""

from __future__ import annotations

import ctypes
import faulthandler
import gc
import logging
import os
import resource
import signal
import sys
import threading
import types
import warnings
from dataclasses import dataclass, field
from typing import Any

#: Modules whose attributes are compared by identity (a monkeypatched ``jnp.sum``, ``builtins.print``).
WATCHED_MODULES = ("jax", "jax.numpy", "jax.lax", "numpy", "builtins", "math")
THREAD_GRACE = 0.05  # seconds a thread the run started gets to finish before it counts as left running
RSS_GROWTH_LIMIT = 1 << 30  # bytes above the baseline after a collection: memory the run did not give back
_ITIMERS = ("ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF")


def c_environ() -> dict[bytes, bytes]:
    """The process environment as the C library sees it (``os.putenv`` changes this, not ``os.environ``)."""
    try:
        env = ctypes.POINTER(ctypes.c_char_p).in_dll(ctypes.CDLL(None), "environ")
    except (OSError, ValueError):
        return {}
    out: dict[bytes, bytes] = {}
    i = 0
    while env[i] is not None:
        key, _, value = env[i].partition(b"=")
        out[key] = value
        i += 1
    return out


def rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _umask() -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return None


def _logging_state() -> dict[str, Any]:
    state: dict[str, Any] = {"": _logger_state(logging.getLogger()), "<disable>": logging.root.manager.disable}
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            state[name] = _logger_state(logger)
    return state


def _logger_state(logger: logging.Logger) -> tuple[Any, ...]:
    return (logger.level, logger.disabled, logger.propagate, tuple(id(h) for h in logger.handlers))


def _signal_handlers() -> dict[int, Any]:
    handlers = {}
    for sig in signal.valid_signals():
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            handlers[int(sig)] = signal.getsignal(sig)
        except (ValueError, OSError):
            continue
    return handlers


def _rlimits() -> dict[str, tuple[int, int]]:
    out = {}
    for name in dir(resource):
        if name.startswith("RLIMIT_"):
            try:
                out[name] = resource.getrlimit(getattr(resource, name))
            except (ValueError, OSError):
                continue
    return out


def _config_values(config: Any) -> dict[str, Any]:
    """Effective jax.config values (a context such as ``enable_x64()`` left entered shows here)."""
    out: dict[str, Any] = {}
    values = getattr(config, "values", None)
    if not isinstance(values, dict):
        return out
    for name in list(values):
        try:
            out[name] = getattr(config, name)
        except Exception:  # noqa: BLE001 - a flag without an attribute
            continue
    return out


@dataclass
class Baseline:
    """What a clean worker looks like, taken once when it is ready."""

    modules: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, dict[str, int]] = field(default_factory=dict)
    keep_alive: list[Any] = field(default_factory=list)  # so the ids above stay meaningful
    threads: set[int] = field(default_factory=set)
    settings: dict[str, Any] = field(default_factory=dict)
    config: Any = None
    rss: int = 0

    @classmethod
    def take(cls, config: Any = None) -> Baseline:
        base = cls(config=config)
        base.modules = dict(sys.modules)
        for name in WATCHED_MODULES:
            module = sys.modules.get(name)
            if module is not None:
                attrs = dict(vars(module))
                base.keep_alive.append(attrs)
                base.attributes[name] = {k: id(v) for k, v in attrs.items()}
        base.threads = {t.ident or 0 for t in threading.enumerate()}
        base.settings = base._settings()
        base.rss = rss_bytes()
        return base

    def _settings(self) -> dict[str, Any]:
        """Process-wide settings compared by value; each is named in a retirement reason."""
        settings: dict[str, Any] = {
            "sys.settrace": sys.gettrace(),
            "sys.setprofile": sys.getprofile(),
            "threading.settrace": getattr(threading, "_trace_hook", None),
            "threading.setprofile": getattr(threading, "_profile_hook", None),
            "the switch interval (sys.setswitchinterval)": sys.getswitchinterval(),
            "the umask (os.umask)": _umask(),
            "faulthandler": faulthandler.is_enabled(),
            "the garbage collector (gc.disable / gc.set_threshold)": (gc.isenabled(), gc.get_threshold()),
            "warnings filters": (list(warnings.filters), warnings.showwarning),
            "the logging configuration": _logging_state(),
            "the process environment (os.putenv / os.unsetenv)": c_environ(),
            "signal handlers": _signal_handlers(),
            "resource limits (resource.setrlimit)": _rlimits(),
            "sys.excepthook / sys.displayhook": (sys.excepthook, sys.displayhook),
            "sys.meta_path / sys.path_hooks": (list(sys.meta_path), list(sys.path_hooks)),
            "jax.config (a context such as jax.enable_x64() left entered)": _config_values(self.config),
        }
        if hasattr(os, "sched_getaffinity"):
            settings["the CPU affinity (os.sched_setaffinity)"] = os.sched_getaffinity(0)
        try:
            settings["the priority (os.nice / setpriority)"] = os.getpriority(os.PRIO_PROCESS, 0)
        except (AttributeError, OSError):
            pass
        return settings

    def check(self) -> list[str]:
        """What differs from a clean worker, threads aside; empty when the next run may use this one."""
        reasons = self._pending_timers()
        reasons += self._modules()
        now = self._settings()
        reasons += [name for name, value in self.settings.items() if not _same(now.get(name), value)]
        grown = rss_bytes() - self.rss
        if grown > RSS_GROWTH_LIMIT:
            reasons.append(f"memory ({grown / 2**20:,.0f} MB more than a fresh worker, not given back)")
        return reasons

    @staticmethod
    def _pending_timers() -> list[str]:
        """Disarm pending alarms and interval timers at once (one would kill the worker), and say so."""
        found = []
        for name in _ITIMERS:
            which = getattr(signal, name, None)
            if which is not None and signal.getitimer(which) != (0.0, 0.0):
                signal.setitimer(which, 0.0)
                found.append(f"a pending timer (signal.alarm / setitimer {name})")
        return found

    def check_threads(self, grace: float = THREAD_GRACE) -> list[str]:
        """Threads the run started that are still running (checked before the module is freed,
        which would make most of them die of a NameError and hide them)."""
        extra = [t for t in threading.enumerate() if (t.ident or 0) not in self.threads and t.is_alive()]
        for t in extra:
            t.join(grace / max(len(extra), 1))
        left = [t.name for t in extra if t.is_alive()]
        return [f"threads still running ({', '.join(left[:5])})"] if left else []

    def _modules(self) -> list[str]:
        reasons = []
        changed = [n for n, m in self.modules.items() if sys.modules.get(n) is not m]
        if changed:
            reasons.append(f"sys.modules ({', '.join(changed[:5])} removed or replaced)")
        for name, ids in self.attributes.items():
            module = self.modules.get(name)
            if not isinstance(module, types.ModuleType):
                continue
            now = vars(module)
            patched = [k for k, i in ids.items() if k not in now or id(now[k]) != i]
            if name == "builtins":
                patched += [k for k in now if k not in ids]
            if patched:
                reasons.append(f"attributes of {name} ({', '.join(sorted(patched)[:5])})")
        return reasons


def _same(a: Any, b: Any) -> bool:
    try:
        return a is b or bool(a == b)
    except Exception:  # noqa: BLE001 - a value whose == misbehaves: treat it as changed
        return False
