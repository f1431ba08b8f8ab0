"""The worker process: ``python -m jittutor.worker``.

It speaks JSON lines over its own stdin/stdout and nothing else, so the same
command can be started locally, through ``srun ...`` or ``ssh host ...``.

Before importing jax it takes the channel off fds 0/1 (student reads of stdin get
EOF; student writes to fd 1/2 go to the output capture), then imports jax once,
warms it up, says ``hello`` and serves runs until told to shut down or until its
stdin closes (the front died: a worker never outlives it, so no orphan holds GPU
memory on a shared node). As a second guard it also exits when it is orphaned
(its parent process changes), in case something else still holds its stdin open,
and, once the front has sent a first ``heartbeat``, when the heartbeats stop for
:data:`HEARTBEAT_LOST` seconds: under ``srun`` a SIGKILLed launcher closes
neither stdin nor the parent (slurmstepd), so only the silence tells. A parent
that is stopped (the student pressed ctrl+z) is not gone: its silence is waited out. A worker
that holds its scheduler job alone then cancels that job too. A worker that gets
no request for ``JITTUTOR_WORKER_IDLE`` seconds says ``bye`` and exits, freeing
its job (and GPU) for someone else; the front starts a new one on the next run.

Messages in:  {"op": "run", "id": N, "request": {...}} | {"op": "cancel", "id": N}
              {"op": "devices"} | {"op": "ping"} | {"op": "heartbeat"} | {"op": "shutdown"}
Messages out: {"type": "hello", "info": {...}} | {"type": "fatal", "message": ...}
              {"type": "bye", "reason": ...}
              {"type": "result", "id": N, "report": {...}, "interrupted": bool, "retire": str | null}

After each run the worker ends every process the code started (it is their
subreaper), frees the student's module, and checks itself against the baseline
it took when it became ready (:mod:`jittutor.engine.worker.audit`). If the run
left anything it cannot undo, the result says ``"retire": reason`` and the pool
replaces this worker with its standby. A ``fork()`` of the worker (student code
calling ``os.fork`` or ``multiprocessing``) loses the channel at once and exits
when it comes back to the serving loop, so it can never answer for the worker.
              {"type": "devices", "devices": [...]} | {"type": "pong"}
"""

from __future__ import annotations

import _thread
import faulthandler
import gc
import os
import platform
import queue
import sys
import threading
import time
import traceback
from typing import Any

from jittutor.engine import descendants
from jittutor.engine.bounds import bound_report
from jittutor.engine.protocol import PROTOCOL_VERSION, decode_message, encode_message

PARENT_POLL = 1.0  # seconds between checks that the front (our parent) is still there
HEARTBEAT_LOST = 10.0  # seconds without a message, once heartbeats began, after which the front counts as gone
MAX_RECURSION_LIMIT = 100_000  # sys.setrecursionlimit above this is capped (hygiene.RecursionCap)


class Channel:
    """The worker's private stdin/stdout, moved off fds 0 and 1."""

    def __init__(self) -> None:
        self.in_fd = os.dup(0)
        self.out_fd = os.dup(1)
        self.log_fd = os.dup(2)  # the real stderr: crash dumps and worker diagnostics
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the process
        # Until the capture is installed, stray prints (e.g. from importing jax) go to the log.
        os.dup2(self.log_fd, 1)
        self._lock = threading.Lock()

    def forget(self) -> None:
        """In a fork of the worker: point the channel fds at /dev/null so the fork can never speak on it."""
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (self.in_fd, self.out_fd):
            try:
                os.dup2(devnull, fd)
            except OSError:
                pass
        os.close(devnull)

    def send(self, msg: dict[str, Any]) -> None:
        data = encode_message(msg)
        with self._lock:
            view = memoryview(data)
            while view:
                written = os.write(self.out_fd, view)
                view = view[written:]

    def lines(self):  # type: ignore[no-untyped-def]
        with os.fdopen(self.in_fd, "rb") as stream:
            yield from stream


def cap_cpu_memory() -> int | None:
    """Limit how much more memory student code may take on a CPU-only worker.

    A student's 60000x60000 array then fails with JAX's RESOURCE_EXHAUSTED
    error instead of the OOM killer taking the worker (or the machine) down.
    ``JITTUTOR_MEM_LIMIT`` sets the cap (``4G``; ``0`` or ``none`` for no cap);
    the default is half of the physical memory. Not applied with a GPU: CUDA
    reserves huge virtual address ranges.
    """
    import resource

    from jittutor.config import worker_mem_limit

    setting = worker_mem_limit()  # a value that cannot be read stops the start, naming the variable
    if setting == 0:
        return None
    try:
        cap = setting or os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError):
        return None
    try:
        with open("/proc/self/statm") as f:
            in_use = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        in_use = 0
    # RLIMIT_AS counts address space, so the cap is on top of what JAX has mapped already.
    limit = in_use + cap
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        return None
    return cap


