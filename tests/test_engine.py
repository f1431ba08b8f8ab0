"""The worker and its pool, end to end: real processes, real jax."""

from __future__ import annotations

import time

import pytest
from support import worker_env

from jittutor.engine.devices import DeviceNotFound, resolve_device
from jittutor.engine.protocol import CaseSpec, RunReport, RunRequest
from jittutor.engine.supervisor import RunCancelled, WorkerPool

SSE = """
import jax
import jax.numpy as jnp

def sum_squared_error(a, b):
    return jnp.sum((a - b) ** 2)
"""


def run(pool: WorkerPool, source: str, entry: str = "f", args: tuple[str, ...] = ("1.0",), timeout: float = 10.0, **kw) -> RunReport:
    req = RunRequest(source=source, entry=entry, cases=[CaseSpec(a) for a in args], **kw)
    return pool.run(req, timeout=timeout)


def test_eager_and_jit_agree_with_timings(pool: WorkerPool) -> None:
    setup = "import jax\nkey = jax.random.PRNGKey(8)\nkey, k1, k2 = jax.random.split(key, 3)\na = jax.random.normal(k1, (500, 500))\nb = jax.random.normal(k2, (500, 500))\n"
    report = run(pool, SSE, "sum_squared_error", ("a, b",), setup=setup)
    assert report.error is None
    (case,) = report.cases
    assert case.eager.ok and case.jit.ok
    assert case.match is True
    assert case.eager.value is not None and case.eager.value.dtype == "float32"
    assert case.eager.value.shape == []
    # The same value in both modes (the exact number depends on the JAX version).
    assert float(case.eager.value.repr.split("(")[1].split(",")[0]) == pytest.approx(
        float(case.jit.value.repr.split("(")[1].split(",")[0]), rel=1e-4
    )
    assert case.eager.seconds and case.eager.first_seconds and case.eager.repeats >= 1
    jit = case.jit
    assert jit.first_seconds and jit.seconds and jit.repeats >= 1
    assert jit.trace_seconds and jit.lower_seconds and jit.backend_compile_seconds
    assert jit.compile_seconds == pytest.approx(jit.trace_seconds + jit.lower_seconds + jit.backend_compile_seconds)
    assert jit.compiles == 1 and jit.steady_compiles == 0
    assert report.compiles == 1
    assert report.entry_jitted is False
    assert report.device == "cpu:0"


def test_already_jitted_entry_is_used_as_is(pool: WorkerPool) -> None:
    src = SSE.replace("def sum_squared_error", "@jax.jit\ndef sum_squared_error")
    report = run(pool, src, "sum_squared_error", ("jnp.ones(3), jnp.zeros(3)",))
    assert report.entry_jitted is True
    assert report.cases[0].match is True


def test_compiles_counted_across_cases(pool: WorkerPool) -> None:
    src = "import jax.numpy as jnp\ndef f(x):\n    return x * 2\n"
    report = run(pool, src, "f", ("jnp.ones(3)", "jnp.ones(3)", "jnp.ones(4)", "jnp.ones(4, dtype=jnp.int32)"))
    assert [c.jit.compiles for c in report.cases] == [1, 0, 1, 1]
    assert report.compiles == 3


def test_retrace_every_call_is_measured(pool: WorkerPool) -> None:
    # A fresh jitted lambda per call, from a helper that is itself jitted: each
    # call of the already-jitted entry re-traces because of a static hashable-by-id arg.
    src = "import jax\nfrom functools import partial\n@partial(jax.jit, static_argnums=1)\ndef f(x, fn):\n    return fn(x)\n"
    report = run(pool, src, "f", ("1.0, (lambda v: v * 2)",))
    assert report.cases[0].jit.ok
    assert report.cases[0].jit.compiles >= 1


def test_tracer_error_points_at_student_line(pool: WorkerPool) -> None:
    src = "import jax\n\n@jax.jit\ndef cond_func(x):\n    if x < 0.0:\n        return 3.0 * x\n    return x\n"
    report = run(pool, src, "cond_func", ("1.0",))
    case = report.cases[0]
    assert case.eager.ok
    assert not case.jit.ok
    err = case.jit.error
    assert err is not None
    assert err.type == "TracerBoolConversionError"
    assert "ConcretizationTypeError" in err.mro
    assert err.line == 5 and err.code == "if x < 0.0:"
    assert "Attempted boolean conversion" in err.message
    assert "site-packages" not in err.traceback


def test_device_selection_lands_on_that_device(pool: WorkerPool) -> None:
    info = pool.info()
    names = [d.name for d in info.devices]
    assert names[:2] == ["cpu:0", "cpu:1"]
    src = "import jax.numpy as jnp\nx0 = jnp.arange(3.0)\ndef f(x):\n    return x0 + x\n"
    for device in ("cpu:0", "cpu:1"):
        report = run(pool, src, "f", ("jnp.ones(3)",), device=device)
        assert report.device == device
        case = report.cases[0]
        assert case.eager.value.device == device
        assert case.jit.value.device == device
        assert case.match


