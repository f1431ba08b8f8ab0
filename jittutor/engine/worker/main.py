"""The worker process: ``python -m jittutor.worker``.

It speaks JSON lines over its own stdin/stdout and nothing else, so the same
command can be started locally, through ``srun ...`` or ``ssh host ...``.

Before importing jax it takes the channel off fds 0/1 (student reads of stdin get
EOF; student writes to fd 1/2 go to the output capture), then imports jax once,
warms it up, says ``hello`` and serves runs until told to shut down or until its
stdin closes (the front died: a worker never outlives it, so no orphan holds GPU
memory on a shared node). As a second guard it also exits when it is orphaned
(its parent process changes), in case something else still holds its stdin open.

Messages in:  {"op": "run", "id": N, "request": {...}} | {"op": "cancel", "id": N}
              {"op": "devices"} | {"op": "ping"} | {"op": "shutdown"}
Messages out: {"type": "hello", "info": {...}} | {"type": "fatal", "message": ...}
              {"type": "result", "id": N, "report": {...}, "interrupted": bool}
              {"type": "devices", "devices": [...]} | {"type": "pong"}
"""

from __future__ import annotations

import _thread
import faulthandler
import os
import platform
import queue
import sys
import threading
import time
import traceback
from typing import Any

from jittutor.engine.protocol import PROTOCOL_VERSION, decode_message, encode_message

PARENT_POLL = 1.0  # seconds between checks that the front (our parent) is still there


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
    def __init__(self) -> None:
        self.memory_cap: int | None = None
        self.channel = Channel()
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.running_id: Any = None
        self.runner: Any = None

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
                if op == "cancel":
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
        # stdin closed: the front is gone. Leave now, whatever is running.
        os._exit(0)

    def _watch_parent(self) -> None:
        parent = os.getppid()
        while True:
            time.sleep(PARENT_POLL)
            if os.getppid() != parent:
                self.log(f"parent {parent} is gone; exiting")
                os._exit(0)

    def start(self) -> None:
        from jittutor.engine.worker.capture import OutputCapture

        faulthandler.enable(file=self.channel.log_fd, all_threads=False)
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        from jittutor.config import MEM_FRACTION_ENV

        mem_fraction = os.environ.get(MEM_FRACTION_ENV)
        if mem_fraction:
            os.environ.setdefault("XLA_PYTHON_CLIENT_MEM_FRACTION", mem_fraction)
        threading.Thread(target=self._read, name="channel-reader", daemon=True).start()
        threading.Thread(target=self._watch_parent, name="parent-watch", daemon=True).start()
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
            startup_output = self.capture.segment()
        except BaseException as exc:  # noqa: BLE001 - report any start-up failure, then exit
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            self.channel.send({"type": "fatal", "message": detail, "output": self.capture.segment()[-4000:]})
            sys.exit(3)
        if startup_output.strip():
            self.log(startup_output.strip()[-2000:])
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
                },
            }
        )

    def serve(self) -> None:
        from jittutor.engine.protocol import RunRequest, from_dict, to_dict
        from jittutor.engine.worker.runner import Interrupted, list_devices

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
                continue
            if op != "run":
                self.channel.send({"type": "error", "message": f"unknown op {op!r}"})
                continue
            run_id = msg.get("id")
            interrupted = False
            try:
                request = from_dict(RunRequest, msg["request"])
                self.capture.limit = request.output_limit
                self.capture.install()
                self.runner.cancel_requested = False
                self.running_id = run_id
                try:
                    report = self.runner.execute(request)
                    interrupted = report.interrupted
                except (Interrupted, KeyboardInterrupt):
                    interrupted = True
                    report = None
                finally:
                    self.running_id = None
                    self.runner.cancel_requested = False
                if self.runner.restored:
                    self.log("undid the run's changes to: " + ", ".join(self.runner.restored))
                if report is None:
                    self.channel.send({"type": "result", "id": run_id, "report": None, "interrupted": True})
                else:
                    self.channel.send({"type": "result", "id": run_id, "report": to_dict(report), "interrupted": interrupted})
            except KeyboardInterrupt:
                self.channel.send({"type": "result", "id": run_id, "report": None, "interrupted": True})
            except Exception as exc:  # noqa: BLE001 - a bug of ours: say so, keep serving
                self.log("internal error:\n" + traceback.format_exc())
                self.channel.send({"type": "error", "id": run_id, "message": f"{type(exc).__name__}: {exc}"})


def main() -> None:
    worker = Worker()
    worker.start()
    worker.serve()
    os._exit(0)  # skip interpreter teardown: jax's atexit hooks can be slow


if __name__ == "__main__":
    main()
