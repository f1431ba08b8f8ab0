"""Fault injection against the real worker: every fault gets a report of its kind, in bounded time,
and the next run works.

One pool for the module (with a 2 GB CPU memory cap so a huge allocation fails
cleanly). Time bounds are generous upper bounds (deadline + grace + slack): the
machines that run CI are shared and noisy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from support import REPO, worker_env

from jittutor.engine.pool import CANCEL_GRACE, RunCancelled, WorkerDead, WorkerPool
from jittutor.engine.protocol import CaseSpec, RunReport, RunRequest
from jittutor.tutoring.grading import assess

pytestmark = pytest.mark.slow

SLACK = 45.0  # generous: these only catch a run that ignored its deadline, never a slow machine
QUICK = 45.0  # likewise: far above any loaded machine's time, far below 'hung'
OK_SRC = "def f(x):\n    return x\n"
PY_LOOP = "def f(x):\n    while True:\n        pass\n"
XLA_LOOP = (
    "import jax\nfrom jax import lax\n"
    "spin = jax.jit(lambda x: lax.while_loop(lambda c: c > -1, lambda c: c + 1, x))\n"
    "spin(1.0)\n"
    "def f(x):\n    return x\n"
)


@pytest.fixture(scope="module")
def fpool() -> Iterator[WorkerPool]:
    p = WorkerPool(env=worker_env(JITTUTOR_MEM_LIMIT="2G"), standby=True)
    p.info()
    yield p
    p.close()


def run(pool: WorkerPool, source: str, args: tuple[str, ...] = ("1.0",), timeout: float = 10.0, **kw) -> RunReport:
    req = RunRequest(source=source, entry=kw.pop("entry", "f"), cases=[CaseSpec(a) for a in args], **kw)
    return pool.run(req, timeout=timeout)


def timed(pool: WorkerPool, source: str, **kw) -> tuple[RunReport, float]:
    t0 = time.monotonic()
    report = run(pool, source, **kw)
    return report, time.monotonic() - t0


def kinds(report: RunReport) -> list[str]:
    return assess(report).kinds


def assert_next_run_works(pool: WorkerPool) -> int:
    after = run(pool, OK_SRC)
    assert after.error is None and after.cases[0].match, after
    assert after.worker_pid is not None
    return after.worker_pid


def pid_alive(pid: int) -> bool:
    """Alive and not a zombie (in a container nobody may reap an orphan's exit)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def gone(pid: int, within: float = SLACK) -> bool:
    """Wait until ``pid`` has ended (``within`` only bounds a hang, never a slow machine)."""
    deadline = time.monotonic() + within
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not pid_alive(pid)


# --- deadlines ------------------------------------------------------------------


def test_python_loop_times_out_and_keeps_the_worker(fpool: WorkerPool) -> None:
    pid = assert_next_run_works(fpool)
    report, elapsed = timed(fpool, PY_LOOP, timeout=1.5)
    assert report.error.kind == "timeout" and kinds(report)[0] == "timeout"
    assert report.error.line in (2, 3) and "while running line" in report.error.message
    assert elapsed < 1.5 + SLACK
    assert assert_next_run_works(fpool) == pid


def test_loop_inside_xla_times_out_and_the_worker_is_replaced(fpool: WorkerPool) -> None:
    pid = assert_next_run_works(fpool)
    report, elapsed = timed(fpool, XLA_LOOP, timeout=1.5)
    assert report.error.kind == "timeout"
    assert "worker was replaced" in report.error.message
    assert elapsed < 1.5 + CANCEL_GRACE + SLACK
    assert assert_next_run_works(fpool) != pid
    # The old worker is killed by a thread of its own (SIGTERM, a grace, SIGKILL) while the
    # standby already serves: it must be gone, though not necessarily before that next run.
    assert gone(pid), "the replaced worker outlived its kill"


# --- the worker dies ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "how"),
    [
        ("import os\n    os._exit(7)", "exited with code 7"),
        ("import ctypes; ctypes.string_at(0)", "SIGSEGV"),
        ("import os, signal; os.kill(os.getpid(), signal.SIGABRT)", "SIGABRT"),
    ],
    ids=["os-exit", "segfault", "abort"],
)
def test_worker_crash_is_reported_with_exit_code_or_signal(fpool: WorkerPool, body: str, how: str) -> None:
    pid = assert_next_run_works(fpool)
    report, elapsed = timed(fpool, f"def f(x):\n    {body}\n")
    assert report.error.kind == "worker-crashed" and kinds(report)[0] == "worker-crashed"
    assert how in report.error.message
    if how.startswith("SIG"):
        assert report.error.line == 2  # faulthandler's dump points at the student's line
    assert elapsed < QUICK
    assert assert_next_run_works(fpool) != pid