def test_resolve_device_spellings(pool: WorkerPool) -> None:
    devices = pool.info().devices
    assert resolve_device("cpu", devices).name == "cpu:0"
    assert resolve_device("cpu:1", devices).name == "cpu:1"
    assert resolve_device("1", devices).name == "cpu:1"
    assert resolve_device(None, devices, "cpu:1").name == "cpu:1"
    with pytest.raises(DeviceNotFound, match=r"'cuda:0' is not available; this worker has: cpu:0, cpu:1"):
        resolve_device("cuda:0", devices)
    with pytest.raises(DeviceNotFound):
        resolve_device("cpu:7", devices)
    with pytest.raises(DeviceNotFound):
        resolve_device("banana", devices)


def test_output_is_captured_and_never_corrupts_the_channel(pool: WorkerPool) -> None:
    src = (
        "import os, sys\n"
        "print('module level')\n"
        "os.write(1, b'raw fd1\\n')\n"
        "os.write(2, b'raw fd2\\n')\n"
        "def f(x):\n"
        "    print('called with', x)\n"
        "    sys.stdout.write('{\"type\": \"result\", \"id\": 999}\\n')\n"
        "    return x\n"
    )
    report = run(pool, src, "f", ("1.0",))
    assert report.error is None and report.cases[0].match
    assert "module level\nraw fd1\nraw fd2\n" in report.output
    assert "called with 1.0" in report.cases[0].eager.output
    assert "called with JitTracer" in report.cases[0].jit.output or "Traced" in report.cases[0].jit.output
    # And the next run is unaffected.
    assert run(pool, "def f(x):\n    return x\n").cases[0].match


def test_stdin_gives_eof_and_closed_stdout_is_survived(pool: WorkerPool) -> None:
    report = run(pool, "def f(x):\n    return input()\n")
    assert report.cases[0].eager.error.type == "EOFError"
    report = run(pool, "import sys, os\ndef f(x):\n    sys.stdout.close()\n    os.close(1)\n    return x\n")
    assert report.error is None
    report = run(pool, "def f(x):\n    print('back')\n    return x\n")
    assert "back" in report.output


def test_output_is_capped(pool: WorkerPool) -> None:
    src = "def f(x):\n    for _ in range(30):\n        print('y' * 100_000)\n    return x\n"
    req = RunRequest(source=src, entry="f", cases=[CaseSpec("1.0")], output_limit=200_000, repeats=1, min_repeats=1)
    report = pool.run(req, timeout=20)
    assert report.output_truncated
    assert report.output_bytes > 3_000_000
    assert len(report.output) < 250_000
    assert "[output truncated" in report.output
    assert report.cases[0].match


def test_syntax_error_and_missing_entry(pool: WorkerPool) -> None:
    report = run(pool, "def f(x):\n    return (x\n")
    assert report.error.kind == "syntax-error"
    assert report.error.line is not None
    report = run(pool, "def g(x):\n    return x\n")
    assert report.error.kind == "missing-entry"
    assert "`f` is not defined" in report.error.message
    report = run(pool, "f = 3\n")
    assert report.error.kind == "missing-entry"
    assert "is a int" in report.error.message


def test_student_exceptions_do_not_restart_the_worker(pool: WorkerPool) -> None:
    pid = run(pool, "def f(x):\n    return x\n").worker_pid
    for body, expected in (
        ("raise SystemExit(3)", "SystemExit"),
        ("raise KeyboardInterrupt", "KeyboardInterrupt"),
        ("return f(x)", "RecursionError"),
        ("import no_such_module_xyz", "ModuleNotFoundError"),
    ):
        report = run(pool, f"def f(x):\n    {body}\n")
        assert report.error is None, report.error
        assert report.cases[0].eager.error.type == expected
    class_src = "class E(Exception):\n    def __str__(self):\n        raise ValueError('no')\ndef f(x):\n    raise E()\n"
    report = run(pool, class_src)
    assert "str() raised ValueError" in report.cases[0].eager.error.message
    assert run(pool, "def f(x):\n    return x\n").worker_pid == pid


def test_bad_args_expression_is_reported_per_case(pool: WorkerPool) -> None:
    report = run(pool, "def f(x):\n    return x\n", args=("undefined_name", "1.0"))
    assert report.cases[0].args_error is not None
    assert "NameError" == report.cases[0].args_error.type
    assert report.cases[1].match


def test_expected_values(pool: WorkerPool) -> None:
    src = "def f(x):\n    return x * 2\n"
    req = RunRequest(source=src, entry="f", cases=[CaseSpec("1.0", expect="2.0"), CaseSpec("1.0", expect="3.0")])
    report = pool.run(req)
    assert [c.expected_ok for c in report.cases] == [True, False]


