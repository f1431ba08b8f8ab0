"""The worker pool: an active worker, a pre-warmed standby, deadlines, crash recovery.

A :class:`WorkerPool` keeps one active :class:`~jittutor.engine.process.WorkerProcess`
and one pre-warmed standby; when a run times out, a worker dies, or a worker
*retires* (the student's code changed its process in a way it cannot undo, see
:mod:`jittutor.engine.worker.audit`), the standby takes over at once and a new
standby starts in the background. The crash policy (how a crash is worded, the
"dead" state) is :mod:`jittutor.engine.restarter`.

Thread-safe: runs are serialised (a second :meth:`WorkerPool.run` waits for the
first, or with ``preempt=True`` cancels it and takes its place), and
:meth:`WorkerPool.cancel` may be called from any thread (the app runs ``run`` in
a thread worker). Never imports jax.
"""

from __future__ import annotations

import queue
import shlex
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from jittutor.config import DEFAULT_START_TIMEOUT
from jittutor.engine.process import (
    EngineError,
    RunCancelled,
    WorkerProcess,
    WorkerStartError,
    default_worker_command,
    describe_exit,
    worker_command,
)
from jittutor.engine.protocol import (
    DeviceInfo,
    ErrorInfo,
    RunReport,
    RunRequest,
    WorkerInfo,
    from_dict,
    to_dict,
)
from jittutor.engine.restarter import MAX_CRASHES, Restarter, WorkerDead, crash_cause

__all__ = [
    "CANCEL_GRACE",
    "DEFAULT_START_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "EngineError",
    "MAX_CRASHES",
    "RunCancelled",
    "WorkerDead",
    "WorkerPool",
    "WorkerProcess",
    "WorkerStartError",
    "crash_cause",
    "default_worker_command",
    "describe_exit",
    "worker_command",
]

DEFAULT_TIMEOUT = 10.0
CANCEL_GRACE = 1.0  # seconds a cancelled run gets to stop before the worker is killed

StatusCallback = Callable[[str, str], None]


