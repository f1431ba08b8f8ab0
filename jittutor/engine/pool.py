"""The front's side of the engine: worker processes and the pool that owns them.

A :class:`WorkerProcess` is one ``python -m jittutor.worker`` (or a user's
``--worker-cmd`` such as ``srun ... python -m jittutor.worker``) in its own
process group, with stdin as a pipe and its stdout/stderr read by threads, so
it never shares the terminal. A :class:`WorkerPool` keeps one active worker and
one pre-warmed standby; when a run times out or a worker dies, the standby takes
over at once and a new standby starts in the background.

Thread-safe: runs are serialised (a second :meth:`WorkerPool.run` waits for the
first, or with ``preempt=True`` cancels it and takes its place), and
:meth:`WorkerPool.cancel` may be called from any thread (the app runs ``run`` in
a thread worker). Never imports jax.
"""

from __future__ import annotations

import collections
import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jittutor.config import DEFAULT_START_TIMEOUT
from jittutor.engine.protocol import (
    DeviceInfo,
    ErrorInfo,
    RunReport,
    RunRequest,
    WorkerInfo,
    decode_message,
    encode_message,
    from_dict,
    to_dict,
)
from jittutor.errors import JittutorError

DEFAULT_TIMEOUT = 10.0
CANCEL_GRACE = 1.0  # seconds a cancelled run gets to stop before the worker is killed
MAX_CRASHES = 3  # consecutive crashes before the pool declares the worker dead

StatusCallback = Callable[[str, str], None]


class EngineError(JittutorError):
    """Base class of errors the front shows as one clear line."""


class WorkerStartError(EngineError):
    """A worker could not be started, or said it cannot run (no jax, bad platform)."""


class WorkerDead(EngineError):
    """Too many crashes in a row: the pool stopped restarting."""


class RunCancelled(EngineError):
    """The caller cancelled the run (not a timeout)."""


def default_worker_command() -> list[str]:
    return [sys.executable, "-m", "jittutor.worker"]


def worker_command(spec: str | Sequence[str] | None) -> list[str]:
    """The command that starts a worker: a user's ``--worker-cmd`` string or the default."""
    if spec is None or spec == "":
        return default_worker_command()
    if isinstance(spec, str):
        return shlex.split(spec)
    return list(spec)


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "stopped answering"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name} (signal {-returncode})"
    return f"exited with code {returncode}"


def crash_cause(returncode: int | None) -> str:
    """A likely cause of a crash, for the student (empty when there is no good guess)."""
    if returncode == -signal.SIGKILL:
        return (
            " SIGKILL comes from outside the worker: usually the operating system's out-of-memory killer"
            " (the code asked for more memory than the machine has), or someone killed the process."
        )
    if returncode == -signal.SIGSEGV:
        return " A segmentation fault happens in C code, e.g. ctypes, a native extension, or a bug in a library."
    if returncode == -signal.SIGABRT:
        return " SIGABRT means native code gave up, often after failing to allocate memory."
    return ""


