"""The crash policy: what a crash means for the student, and when to stop restarting.

Like jupyter_client's ``restarter.py``: the pool asks a :class:`Restarter`
what to do after a worker dies (replace it, or declare it "dead" after
``max_crashes`` in a row) and how to word it. A worker that *retires* (it ran
code that changed the process in a way it cannot undo) is not a crash: it is
replaced without counting. Never imports jax.
"""

from __future__ import annotations

import signal
from collections.abc import Sequence

from jittutor.engine.process import EngineError, describe_exit
from jittutor.engine.protocol import ErrorInfo, RunRequest

MAX_CRASHES = 3  # consecutive crashes before the pool declares the worker dead
DUMP_LINES = 12  # lines of the crash dump kept in the report


class WorkerDead(EngineError):
    """Too many crashes in a row: the pool stopped restarting."""


def crash_cause(returncode: int | None, dump: Sequence[str] = ()) -> str:
    """A likely cause of a crash, for the student (empty when there is no good guess)."""
    if returncode == -signal.SIGKILL:
        return (
            " SIGKILL comes from outside the worker: usually the operating system's out-of-memory killer"
            " (the code asked for more memory than the machine has), or someone killed the process."
        )
    if returncode == -signal.SIGSEGV:
        if _looks_recursive(dump):
            return (
                " The stack dump shows the same function calling itself over and over: a deep recursion"
                " ran out of stack before Python's recursion limit stopped it. Raising the limit"
                " (sys.setrecursionlimit) does not make the stack bigger; use a loop instead."
            )
        return " A segmentation fault happens in C code, e.g. ctypes, a native extension, or a bug in a library."
    if returncode == -signal.SIGABRT:
        return " SIGABRT means native code gave up, often after failing to allocate memory."
    if returncode == -signal.SIGALRM:
        return " SIGALRM: the code set an alarm (signal.alarm or setitimer) that went off."
    return ""


def _looks_recursive(dump: Sequence[str]) -> bool:
    frames = [line.strip() for line in dump if line.strip().startswith("File ")]
    return len(frames) >= 8 and len(set(frames)) <= len(frames) // 4


def student_line_from_dump(lines: Sequence[str], request: RunRequest) -> tuple[int | None, str | None]:
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
            code = source[number - 1].strip()[:400] if 0 < number <= len(source) else None
            return number, code
    return None, None


class Restarter:
    """Counts consecutive crashes; past ``max_crashes`` the worker is "dead" until restarted."""

    def __init__(self, max_crashes: int = MAX_CRASHES) -> None:
        self.max_crashes = max_crashes
        self.crashes = 0
        self.dead_reason: str | None = None

    def ran(self) -> None:
        """A run finished (whatever the student's code did): the crash streak ends."""
        self.crashes = 0

    def reset(self) -> None:
        """The user asked for a fresh worker."""
        self.crashes = 0
        self.dead_reason = None

    def check(self) -> None:
        if self.dead_reason is not None:
            raise WorkerDead(self.dead_reason)

    def crashed(
        self, returncode: int | None, stderr_tail: Sequence[str], request: RunRequest
    ) -> tuple[ErrorInfo, bool]:
        """Word a crash for the student; the bool says whether the worker is now dead."""
        how = describe_exit(returncode)
        tail = [line for line in stderr_tail if line.strip()]
        line_no, code = student_line_from_dump(tail, request)
        self.crashes += 1
        message = f"The worker process {how} while running your code"
        if line_no is not None:
            message += f" (at line {line_no}: {code})"
        message += "." + crash_cause(returncode, tail)
        if self.crashes >= self.max_crashes:
            self.dead_reason = (
                f"the worker crashed {self.crashes} times in a row (last: it {how}); "
                "not restarting it again. Fix the code that crashes it, then restart the worker."
            )
        error = ErrorInfo(
            type="WorkerCrashed",
            message=message,
            kind="worker-crashed",
            line=line_no,
            code=code,
            traceback="\n".join(tail[-DUMP_LINES:]),
        )
        return error, self.dead_reason is not None