def test_worker_killed_by_the_os_mid_run(fpool: WorkerPool) -> None:
    pid = assert_next_run_works(fpool)
    assert fpool._active is not None and fpool._active.pid == pid
    threading.Timer(0.7, os.kill, (pid, signal.SIGKILL)).start()
    report, elapsed = timed(fpool, PY_LOOP, timeout=20)
    assert report.error.kind == "worker-crashed"
    assert "SIGKILL" in report.error.message and "out-of-memory killer" in report.error.message
    assert elapsed < 0.7 + QUICK
    assert assert_next_run_works(fpool) != pid


def test_huge_allocation_is_out_of_memory_not_a_crash(fpool: WorkerPool) -> None:
    pid = assert_next_run_works(fpool)
    src = "import jax.numpy as jnp\ndef f(x):\n    return jnp.ones((60000, 60000), dtype=jnp.float32) * x\n"
    report, elapsed = timed(fpool, src, timeout=30)
    assert report.error is None, report.error
    assert "out-of-memory" in kinds(report)
    case = report.cases[0]
    assert not case.eager.ok and case.eager.error.kind == "out-of-memory"
    assert elapsed < 30
    assert assert_next_run_works(fpool) == pid


def test_too_many_crashes_in_a_row_declare_the_worker_dead() -> None:
    with WorkerPool(env=worker_env(), standby=False, max_crashes=2) as p:
        for _ in range(2):
            assert run(p, "import os\ndef f(x):\n    os._exit(1)\n").error.kind == "worker-crashed"
        assert p.status == "dead"
        spawned = p.spawned
        with pytest.raises(WorkerDead, match=r"crashed 2 times in a row \(last: it exited with code 1\).*restart"):
            run(p, OK_SRC)
        assert p.spawned == spawned  # no attempt to start yet another worker
        p.restart()
        assert_next_run_works(p)


# --- output and the channel -----------------------------------------------------


def test_megabytes_of_output_are_capped_and_the_result_kept(fpool: WorkerPool) -> None:
    pid = assert_next_run_works(fpool)
    src = "def f(x):\n    for _ in range(50):\n        print('y' * 100_000)\n    return x * 2\n"
    report, elapsed = timed(fpool, src, output_limit=200_000, repeats=1, min_repeats=1, timeout=30)
    assert report.error is None
    assert report.output_truncated and report.output_bytes > 5_000_000
    assert len(report.output) < 250_000 and "[output truncated" in report.output
    assert report.cases[0].match and report.cases[0].eager.value.repr == "2.0"
    assert elapsed < 30
    assert assert_next_run_works(fpool) == pid


def test_raw_fd_writes_closed_stdout_and_stdin_leave_the_channel_alone(fpool: WorkerPool) -> None:
    pid = assert_next_run_works(fpool)
    src = (
        "import os, sys\n"
        'os.write(1, b\'{"type": "result", "id": 1}\\n\')\n'
        "os.write(2, b'raw fd2\\n')\n"
        "print('stdin', repr(sys.stdin.readline()), repr(os.read(0, 10)), repr(input.__name__))\n"
        "sys.stdout.close()\n"
        "sys.stderr.close()\n"
        "os.close(1)\n"
        "os.close(2)\n"
        "def f(x):\n"
        "    return x\n"
    )
    report, elapsed = timed(fpool, src)
    assert report.error is None and report.cases[0].match, report
    eof = run(fpool, "def f(x):\n    return input()\n")
    assert eof.cases[0].eager.error.type == "EOFError"
    assert '{"type": "result", "id": 1}\nraw fd2\n' in report.output
    assert "stdin '' b'' 'input'" in report.output  # EOF, never the channel
    assert elapsed < QUICK
    after = run(fpool, "def f(x):\n    print('back')\n    return x\n")
    assert "back" in after.output and after.worker_pid == pid


# --- student exceptions: each reported with its kind, the worker kept ----------------