def test_jaxpr_on_request(pool: WorkerPool) -> None:
    report = run(pool, "import jax.numpy as jnp\ndef f(x):\n    return jnp.sin(x) * 2\n", jaxpr=True)
    assert report.jaxpr is not None and "sin" in report.jaxpr


def test_timeout_python_loop_keeps_the_worker(pool: WorkerPool) -> None:
    pid = run(pool, "def f(x):\n    return x\n").worker_pid
    t0 = time.monotonic()
    report = run(pool, "def f(x):\n    while True:\n        pass\n", timeout=1.5)
    elapsed = time.monotonic() - t0
    assert report.error.kind == "timeout"
    assert report.error.line in (2, 3)
    assert elapsed < 1.5 + 2.0
    after = run(pool, "def f(x):\n    return x\n")
    assert after.cases[0].match and after.worker_pid == pid


def test_timeout_inside_xla_kills_and_uses_the_standby(pool: WorkerPool) -> None:
    src = (
        "import jax\nfrom jax import lax\n"
        "spin = jax.jit(lambda x: lax.while_loop(lambda c: c > -1, lambda c: c + 1, x))\n"
        "spin(1.0)\n"
        "def f(x):\n    return x\n"
    )
    pid = run(pool, "def f(x):\n    return x\n").worker_pid
    t0 = time.monotonic()
    report = run(pool, src, timeout=1.5)
    elapsed = time.monotonic() - t0
    assert report.error.kind == "timeout"
    assert "worker was replaced" in report.error.message
    assert elapsed < 1.5 + 3.0
    after = run(pool, "def f(x):\n    return x\n")
    assert after.cases[0].match and after.worker_pid != pid


@pytest.mark.parametrize(
    ("body", "how"),
    [("import os\n    os._exit(7)", "exited with code 7"), ("import ctypes\n    ctypes.string_at(0)", "SIGSEGV")],
)
def test_crash_is_reported_and_the_next_run_works(pool: WorkerPool, body: str, how: str) -> None:
    report = run(pool, f"def f(x):\n    {body}\n")
    assert report.error.kind == "worker-crashed"
    assert how in report.error.message
    assert run(pool, "def f(x):\n    return x\n").cases[0].match


def test_cancel_raises_run_cancelled(pool: WorkerPool) -> None:
    import threading

    threading.Timer(0.5, pool.cancel).start()
    with pytest.raises(RunCancelled):
        run(pool, "def f(x):\n    while True:\n        pass\n", timeout=20)
    assert run(pool, "def f(x):\n    return x\n").cases[0].match


def test_too_many_crashes_declare_the_worker_dead() -> None:
    from jittutor.engine.supervisor import WorkerDead

    with WorkerPool(env=worker_env(), standby=False, max_crashes=2) as p:
        for _ in range(2):
            assert run(p, "import os\ndef f(x):\n    os._exit(1)\n").error.kind == "worker-crashed"
        assert p.status == "dead"
        with pytest.raises(WorkerDead, match="crashed 2 times in a row"):
            run(p, "def f(x):\n    return x\n")
        p.restart()
        assert run(p, "def f(x):\n    return x\n").cases[0].match


def test_worker_exits_when_its_front_goes_away() -> None:
    import os
    import signal

    p = WorkerPool(env=worker_env(), standby=False)
    info = p.info()
    worker = p._active
    assert worker is not None
    worker.proc.stdin.close()  # what the OS does when the front dies
    worker.proc.wait(timeout=10)
    with pytest.raises(ProcessLookupError):
        os.kill(info.pid, signal.SIG_DFL or 0)
    p.close()


def test_bad_worker_command_is_a_clear_error() -> None:
    from jittutor.engine.supervisor import WorkerStartError

    with pytest.raises(WorkerStartError, match="cannot start the worker command"):
        WorkerPool("/nonexistent/python -m jittutor.worker", standby=False).info()
    pool = WorkerPool("python3 -c 'import sys; sys.exit(4)'", standby=False)
    with pytest.raises(WorkerStartError, match="exited with code 4"):
        pool.info(timeout=30)
    pool.close()


def test_huge_allocation_is_a_clear_out_of_memory_error() -> None:
    with WorkerPool(env=worker_env(JITTUTOR_MEM_LIMIT="2G"), standby=False) as p:
        src = "import jax.numpy as jnp\ndef f(n):\n    return jnp.ones((n, n), dtype=jnp.float32)\n"
        report = run(p, src, args=("60000",))
        case = report.cases[0]
        assert not case.eager.ok
        assert "RESOURCE_EXHAUSTED" in case.eager.error.message or case.eager.error.type == "MemoryError"
        assert run(p, "def f(x):\n    return x\n").cases[0].match