class WorkerProcess:
    """One worker process and the threads that read its pipes."""

    def __init__(self, command: Sequence[str], env: dict[str, str] | None = None) -> None:
        self.command = list(command)
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=200)
        self.info: WorkerInfo | None = None
        self.start_error: str | None = None
        self.ready = threading.Event()
        self.started_at = time.monotonic()
        full_env = dict(os.environ if env is None else env)
        # A local worker must import this very package, installed or not.
        package_root = str(Path(__file__).resolve().parents[2])
        full_env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, full_env.get("PYTHONPATH", "")) if p)
        full_env.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        full_env.setdefault("PYTHONUNBUFFERED", "1")
        try:
            self.proc = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                env=full_env,
            )
        except OSError as exc:
            raise WorkerStartError(f"cannot start the worker command {shlex.join(self.command)!r}: {exc}") from exc
        threading.Thread(target=self._read_stdout, name=f"worker-{self.pid}-out", daemon=True).start()
        threading.Thread(target=self._read_stderr, name=f"worker-{self.pid}-err", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                msg = decode_message(line)
            except ValueError:
                # Not ours (a launcher's banner, say): keep it for diagnostics only.
                self.stderr_tail.append(line.decode("utf-8", "replace").rstrip())
                continue
            kind = msg.get("type")
            if kind == "hello" and self.info is None:
                self.info = from_dict(WorkerInfo, msg["info"])
                self.ready.set()
            elif kind == "fatal" and self.info is None:
                self.start_error = str(msg.get("message", "unknown error"))
                self.ready.set()
            else:
                self.inbox.put(msg)
        self.inbox.put(None)  # EOF: the worker is gone
        if not self.ready.is_set():
            self.ready.set()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_tail.append(line.decode("utf-8", "replace").rstrip())

    def wait_ready(self, timeout: float | None, cancel: threading.Event | None = None) -> WorkerInfo:
        """Block until the worker said hello; raise WorkerStartError if it cannot start."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.ready.wait(0.05):
            if cancel is not None and cancel.is_set():
                raise RunCancelled("cancelled while the worker was starting")
            if deadline is not None and time.monotonic() > deadline:
                self.kill()
                raise WorkerStartError(
                    f"the worker did not become ready within {timeout:g} s "
                    f"(command: {shlex.join(self.command)}){self._stderr_note()}"
                )
        if self.info is not None:
            return self.info
        if self.start_error is None:
            self.proc.wait(timeout=5)
            self.start_error = f"the worker {describe_exit(self.proc.returncode)} before it was ready"
        raise WorkerStartError(self.start_error + self._stderr_note())

    def _stderr_note(self) -> str:
        lines = [line for line in self.stderr_tail if line.strip()][-8:]
        return ("\n" + "\n".join(lines)) if lines else ""

    def send(self, msg: dict[str, Any]) -> bool:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(encode_message(msg))
            self.proc.stdin.flush()
            return True
        except (OSError, ValueError):
            return False

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self, grace: float = 1.0) -> None:
        """SIGTERM the whole process group, then SIGKILL whatever is left after ``grace``.

        The worker has no SIGTERM handler, so it dies at once even inside an XLA
        loop that ignores SIGINT; a launcher (``srun``, ``ssh``) gets a catchable
        signal first, so it can cancel its job step or remote side.
        """
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        try:  # stragglers of the group (a launcher's children) that outlived the leader
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._close_pipes()

    def shutdown(self, grace: float = 1.0) -> None:
        """Ask politely, then kill."""
        if self.alive():
            self.send({"op": "shutdown"})
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        if self.alive():
            self.kill()
        self._close_pipes()

    def _close_pipes(self) -> None:
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass


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
        self.max_crashes = max_crashes
        self.crashes = 0
        self.status = "stopped"
        self.dead_reason: str | None = None
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

    def _check_dead(self) -> None:
        if self.dead_reason is not None:
            raise WorkerDead(self.dead_reason)

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
        self.dead_reason = None
        self.crashes = 0
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
        self.crashes = 0
        self._set_status("ready")
        data = msg.get("report")
        report = from_dict(RunReport, data) if data else None
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
        how = describe_exit(worker.proc.returncode)
        tail = [line for line in worker.stderr_tail if line.strip()]
        line_no, code = _student_line_from_dump(tail, request)
        self.crashes += 1
        message = f"The worker process {how} while running your code"
        if line_no is not None:
            message += f" (at line {line_no}: {code})"
        message += "." + crash_cause(worker.proc.returncode)
        if self.crashes >= self.max_crashes:
            self.dead_reason = (
                f"the worker crashed {self.crashes} times in a row (last: it {how}); "
                "not restarting it again. Fix the code that crashes it, then restart the worker."
            )
            with self._lock:
                old, self._active = self._active, None
                standby, self._standby = self._standby, None
            for w in (old, standby):
                if w is not None:
                    threading.Thread(target=w.kill, daemon=True).start()
            self._set_status("dead", self.dead_reason)
        else:
            self._replace_active()
        return RunReport(
            device=request.device or info.default_device,
            jax_version=info.jax_version,
            error=ErrorInfo(
                type="WorkerCrashed",
                message=message,
                kind="worker-crashed",
                line=line_no,
                code=code,
                traceback="\n".join(tail[-12:]),
            ),
            seconds=time.monotonic() - started,
            worker_pid=worker.pid,
        )


def _student_line_from_dump(lines: list[str], request: RunRequest) -> tuple[int | None, str | None]:
    """Find the student's line in a faulthandler dump ("File "student.py", line 7 in f")."""
    marker = f'File "{request.filename}", line '
    for line in reversed(lines):
        at = line.find(marker)
        if at < 0:
            continue
        digits = ""
        for ch in line[at + len(marker) :]:
            if not ch.isdigit():
                break
            digits += ch
        if digits:
            number = int(digits)
            source = request.source.splitlines()
            code = source[number - 1].strip() if 0 < number <= len(source) else None
            return number, code
    return None, None
