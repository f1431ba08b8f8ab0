"""One worker process: how it is launched, its pipes, and how it is signalled.

A :class:`WorkerProcess` is one ``python -m jittutor.worker`` (or a user's
``--worker-cmd`` such as ``srun ... python -m jittutor.worker``) in its own
process group, with stdin as a pipe and its stdout/stderr read by threads, so
it never shares the terminal. Killing it also ends every process the student's
code started in it (see :mod:`jittutor.engine.descendants`). Never imports jax.
"""

from __future__ import annotations

import collections
import os
import queue
import secrets
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jittutor.engine import descendants
from jittutor.engine.protocol import WorkerInfo, decode_message, encode_message, from_dict
from jittutor.errors import JittutorError

STDERR_LINE_LIMIT = 2000  # characters kept of one line of the worker's stderr


class EngineError(JittutorError):
    """Base class of errors the front shows as one clear line."""


class WorkerStartError(EngineError):
    """A worker could not be started, or said it cannot run (no jax, bad platform)."""


class RunCancelled(EngineError):
    """The caller cancelled the run (not a timeout)."""


def default_worker_command() -> list[str]:
    """This Python running ``-m jittutor.worker``."""
    return [sys.executable, "-m", "jittutor.worker"]


def worker_command(spec: str | Sequence[str] | None) -> list[str]:
    """The command that starts a worker: a user's ``--worker-cmd`` string or the default."""
    if spec is None or spec == "":
        return default_worker_command()
    if isinstance(spec, str):
        return shlex.split(spec)
    return list(spec)


def describe_exit(returncode: int | None) -> str:
    """How a process ended, in words ("exited with code 7", "was killed by SIGSEGV (signal 11)")."""
    if returncode is None:
        return "stopped answering"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name} (signal {-returncode})"
    return f"exited with code {returncode}"


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
        # Inherited by everything the worker starts: how stragglers are found after it is killed.
        self.token = secrets.token_hex(8)
        full_env = dict(os.environ if env is None else env)
        # A local worker must import this very package, installed or not.
        package_root = str(Path(__file__).resolve().parents[2])
        full_env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, full_env.get("PYTHONPATH", "")) if p)
        full_env.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        full_env.setdefault("PYTHONUNBUFFERED", "1")
        full_env[descendants.MARKER_ENV] = self.token
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
                self.stderr_tail.append(line[:STDERR_LINE_LIMIT].decode("utf-8", "replace").rstrip())
                continue
            kind = msg.get("type")
            if kind == "hello" and self.info is None:
                self.info = from_dict(WorkerInfo, msg["info"])
                self.ready.set()
            elif kind == "fatal" and self.info is None:
                self.start_error = str(msg.get("message", "unknown error"))[:STDERR_LINE_LIMIT]
                self.ready.set()
            else:
                self.inbox.put(msg)
        self.inbox.put(None)  # EOF: the worker is gone
        if not self.ready.is_set():
            self.ready.set()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_tail.append(line[:STDERR_LINE_LIMIT].decode("utf-8", "replace").rstrip())

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
        """End the worker and every process its student code started.

        The student's processes are found first (the worker's descendants, and
        anything carrying this worker's marker), since once the worker is gone
        its adopted orphans move to init. Then SIGTERM the whole process group,
        SIGKILL whatever is left after ``grace``. The worker has no SIGTERM
        handler, so it dies at once even inside an XLA loop that ignores SIGINT;
        a launcher (``srun``, ``ssh``) gets a catchable signal first, so it can
        cancel its job step or remote side.
        """
        students = [p for p in descendants.descendants(self.pid)]
        descendants.kill_all(students, wait=0.5)
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
        self.end_stragglers()
        self._close_pipes()

    def end_stragglers(self) -> int:
        """Kill processes that still carry this worker's marker (it has exited); returns how many."""
        return descendants.kill_all(descendants.marked(self.token), wait=1.0)

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
        else:
            self.end_stragglers()
        self._close_pipes()

    def _close_pipes(self) -> None:
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