class Worker:
    """The worker's life: take the channel off fds 0/1, import jax once, then serve runs until told to stop
    or the front goes away. After each run it restores what it can and audits the rest; an unclean
    worker asks to be retired."""

    def __init__(self) -> None:
        self.memory_cap: int | None = None
        self.channel = Channel()
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.running_id: Any = None
        self.runner: Any = None
        self.baseline: Any = None
        self.pid = os.getpid()
        self.last_message = time.monotonic()  # any message from the front, heartbeats included
        self.last_request = time.monotonic()  # a run or a devices request: what "idle" is measured from
        from jittutor.engine.scheduler import HEARTBEAT_ENV

        # The front sends heartbeats (a pool says so in the environment, or the first one arrives):
        # their silence means it is gone.
        self.heartbeats = bool(os.environ.get(HEARTBEAT_ENV))
        from jittutor.config import worker_idle_seconds

        self.idle_limit = worker_idle_seconds()
        self.serving = False  # ready and serving: only then can it be idle
        os.register_at_fork(after_in_child=self.channel.forget)

    def log(self, text: str) -> None:
        try:
            os.write(self.channel.log_fd, f"[jittutor.worker {os.getpid()}] {text}\n".encode())
        except OSError:
            pass

    # The reader thread owns stdin: it answers cancel at once, even while a run
    # holds the main thread, and ends the process when the front goes away.
    def _read(self) -> None:
        try:
            for line in self.channel.lines():
                try:
                    msg = decode_message(line)
                except ValueError as exc:
                    self.log(f"bad message ignored: {exc}")
                    continue
                op = msg.get("op")
                self.last_message = time.monotonic()
                if op in ("run", "devices"):
                    self.last_request = self.last_message
                if op == "heartbeat":
                    self.heartbeats = True
                elif op == "cancel":
                    if self.running_id is not None and msg.get("id") in (None, self.running_id):
                        if self.runner is not None:
                            self.runner.cancel_requested = True
                        _thread.interrupt_main()
                elif op == "ping":
                    self.channel.send({"type": "pong", "running": self.running_id})
                else:
                    self.inbox.put(msg)
        except Exception as exc:  # noqa: BLE001
            self.log(f"reader failed: {exc!r}")
        # stdin closed: the front is gone. Leave now, whatever is running, and take the code's processes along.
        # The job too, if it is ours alone: a launcher SIGKILLed just after the front (kill -9 of both)
        # forwards the EOF but never releases the job, which would then hold its GPU until the time limit.
        self.leave("stdin closed: the front is gone; exiting", cancel_job=True)

    def exit(self, code: int = 0) -> None:
        """Leave at once, ending every process the student's code started."""
        try:
            descendants.end_descendants()
        finally:
            os._exit(code)

    def own_job(self) -> str:
        """The scheduler job this worker holds alone: ``srun`` made it for us, not the student's salloc."""
        from jittutor.engine.scheduler import FRONT_JOB_ENV

        job = os.environ.get("SLURM_JOB_ID", "")
        return job if job and job != os.environ.get(FRONT_JOB_ENV, "") else ""

    def leave(self, reason: str, cancel_job: bool) -> None:
        """Say why, free the job if it is ours alone and nobody will, and exit."""
        self.log(reason)
        try:
            self.channel.send({"type": "bye", "reason": reason})
        except OSError:
            pass
        job = self.own_job() if cancel_job else ""
        if job:
            from jittutor.engine.scheduler import cancel_job as scancel

            descendants.end_descendants()
            scancel(job)  # ends this process too, a moment later
        self.exit()

    def _watch(self) -> None:
        """The front, the launcher and the clock: leave when nobody is there or nobody asked for a while."""
        parent = os.getppid()
        while True:
            time.sleep(PARENT_POLL)
            now = time.monotonic()
            if os.getppid() != parent:
                self.leave(f"parent {parent} is gone; exiting", cancel_job=True)
            if self.heartbeats and now - self.last_message > HEARTBEAT_LOST:
                if descendants.is_stopped(parent):
                    # The front is our parent and suspended (ctrl+z), not gone: wait for it to come back.
                    self.last_message = now
                else:
                    self.leave(f"no heartbeat from the front for {HEARTBEAT_LOST:g} s; exiting", cancel_job=True)
            if (
                self.serving
                and self.idle_limit
                and self.running_id is None
                and now - self.last_request > self.idle_limit
            ):
                # The launcher is still there: it ends the job when this process exits.
                self.leave(f"idle for {self.idle_limit / 60:g} min (JITTUTOR_WORKER_IDLE); exiting", cancel_job=False)

    def start(self) -> None:
        """Move the channel, cap CPU memory, import jax, warm up, and say hello (or why not, then exit)."""
        from jittutor.engine.worker.capture import OutputCapture

        faulthandler.enable(file=self.channel.log_fd, all_threads=False)
        descendants.become_subreaper()
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        from jittutor.config import MEM_FRACTION_ENV

        mem_fraction = os.environ.get(MEM_FRACTION_ENV)
        if mem_fraction:
            os.environ.setdefault("XLA_PYTHON_CLIENT_MEM_FRACTION", mem_fraction)
        threading.Thread(target=self._read, name="channel-reader", daemon=True).start()
        threading.Thread(target=self._watch, name="watch", daemon=True).start()
        self.capture = OutputCapture()
        try:
            self.capture.install()
            import jax

            from jittutor.engine.worker import runner

            self.runner = runner.Runner(self.capture)
            devices = runner.list_devices()
            default = runner.device_name(jax.devices()[0])
            if all(d.platform == "cpu" for d in devices):
                self.memory_cap = cap_cpu_memory()
            self.runner.warm_up()
            self._take_baseline(jax)
            startup_output = self.capture.segment()
        except BaseException as exc:  # noqa: BLE001 - report any start-up failure, then exit
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            self.channel.send({"type": "fatal", "message": detail, "output": self.capture.segment()[-4000:]})
            sys.exit(3)
        if startup_output.strip():
            self.log(startup_output.strip()[-2000:])
        self.last_request = time.monotonic()  # idle counts from ready, not from the start of a slow import
        self.serving = True
        self.channel.send(
            {
                "type": "hello",
                "protocol": PROTOCOL_VERSION,
                "info": {
                    "pid": os.getpid(),
                    "jax_version": jax.__version__,
                    "python": platform.python_version(),
                    "devices": [vars(d) for d in devices],
                    "default_device": default,
                    "host": platform.node(),
                    "job": self.own_job(),
                },
            }
        )

    def _take_baseline(self, jax: Any) -> None:
        from jittutor.engine.worker.audit import Baseline
        from jittutor.engine.worker.hygiene import cap_recursion_limit

        self.runner.recursion_cap = cap_recursion_limit(MAX_RECURSION_LIMIT)
        # The runner keeps only the student's frames itself; JAX's own filtering of a traceback
        # is superlinear in its depth (7 s for 20,000 frames), which turned a deep recursion into a timeout.
        jax.config.update("jax_traceback_filtering", "off")
        self.runner.release()
        self.baseline = Baseline.take(jax.config)

    def serve(self) -> None:
        from jittutor.engine.worker.runner import list_devices

        while True:
            try:
                msg = self.inbox.get()
            except KeyboardInterrupt:  # a cancel that arrived between runs
                continue
            if msg is None or msg.get("op") == "shutdown":
                return
            op = msg.get("op")
            if op == "devices":
                self.channel.send({"type": "devices", "devices": [vars(d) for d in list_devices()]})
            elif op == "run":
                self._run(msg)
            else:
                self.channel.send({"type": "error", "message": f"unknown op {op!r}"})

    def _run(self, msg: dict[str, Any]) -> None:
        from jittutor.engine.protocol import RunRequest, from_dict, to_dict
        from jittutor.engine.worker.runner import Interrupted

        run_id = msg.get("id")
        try:
            request = from_dict(RunRequest, msg["request"])
            self.capture.limit = request.output_limit
            self.capture.install()
            self.runner.cancel_requested = False
            self.running_id = run_id
            report = None
            try:
                report = self.runner.execute(request)
            except (Interrupted, KeyboardInterrupt):
                pass
            finally:
                self.running_id = None
                self.runner.cancel_requested = False
            if os.getpid() != self.pid:
                self.exit()  # a fork of the worker came back here: it must not serve
            retire = self._audit()
            interrupted = report is None or report.interrupted
            data = to_dict(bound_report(report)) if report is not None else None
            self.channel.send(
                {"type": "result", "id": run_id, "report": data, "interrupted": interrupted, "retire": retire}
            )
            if not retire:
                gc.collect()  # the full collection, off the student's clock
        except KeyboardInterrupt:
            self.channel.send(
                {"type": "result", "id": run_id, "report": None, "interrupted": True, "retire": self._audit()}
            )
        except Exception as exc:  # noqa: BLE001 - a bug of ours: say so, keep serving
            self.log("internal error:\n" + traceback.format_exc())
            self.channel.send({"type": "error", "id": run_id, "message": f"{type(exc).__name__}: {exc}"[:2000]})

    def _audit(self) -> str | None:
        """Free the run's module, then check the worker is as clean as when it started."""
        if self.runner.restored:
            self.log("undid the run's changes to: " + ", ".join(self.runner.restored))
        descendants.end_descendants()
        reasons = self.baseline.check_threads() if self.baseline is not None else []
        self.runner.release(generation=1)
        if self.baseline is None:
            return None
        reasons += self.baseline.check()
        if not reasons:
            return None
        reason = "the run changed what the worker cannot put back: " + "; ".join(reasons)
        self.log("retiring: " + reason)
        return reason


def main() -> None:
    """``python -m jittutor.worker``: start, serve, and leave without interpreter teardown."""
    worker = Worker()
    worker.start()
    worker.serve()
    os._exit(0)  # skip interpreter teardown: jax's atexit hooks can be slow


if __name__ == "__main__":
    main()