EXCEPTIONS = [
    ("sys-exit", "import sys\ndef f(x):\n    sys.exit(3)\n", "SystemExit", "exception"),
    ("keyboard-interrupt", "def f(x):\n    raise KeyboardInterrupt\n", "KeyboardInterrupt", "exception"),
    ("recursion", "def f(x):\n    return f(x)\n", "RecursionError", "recursion"),
    (
        "str-raises",
        "class E(Exception):\n    def __str__(self):\n        raise ValueError('no')\ndef f(x):\n    raise E()\n",
        "E",
        "exception",
    ),
    ("no-module", "import no_such_module_xyz\ndef f(x):\n    return x\n", "ModuleNotFoundError", "exception"),
    ("module-level-exit", "raise SystemExit(0)\n", "SystemExit", "exception"),
    ("module-level-interrupt", "raise KeyboardInterrupt\n", "KeyboardInterrupt", "exception"),
]


@pytest.mark.parametrize(("source", "type_", "kind"), [e[1:] for e in EXCEPTIONS], ids=[e[0] for e in EXCEPTIONS])
def test_student_exceptions_are_reported_without_a_restart(
    fpool: WorkerPool, source: str, type_: str, kind: str
) -> None:
    pid = assert_next_run_works(fpool)
    report, elapsed = timed(fpool, source)
    error = report.error or report.cases[0].eager.error
    assert error is not None and error.type == type_
    assert kind in kinds(report)
    assert "Traceback" in error.traceback or error.line is not None
    if type_ == "E":
        assert "str() raised ValueError" in error.message
    assert elapsed < QUICK
    assert not report.interrupted
    assert assert_next_run_works(fpool) == pid


@pytest.mark.parametrize(
    ("source", "kind", "needle"),
    [
        ("def g(x):\n    return x\n", "missing-entry", "`f` is not defined"),
        ("f = 3\n", "missing-entry", "is a int, not a function"),
        ("def f(x):\n    return (x +\n", "syntax-error", "never closed"),
        ("def f(x):\n    return x $ 2\n", "syntax-error", "invalid syntax"),
    ],
    ids=["entry-missing", "entry-not-callable", "unclosed", "bad-token"],
)
def test_source_faults_are_reported_without_a_restart(fpool: WorkerPool, source: str, kind: str, needle: str) -> None:
    pid = assert_next_run_works(fpool)
    report, elapsed = timed(fpool, source)
    assert report.error.kind == kind and kinds(report)[0] == kind
    assert needle in report.error.message
    if kind == "syntax-error":
        assert report.error.line == 2 and report.error.column is not None  # where the caret goes
        assert report.error.code and report.error.code.strip().startswith("return")
    assert elapsed < QUICK
    assert assert_next_run_works(fpool) == pid


def test_syntax_error_in_a_lessons_setup_names_the_setup(fpool: WorkerPool) -> None:
    report = run(fpool, OK_SRC, setup="x = (\n")
    assert report.error.kind == "syntax-error"
    assert report.error.filename == "<lesson setup>" and report.error.line == 1
    assert "setup" in report.error.message


def test_settings_a_run_changes_do_not_leak_into_the_next(fpool: WorkerPool) -> None:
    pid = assert_next_run_works(fpool)
    src = (
        "import jax, os, signal, sys\n"
        "jax.config.update('jax_disable_jit', True)\n"
        "jax.config.update('jax_enable_x64', True)\n"
        "sys.setrecursionlimit(80)\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "os.chdir('/')\n"
        "os.environ['JITTUTOR_LEAK'] = '1'\n"
        "def f(x):\n    return x\n"
    )
    assert run(fpool, src).error is None
    probe = (
        "import jax, jax.numpy as jnp, os, signal, sys\n"
        "state = (jax.config.jax_disable_jit, jnp.ones(1).dtype.name, sys.getrecursionlimit() > 80,\n"
        "         signal.getsignal(signal.SIGINT) is signal.SIG_IGN, os.getcwd() == '/', 'JITTUTOR_LEAK' in os.environ)\n"
        "def f(x):\n    return x\n"
        "print(state)\n"
    )
    report = run(fpool, probe)
    assert "(False, 'float32', True, False, False, False)" in report.output
    assert report.cases[0].jit.compiles == 1
    # And the SIGINT handler is back, so a Python loop is interrupted, not killed.
    assert run(fpool, PY_LOOP, timeout=1.0).error.kind == "timeout"
    assert assert_next_run_works(fpool) == pid


# --- overlapping runs -----------------------------------------------------------


def test_cancel_from_another_thread_stops_the_run(fpool: WorkerPool) -> None:
    pid = assert_next_run_works(fpool)
    threading.Timer(0.5, fpool.cancel).start()
    t0 = time.monotonic()
    with pytest.raises(RunCancelled):
        run(fpool, PY_LOOP, timeout=30)
    assert time.monotonic() - t0 < 0.5 + CANCEL_GRACE + SLACK
    assert assert_next_run_works(fpool) == pid


