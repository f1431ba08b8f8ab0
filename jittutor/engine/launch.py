"""How the front starts its worker: which command, which environment, and what it tells the user.

The worker command comes from, first to last: ``--worker-cmd``, the
``JITTUTOR_WORKER_CMD`` environment variable, the ``worker_cmd`` key of
``JITTUTOR_HOME/settings.json``, else this Python's ``-m jittutor.worker``.
GPU sharing: ``--mem-fraction`` (or ``JITTUTOR_MEM_FRACTION``, or the
``mem_fraction`` setting) reaches the worker as ``JITTUTOR_MEM_FRACTION``,
which it turns into ``XLA_PYTHON_CLIENT_MEM_FRACTION``.

A launcher such as ``srun`` can sit in a scheduler's queue for minutes, so
:class:`StartNotice` says so on stderr once a start takes longer than a
moment. No jax, no textual here.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from typing import TextIO

WORKER_CMD_ENV = "JITTUTOR_WORKER_CMD"
MEM_FRACTION_ENV = "JITTUTOR_MEM_FRACTION"
#: Seconds a worker may take to start before the front says it is waiting.
NOTICE_AFTER = 2.0


class LaunchError(ValueError):
    """A worker setting the user gave cannot be used; the message names it."""


@dataclass
class WorkerLaunch:
    """The worker command (``None``: the default local one) and its environment."""

    command: str | None
    origin: str  # where the command came from: "--worker-cmd", "JITTUTOR_WORKER_CMD", "settings.json", "default"
    mem_fraction: float | None = None

    def env(self) -> dict[str, str] | None:
        """The environment for the worker process, or ``None`` for this process's own."""
        if self.mem_fraction is None:
            return None
        return {**os.environ, MEM_FRACTION_ENV: format_fraction(self.mem_fraction)}


def parse_mem_fraction(text: str | float, source: str = "--mem-fraction") -> float:
    """``"0.25"`` -> 0.25; anything outside 0 < F <= 1 is a :class:`LaunchError` naming ``source``."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise LaunchError(f"{source}: expected a fraction of GPU memory such as 0.25, got {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise LaunchError(f"{source}: must be more than 0 and at most 1 (a fraction of GPU memory), got {text!r}")
    return value


def format_fraction(value: float) -> str:
    return f"{value:g}"


def resolve_launch(
    worker_cmd: str | None, mem_fraction: str | float | None, settings: dict[str, object] | None = None
) -> WorkerLaunch:
    """The worker command and memory share from the options, the environment and the settings file."""
    settings = settings or {}
    if worker_cmd:
        command, origin = worker_cmd, "--worker-cmd"
    elif os.environ.get(WORKER_CMD_ENV):
        command, origin = os.environ[WORKER_CMD_ENV], WORKER_CMD_ENV
    elif settings.get("worker_cmd"):
        value = settings["worker_cmd"]
        if not isinstance(value, str):
            raise LaunchError(f"settings.json: worker_cmd must be a string (a shell-like command), got {value!r}")
        command, origin = value, "settings.json"
    else:
        command, origin = None, "default"
    fraction: float | None = None
    if mem_fraction is not None:
        fraction = parse_mem_fraction(mem_fraction)
    elif os.environ.get(MEM_FRACTION_ENV):
        fraction = parse_mem_fraction(os.environ[MEM_FRACTION_ENV], MEM_FRACTION_ENV)
    elif settings.get("mem_fraction") is not None:
        fraction = parse_mem_fraction(settings["mem_fraction"], "settings.json: mem_fraction")  # type: ignore[arg-type]
    return WorkerLaunch(command=command, origin=origin, mem_fraction=fraction)


class StartNotice:
    """A pool ``on_status`` callback: "waiting for the worker" once a start is slow.

    A worker that says hello within :data:`NOTICE_AFTER` seconds shows nothing;
    a slower one (a Slurm queue, a cold SSH connection) gets one line naming the
    command and how to give up, and a second line when it is ready.
    """

    def __init__(self, stream: TextIO | None = None, after: float = NOTICE_AFTER) -> None:
        self.stream = stream
        self.after = after
        self.shown = False
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def _write(self, text: str) -> None:
        stream = self.stream or sys.stderr
        try:
            stream.write(text + "\n")
            stream.flush()
        except (OSError, ValueError):
            pass

    def _show(self, command: str) -> None:
        with self._lock:
            if self._timer is None:  # ready came first
                return
            self._timer = None
            self.shown = True
        self._write(f"jittutor: waiting for the worker (command: {command}); ctrl+c gives up")

    def __call__(self, status: str, detail: str) -> None:
        if status in ("starting", "restarting"):
            with self._lock:
                if self._timer is None:
                    self._timer = threading.Timer(self.after, self._show, args=(detail or "the default worker",))
                    self._timer.daemon = True
                    self._timer.start()
            return
        with self._lock:
            timer, self._timer = self._timer, None
            was_shown, self.shown = self.shown, False
        if timer is not None:
            timer.cancel()
        if was_shown and status == "ready":
            self._write(f"jittutor: the worker is ready ({detail})" if detail else "jittutor: the worker is ready")

    def cancel(self) -> None:
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
