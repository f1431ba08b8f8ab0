"""The worker pool: an active worker, a pre-warmed standby, deadlines, crash recovery.

A :class:`WorkerPool` keeps one active :class:`~jittutor.engine.process.WorkerProcess`
and (``standby=True``) one pre-warmed standby; when a run times out, a worker
dies, or a worker *retires* (the student's code changed its process in a way it
cannot undo, see :mod:`jittutor.engine.worker.audit`), the standby takes over
at once and a new standby starts in the background. Without a standby (the
default under a launcher: each worker is a scheduler job) the replacement
starts at once, or with ``respawn=False`` (one-shot commands) only when the
next run needs it. The crash policy (how a crash is worded, the "dead" state)
is :mod:`jittutor.engine.restarter`; what the scheduler said about a job
(queued, ended by it) is :mod:`jittutor.engine.scheduler`. A worker the
scheduler ended, or that left because it sat idle, is not replaced until the
next run asks for one: that is what frees a walked-away student's GPU.

While a worker waits in a scheduler's queue the status is ``queued`` with
"waiting in the queue (job 1234, reason Resources)"; a worker that is gone
between runs leaves the status ``stopped`` with why it ended.

Thread-safe: runs are serialised (a second :meth:`WorkerPool.run` waits for the
first, or with ``preempt=True`` cancels it and takes its place), and
:meth:`WorkerPool.cancel` may be called from any thread (the app runs ``run`` in
a thread worker). Never imports jax.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
import time
from collections.abc import Callable, Sequence

from jittutor.config import DEFAULT_START_TIMEOUT
from jittutor.engine import scheduler
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
    WorkerInfo,
)
from jittutor.engine.restarter import MAX_CRASHES, Restarter, WorkerDead, crash_cause
from jittutor.engine.runs import CANCEL_GRACE, DEFAULT_TIMEOUT, RunsOnWorkers

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

HEARTBEAT = 2.0  # seconds between heartbeats to each worker (it leaves after worker.main.HEARTBEAT_LOST without)
QUEUE_POLL = 5.0  # seconds between asking squeue why a queued start waits

StatusCallback = Callable[[str, str], None]


class WorkerPool(RunsOnWorkers):
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
        respawn: bool = True,
    ) -> None:
        self.command = worker_command(worker_cmd)
        self.use_standby = standby
        # Start a replacement as soon as a worker is thrown away (False: when the next run needs it).
        self.respawn = respawn
        self.spawned = 0  # workers started over the pool's life (each one a job under srun)
        self.last_ending = ""  # why the last worker ended between runs, for the next start's status
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
        self._busy: WorkerProcess | None = None  # the worker running a request right now
        self._heart: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------

    def _set_status(self, status: str, detail: str = "") -> None:
        self.status = status
        if self.on_status is not None:
            try:
                self.on_status(status, detail)
            except Exception:  # noqa: BLE001 - a UI callback must never break the engine
                pass

    def _spawn(self) -> WorkerProcess:
        env = {**(os.environ if self.env is None else self.env), scheduler.HEARTBEAT_ENV: f"{HEARTBEAT:g}"}
        worker = WorkerProcess(self.command, env=env, on_event=self._worker_event)
        self.spawned += 1
        if self._heart is None:
            self._heart = threading.Thread(target=self._heartbeats, name="pool-heartbeat", daemon=True)
            self._heart.start()
        return worker

    def _heartbeats(self) -> None:
        """Tell every worker the front is alive; a worker whose heartbeats stop leaves (and frees its job)."""
        while not self._closed:
            for worker in (self._active, self._standby):
                if worker is not None:
                    worker.heartbeat()
            time.sleep(HEARTBEAT)

    def _worker_event(self, worker: WorkerProcess, what: str, detail: str) -> None:
        """From a worker's reader threads: its queue, its allocation, its end."""
        with self._lock:  # a line can come before start() has made this worker the active one
            mine = worker is self._active or worker is self._standby
        if not mine or (what != "exited" and worker is not self._active):
            return
        if what == "queued":
            self._set_status("queued", f"waiting in the queue (job {detail})")
            threading.Thread(target=self._watch_queue, args=(worker, detail), daemon=True).start()
        elif what == "allocated":
            self._set_status("starting", f"job {detail} has its resources; loading JAX")
        elif what == "exited":
            self._ended_between_runs(worker)

    def _watch_queue(self, worker: WorkerProcess, job: str) -> None:
        """While ``worker`` waits in the queue, say why (squeue's reason)."""
        shown = ""
        while worker is self._active and worker.queued_job == job and not worker.ready.is_set():
            reason = scheduler.queue_reason(job)
            # "None" is squeue's "not decided yet": keep the plain "waiting in the queue (job N)" until it is.
            if reason and reason not in ("None", shown) and worker.queued_job == job and worker is self._active:
                shown = reason
                self._set_status("queued", f"waiting in the queue (job {job}, reason {reason})")
            worker.ready.wait(QUEUE_POLL)

    def _ended_between_runs(self, worker: WorkerProcess) -> None:
        """A ready worker went away while no run was using it (idle, scheduler, launcher killed)."""
        worker.stderr_done.wait(2.0)
        with self._lock:
            if worker is self._busy or self._closed or worker.info is None:
                return  # a run deals with it (or it never started: wait_ready reports that)
            if worker is self._standby:
                self._standby = None
                return
            if worker is not self._active:
                return
            self._active = None
        try:
            worker.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.last_ending = self._why_ended(worker)
        threading.Thread(target=worker.kill, daemon=True).start()  # its launcher's leftovers, if any
        self._set_status("stopped", f"{self.last_ending}; the next run starts a new one")

    @staticmethod
    def _why_ended(worker: WorkerProcess) -> str:
        if worker.farewell:
            return f"the worker left: {worker.farewell}"
        ended = scheduler.ended_by_scheduler(list(worker.stderr_tail))
        if ended is not None:
            return f"the scheduler ended the worker: {ended[0]} ({ended[1]})"
        return f"the worker {describe_exit(worker.returncode_seen())}"

    def start(self) -> None:
        """Start the active worker (and the standby) without waiting for them."""
        with self._lock:
            if self._closed:
                raise EngineError("the worker pool is closed")
            if self._active is None:
                detail = shlex.join(self.command)
                if self.last_ending:
                    detail = f"{self.last_ending}; starting a new one ({detail})"
                    self.last_ending = ""
                self._set_status("starting", detail)
                self._active = self._spawn()
            if self.use_standby and self._standby is None:
                self._standby = self._spawn()

    def info(self, timeout: float | None = None, cancel: threading.Event | None = None) -> WorkerInfo:
        """The active worker's hello (JAX version, devices); starts it if needed.

        A worker that cannot start is thrown away, so the next call (the
        student's next F5 or ``check``) tries a fresh one.
        """
        self._check_dead()
        self.start()
        worker = self._active
        assert worker is not None
        try:
            info = worker.wait_ready(self.start_timeout if timeout is None else timeout, cancel)
        except RunCancelled:
            raise
        except EngineError as exc:
            with self._lock:
                if worker is self._active:
                    self._active = None
            threading.Thread(target=worker.kill, daemon=True).start()
            self._set_status("failed", str(exc))
            raise
        if self.status in ("starting", "restarting", "queued"):
            self._set_status("ready", f"jax {info.jax_version}")
        return info

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

    def _replace_active(self, respawn: bool | None = None) -> None:
        """Kill the active worker and promote the standby (or start a new one, now or at the next run)."""
        with self._lock:
            old, self._active = self._active, None
            if old is not None:
                threading.Thread(target=old.kill, daemon=True).start()
            if self._standby is not None:
                self._active, self._standby = self._standby, None
            elif not self._closed and (self.respawn if respawn is None else respawn):
                self._active = self._spawn()
            if self.use_standby and not self._closed:
                self._standby = self._spawn()
            new = self._active
            if new is not None:
                self._set_status("restarting")
        if new is None:
            self._set_status("stopped", "the next run starts a new worker")
        if new is not None:
            threading.Thread(target=self._announce_ready, args=(new,), daemon=True).start()

    def _announce_ready(self, worker: WorkerProcess) -> None:
        try:
            info = worker.wait_ready(self.start_timeout)
        except EngineError as exc:
            with self._lock:
                mine = worker is self._active
                if mine:
                    self._active = None  # the next run tries a fresh one
            if mine:
                self._set_status("failed", str(exc))
            return
        if worker is self._active and self.status in ("restarting", "queued", "starting"):
            self._set_status("ready", f"jax {info.jax_version}")

    def restart(self) -> None:
        """Throw the current worker away (e.g. the user asked); the standby takes over."""
        self.restarter.reset()
        self._replace_active()

    # -- running --------------------------------------------------------------
