"""The worker and its pool, end to end: real processes, real jax.

Faults (timeouts, crashes, student exceptions, cancel, output floods) are in tests/faults/.
"""

from __future__ import annotations

import pytest

from jittutor.engine.devices import DeviceNotFound, resolve_device
from jittutor.engine.pool import WorkerPool
from jittutor.engine.protocol import CaseSpec, RunReport, RunRequest

SSE = """
import jax
import jax.numpy as jnp

def sum_squared_error(a, b):
    return jnp.sum((a - b) ** 2)
"""


def run(
    pool: WorkerPool, source: str, entry: str = "f", args: tuple[str, ...] = ("1.0",), timeout: float = 10.0, **kw
) -> RunReport:
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
        '    sys.stdout.write(\'{"type": "result", "id": 999}\\n\')\n'
        "    return x\n"
    )
    report = run(pool, src, "f", ("1.0",))
    assert report.error is None and report.cases[0].match
    assert "module level\nraw fd1\nraw fd2\n" in report.output
    assert "called with 1.0" in report.cases[0].eager.output
    assert "called with JitTracer" in report.cases[0].jit.output or "Traced" in report.cases[0].jit.output
    # And the next run is unaffected.
    assert run(pool, "def f(x):\n    return x\n").cases[0].match


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


def test_bad_worker_command_is_a_clear_error() -> None:
    from jittutor.engine.pool import WorkerStartError

    with pytest.raises(WorkerStartError, match="cannot start the worker command"):
        WorkerPool("/nonexistent/python -m jittutor.worker", standby=False).info()
    pool = WorkerPool("python3 -c 'import sys; sys.exit(4)'", standby=False)
    with pytest.raises(WorkerStartError, match="exited with code 4"):
        pool.info(timeout=30)
    pool.close()


def test_start_timeout_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from jittutor.config import DEFAULT_START_TIMEOUT, load_settings

    assert WorkerPool(standby=False).start_timeout == DEFAULT_START_TIMEOUT
    monkeypatch.setenv("JITTUTOR_START_TIMEOUT", "900")
    assert WorkerPool(standby=False, start_timeout=load_settings().start_timeout).start_timeout == 900


def test_device_memory_is_reported_where_jax_can_tell(pool: WorkerPool) -> None:
    report = run(pool, "def f(x):\n    return x\n")
    # The CPU backend keeps no memory statistics; a GPU reports bytes in use and the limit.
    assert report.memory_in_use is None and report.memory_limit is None


def test_wrap_entry_off_counts_the_entrys_own_jitting(pool: WorkerPool) -> None:
    src = "import jax\ndef f(x):\n    return jax.jit(lambda v: v * 2)(x)\n"
    wrapped = run(pool, src, args=("1.0",))
    assert wrapped.compiles == 1  # under jax.jit(f), the inner jit is inlined into one program
    own = pool.run(RunRequest(source=src, entry="f", cases=[CaseSpec("1.0")], wrap_entry=False))
    assert own.cases[0].jit.ok and own.cases[0].match
    assert own.cases[0].jit.steady_compiles >= 1  # a fresh jit per call compiles on every repeat
    assert own.compiles == 1 + own.cases[0].jit.repeats