class WorkerPool:
    """An active worker, a pre-warmed standby, deadlines, and crash recovery."""

    def __init__(
        self,
        worker_cmd: str | Sequence[str] | None = None,
        *,
        standby: bool = True,
        start_timeout: float | None = None,
        on_status: StatusCallback | None = None,
        env: dict[str, str] | None = None,
        max_crashes: int = MAX_CRASHES,
    ) -> None:
        self.command = worker_command(worker_cmd)
        self.use_standby = standby
        self.start_timeout = start_timeout if start_timeout is not None else DEFAULT_START_TIMEOUT
        self.on_status = on_status
        self.env = env
        self.restarter = Restarter(max_crashes)
        self.status = "stopped"
        self.retirements = 0  # workers replaced because a run left them unclean
        self._active: WorkerProcess | None = None
        self._standby: WorkerProcess | None = None
        self._lock = threading.RLock()
        self._run_lock = threading.Lock()
        self._cancel = threading.Event()
        self._run_id = 0
        self._closed = False

    # -- lifecycle ------------------------------------------------------------

    def _set_status(self, status: str, detail: str = "") -> None:
        self.status = status
        if self.on_status is not None:
            try:
                self.on_status(status, detail)
            except Exception:  # noqa: BLE001 - a UI callback must never break the engine
                pass

    def _spawn(self) -> WorkerProcess:
        return WorkerProcess(self.command, env=self.env)

    def start(self) -> None:
        """Start the active worker (and the standby) without waiting for them."""
        with self._lock:
            if self._closed:
                raise EngineError("the worker pool is closed")
            if self._active is None:
                self._set_status("starting", shlex.join(self.command))
                self._active = self._spawn()
            if self.use_standby and self._standby is None:
                self._standby = self._spawn()

    def info(self, timeout: float | None = None, cancel: threading.Event | None = None) -> WorkerInfo:
        """The active worker's hello (JAX version, devices); starts it if needed."""
        self._check_dead()
        self.start()
        assert self._active is not None
        worker = self._active
        info = worker.wait_ready(self.start_timeout if timeout is None else timeout, cancel)
        if self.status in ("starting", "restarting"):
            self._set_status("ready", f"jax {info.jax_version}")
        return info

    def devices(self, refresh: bool = False) -> list[DeviceInfo]:
        """The devices the worker sees; ``refresh`` asks it again (memory in use changes)."""
        info = self.info()
        if not refresh:
            return info.devices
        with self._run_lock:
            worker = self._active
            assert worker is not None
            self._drain(worker)
            worker.send({"op": "devices"})
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    msg = worker.inbox.get(timeout=0.1)
                except queue.Empty:
                    continue
                if msg is None:
                    break
                if msg.get("type") == "devices":
                    info.devices = [from_dict(DeviceInfo, d) for d in msg["devices"]]
                    break
        return info.devices

    def close(self) -> None:
        """Stop every worker this pool started."""
        with self._lock:
            self._closed = True
            workers = [w for w in (self._active, self._standby) if w is not None]
            self._active = self._standby = None
        for w in workers:
            w.shutdown(grace=0.5)
        self._set_status("stopped")

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def dead_reason(self) -> str | None:
        return self.restarter.dead_reason

    @property
    def crashes(self) -> int:
        return self.restarter.crashes

    def _check_dead(self) -> None:
        self.restarter.check()

    def _replace_active(self) -> None:
        """Kill the active worker and promote the standby (or start a new one)."""
        with self._lock:
            old, self._active = self._active, None
            if old is not None:
                threading.Thread(target=old.kill, daemon=True).start()
            if self._standby is not None:
                self._active, self._standby = self._standby, None
            elif not self._closed:
                self._active = self._spawn()
            if self.use_standby and not self._closed:
                self._standby = self._spawn()
            new = self._active
            self._set_status("restarting")
        if new is not None:
            threading.Thread(target=self._announce_ready, args=(new,), daemon=True).start()

    def _announce_ready(self, worker: WorkerProcess) -> None:
        try:
            info = worker.wait_ready(self.start_timeout)
        except EngineError as exc:
            if worker is self._active:
                self._set_status("failed", str(exc))
            return
        if worker is self._active and self.status == "restarting":
            self._set_status("ready", f"jax {info.jax_version}")

    def restart(self) -> None:
        """Throw the current worker away (e.g. the user asked); the standby takes over."""
        self.restarter.reset()
        self._replace_active()

    # -- running --------------------------------------------------------------

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
        info = self.info(cancel=self._cancel)
        worker = self._active
        assert worker is not None
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
                return self._timeout_report(info, request, timeout, None, restarted=True)

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
            report = self._timeout_report(info, request, timeout, report, restarted=False)
        assert report is not None
        report.worker_pid = worker.pid
        return report

    def _timeout_report(
        self, info: WorkerInfo, request: RunRequest, timeout: float, partial: RunReport | None, restarted: bool
    ) -> RunReport:
        report = partial or RunReport(device=request.device or info.default_device, jax_version=info.jax_version)
        where = report.error
        message = f"The run did not finish within the {timeout:g} s deadline and was stopped"
        if where is not None and where.line is not None:
            message += f" while running line {where.line}: {where.code or ''}".rstrip(": ")
        if restarted:
            message += " (the code was stuck where Python cannot interrupt it, e.g. a loop inside XLA; the worker was replaced)"
        report.error = ErrorInfo(
            type="Timeout",
            message=message + ".",
            kind="timeout",
            line=where.line if where else None,
            code=where.code if where else None,
            filename=where.filename if where else None,
            traceback=where.traceback if where else "",
        )
        report.interrupted = True
        return report

    def _crashed(self, worker: WorkerProcess, info: WorkerInfo, request: RunRequest, started: float) -> RunReport:
        try:
            worker.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        error, dead = self.restarter.crashed(worker.proc.returncode, list(worker.stderr_tail), request)
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
        return RunReport(
            device=request.device or info.default_device,
            jax_version=info.jax_version,
            error=error,
            seconds=time.monotonic() - started,
            worker_pid=worker.pid,
        )
