"""Messages that carry results from thread workers (and the pool's callback) back to the UI.

Workers run in other threads; they never touch widgets, they post one of these.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from jittutor.engine.protocol import RunReport, RunRequest, WorkerInfo
from jittutor.tutoring.grading import Verdict


@dataclass
class PoolStatusChanged(Message):
    """The worker pool changed state (starting, ready, busy, restarting, failed, dead, stopped)."""

    status: str
    detail: str = ""


@dataclass
class WorkerReady(Message):
    """The worker said hello: JAX version and devices are known."""

    info: WorkerInfo


@dataclass
class WorkerStartFailed(Message):
    """No worker could start; ``message`` says why in one paragraph."""

    message: str


@dataclass
class RunDone(Message):
    """A run finished with a report, judged into a verdict."""

    request: RunRequest
    report: RunReport
    verdict: Verdict


@dataclass
class RunStopped(Message):
    """A run ended without a report: cancelled by the student, or the engine failed."""

    cancelled: bool
    message: str