@pytest.mark.parametrize("source", [PY_LOOP, XLA_LOOP], ids=["python-loop", "xla-loop"])
def test_a_second_run_preempts_the_first(fpool: WorkerPool, source: str) -> None:
    assert_next_run_works(fpool)
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            outcome["report"] = run(fpool, source, timeout=60)
        except RunCancelled as exc:
            outcome["cancelled"] = exc

    thread = threading.Thread(target=first)
    thread.start()
    time.sleep(1.0)
    t0 = time.monotonic()
    second = fpool.run(RunRequest(source=OK_SRC, entry="f", cases=[CaseSpec("2.0")]), timeout=10, preempt=True)
    elapsed = time.monotonic() - t0
    thread.join(10)
    assert "cancelled" in outcome, outcome
    assert second.error is None and second.cases[0].match
    assert elapsed < CANCEL_GRACE + SLACK + QUICK
    assert_next_run_works(fpool)


def test_a_second_run_without_preempt_waits_its_turn(fpool: WorkerPool) -> None:
    assert_next_run_works(fpool)
    results: list[RunReport] = []
    thread = threading.Thread(
        target=lambda: results.append(run(fpool, "import time\ndef f(x):\n    time.sleep(0.3)\n    return x\n"))
    )
    thread.start()
    time.sleep(0.1)
    second = run(fpool, OK_SRC)
    thread.join(SLACK)
    assert results and results[0].error is None and results[0].cases[0].match
    assert second.error is None


# --- the front goes away ---------------------------------------------------------

FRONT = """
import signal, sys, time
signal.signal(signal.SIGHUP, signal.SIG_DFL)  # as in a terminal, even when the tests run under nohup
from support import worker_env
from jittutor.engine.pool import WorkerPool
pool = WorkerPool(env=worker_env(), standby=True)
active = pool.info()
standby = pool._standby.wait_ready(120)
print(active.pid, standby.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("front_signal", [signal.SIGKILL, signal.SIGHUP], ids=["kill-9", "ssh-hangup"])
def test_workers_exit_when_the_front_dies(front_signal: int) -> None:
    env = worker_env()
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "tests"), env.get("PYTHONPATH", "")])
    front = subprocess.Popen([sys.executable, "-c", FRONT], stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        assert front.stdout is not None
        line = front.stdout.readline()
        pids = [int(p) for p in line.split()]
        assert len(pids) == 2 and all(pid_alive(p) for p in pids), line
        os.kill(front.pid, front_signal)
        front.wait(10)
        assert all(gone(p) for p in pids), "orphan JAX workers survived their front"
    finally:
        if front.poll() is None:
            front.kill()
            front.wait()


SUSPENDED_FRONT = """
import sys
from support import worker_env
from jittutor.engine.pool import WorkerPool
from jittutor.engine.protocol import CaseSpec, RunRequest
pool = WorkerPool(env=worker_env(), standby=False)
pool.info()
print(pool._active.pid, flush=True)
sys.stdin.readline()  # the test suspends us here, then resumes us and writes a line
report = pool.run(RunRequest(source="def f(x):\\n    return x * 2\\n", entry="f", cases=[CaseSpec("2.0")]), timeout=60)
print(pool._active.pid, report.error is None, report.cases[0].match, flush=True)
pool.close()
"""


def test_a_front_suspended_with_ctrl_z_keeps_its_worker() -> None:
    """A stopped front sends no heartbeats, but it is not gone: its worker waits for it (issue 13 note)."""
    from jittutor.engine.worker.main import HEARTBEAT_LOST

    env = worker_env()
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "tests"), env.get("PYTHONPATH", "")])
    front = subprocess.Popen(
        [sys.executable, "-c", SUSPENDED_FRONT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert front.stdin is not None and front.stdout is not None
        worker = int(front.stdout.readline())
        os.kill(front.pid, signal.SIGSTOP)  # what ctrl+z does (SIGTSTP) to a foreground front
        time.sleep(HEARTBEAT_LOST + 4)  # longer than a worker waits for a heartbeat
        assert pid_alive(worker), "the worker left while its front was only suspended"
        os.kill(front.pid, signal.SIGCONT)
        front.stdin.write("go\n")
        front.stdin.flush()
        after = front.stdout.readline().split()
        assert after == [str(worker), "True", "True"], after  # the same warm worker answered
        assert front.wait(60) == 0
    finally:
        if front.poll() is None:
            front.kill()
            front.wait()
