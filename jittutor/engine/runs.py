"""Running requests on the pool's workers: one at a time, with deadlines, cancels and crash reports.

:class:`RunsOnWorkers` is the half of :class:`~jittutor.engine.pool.WorkerPool`
that runs code: it sends a request to the active worker, waits for its result
within the deadline (interrupting, then replacing a stuck worker), and turns a
crash, a retirement or the scheduler ending the job into a report. The other
half, the workers' lifecycle (start, standby, replace, heartbeats, queue), is
the pool's own. Never imports jax.
"""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from typing import TYPE_CHECKING, Any

from jittutor.engine import scheduler
from jittutor.engine.fault_reports import ended_error, timeout_report
from jittutor.engine.process import EngineError, RunCancelled, WorkerProcess
from jittutor.engine.protocol import ErrorInfo, RunReport, RunRequest, WorkerInfo, from_dict, to_dict

if TYPE_CHECKING:
    from jittutor.engine.restarter import Restarter

DEFAULT_TIMEOUT = 10.0
CANCEL_GRACE = 1.0  # seconds a cancelled run gets to stop before the worker is killed


class RunsOnWorkers:
    """Runs for :class:`~jittutor.engine.pool.WorkerPool` (which provides the workers and their state)."""

    restarter: Restarter
    retirements: int
    last_ending: str | None
    _active: WorkerProcess | None
    _standby: WorkerProcess | None

    def cancel(self) -> None:
        """Cancel the run in progress, if any (callable from any thread)."""
        self._cancel.set()

    @staticmethod
    def _drain(worker: WorkerProcess) -> None:
        while True:
            try:
                msg = worker.inbox.get_nowait()
            except queue.Empty:
                return
            if msg is None:
                worker.inbox.put(None)
                return

    def _acquire_run(self, preempt: bool) -> None:
        if not preempt:
            self._run_lock.acquire()
            return
        # Keep cancelling until the run that holds the lock has let go: a single
        # cancel could be cleared by a run that is just starting.
        while not self._run_lock.acquire(timeout=0.02):
            self._cancel.set()

    def run(self, request: RunRequest, timeout: float = DEFAULT_TIMEOUT, *, preempt: bool = False) -> RunReport:
        """Run ``request`` in the worker within ``timeout`` seconds.

        Always returns a report for faults of the student's code (``timeout``,
        ``worker-crashed``); raises :class:`RunCancelled` if :meth:`cancel` was
        called, :class:`WorkerDead` after too many crashes in a row, and
        :class:`WorkerStartError` if no worker can start at all.

        Runs never overlap. A second call from another thread waits for the
        first to finish; with ``preempt=True`` it cancels the run in progress
        instead (that caller gets :class:`RunCancelled`, the worker is kept if
        the code could be interrupted, replaced if not) and starts at once.
        This is what "the student pressed F5 again" wants.
        """
        self._acquire_run(preempt)
        try:
            return self._run_locked(request, timeout)
        finally:
            self._run_lock.release()

    def _run_locked(self, request: RunRequest, timeout: float) -> RunReport:
        self._cancel.clear()
        self._check_dead()
        with self._lock:
            gone = self._active is not None and self._active.info is not None and not self._active.alive()
        if gone:  # it ended between runs (idle, the scheduler) and its exit is still being noticed
            self._ended_between_runs(self._active)  # type: ignore[arg-type]
        info = self.info(cancel=self._cancel)
        worker = self._active
        assert worker is not None
        self._busy = worker
        try:
            return self._run_on(worker, info, request, timeout)
        finally:
            self._busy = None

    def _run_on(self, worker: WorkerProcess, info: WorkerInfo, request: RunRequest, timeout: float) -> RunReport:
        self._drain(worker)
        self._run_id += 1
        run_id = self._run_id
        self._set_status("busy", request.entry)
        started = time.monotonic()
        if not worker.send({"op": "run", "id": run_id, "request": to_dict(request)}):
            return self._crashed(worker, info, request, started)
        deadline = started + timeout
        cancel_sent_at: float | None = None
        reason = ""
        while True:
            try:
                msg = worker.inbox.get(timeout=0.02)
            except queue.Empty:
                msg = {}
            if msg is None:
                if reason == "cancel":
                    self._replace_active()
                    raise RunCancelled("run cancelled")
                return self._crashed(worker, info, request, started)
            if msg.get("type") == "result" and msg.get("id") == run_id:
                return self._finish(worker, info, msg, reason, timeout, started, request)
            if msg.get("type") == "error" and msg.get("id") == run_id:
                self._set_status("ready")
                raise EngineError(f"the worker failed internally: {msg.get('message')}")
            now = time.monotonic()
            if cancel_sent_at is None:
                if self._cancel.is_set():
                    reason = "cancel"
                elif now > deadline:
                    reason = "timeout"
                if reason:
                    worker.send({"op": "cancel", "id": run_id, "reason": reason})
                    cancel_sent_at = now
            elif now > cancel_sent_at + CANCEL_GRACE:
                # SIGINT did not stop it (a loop inside XLA): kill, and the standby takes over.
                self._replace_active()
                if reason == "cancel":
                    raise RunCancelled("run cancelled; the worker was restarted")
                return timeout_report(info, request, timeout, None, restarted=True)

    def _finish(
        self,
        worker: WorkerProcess,
        info: WorkerInfo,
        msg: dict[str, Any],
        reason: str,
        timeout: float,
        started: float,
        request: RunRequest,
    ) -> RunReport:
        self.restarter.ran()
        data = msg.get("report")
        report = from_dict(RunReport, data) if data else None
        retire = msg.get("retire")
        if retire:
            # The run changed the worker in a way it cannot undo: the next run gets a fresh one.
            self.retirements += 1
            self._replace_active()
            if report is not None:
                report.worker_retired = str(retire)[:2000]
        else:
            self._set_status("ready")
        if msg.get("interrupted") or reason:
            if reason == "cancel":
                raise RunCancelled("run cancelled")
            report = timeout_report(info, request, timeout, report, restarted=False)
        assert report is not None
        report.worker_pid = worker.pid
        return report

    def _crashed(self, worker: WorkerProcess, info: WorkerInfo, request: RunRequest, started: float) -> RunReport:
        try:
            worker.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        worker.stderr_done.wait(2.0)  # the launcher's last words (srun's CANCELLED line) come on stderr
        ended = scheduler.ended_by_scheduler(list(worker.stderr_tail))
        if ended is not None:
            return self._ended(worker, info, request, started, *ended)
        error, dead = self.restarter.crashed(worker.returncode_seen(), list(worker.stderr_tail), request)
        if dead:
            with self._lock:
                old, self._active = self._active, None
                standby, self._standby = self._standby, None
            for w in (old, standby):
                if w is not None:
                    threading.Thread(target=w.kill, daemon=True).start()
            self._set_status("dead", self.dead_reason or "")
        else:
            self._replace_active()
        return _fault_report(worker, info, request, started, error)

    def _ended(
        self, worker: WorkerProcess, info: WorkerInfo, request: RunRequest, started: float, why: str, line: str
    ) -> RunReport:
        """The scheduler ended the worker's job: not the code's fault, not a crash; the next run starts a new job."""
        self._replace_active(respawn=False)
        self.last_ending = f"the scheduler ended the last worker ({why})"
        self._set_status("stopped", f"{self.last_ending}; the next run starts a new one")
        return _fault_report(worker, info, request, started, ended_error(why, line, list(worker.stderr_tail)))


def _fault_report(
    worker: WorkerProcess, info: WorkerInfo, request: RunRequest, started: float, error: ErrorInfo
) -> RunReport:
    """A report for a run that ended without one of its own (a crash, the scheduler): just the error."""
    return RunReport(
        device=request.device or info.default_device,
        jax_version=info.jax_version,
        error=error,
        seconds=time.monotonic() - started,
        worker_pid=worker.pid,
    )
