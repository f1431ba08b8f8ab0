"""Notes from the measurements: what the numbers mean, from real worker runs and from fixed figures."""

from __future__ import annotations

import pytest

from jittutor.engine.pool import WorkerPool
from jittutor.engine.protocol import CaseReport, ModeReport, RunReport, ValueSummary
from jittutor.present.documents import report_json
from jittutor.tutoring.grading import assess
from jittutor.tutoring.notes import discarded_jit_lines, notes_for, static_parameters
from jittutor.tutoring.requests import free_request

STATIC_FIX = """\
import jax


def cond_func_impl(x):
    if x < 0.0:
        return x ** 2.0
    return x ** 3.0


cond_func = jax.jit(cond_func_impl, static_argnums=(0,))
"""

WHERE_FIX = """\
import jax
import jax.numpy as jnp


@jax.jit
def cond_func(x):
    return jnp.where(x < 0.0, x ** 2.0, x ** 3.0)
"""

PLAIN = """\
import jax.numpy as jnp


def f(x):
    return jnp.sin(x) * 2.0
"""

DISCARDED = """\
import jax


def cond_func(x):
    if x < 0.0:
        return x ** 2.0
    return x ** 3.0


jax.jit(cond_func, static_argnums=(0,))
"""


def _ids(verdict) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.id for n in verdict.notes]


def _run(pool: WorkerPool, source: str, entry: str, args: list[str]):  # type: ignore[no-untyped-def]
    request = free_request(source, entry, args, "cpu:0")
    report = pool.run(request, timeout=60)
    return report, assess(report, request)


@pytest.mark.slow
def test_a_static_fix_compiles_once_per_value_and_says_so(pool: WorkerPool) -> None:
    report, verdict = _run(pool, STATIC_FIX, "cond_func", ["2.0", "-2.0", "3.0"])
    assert report.compiles == 3
    [note] = [n for n in verdict.notes if n.id == "compiles-per-static-value"]
    assert note.text.startswith("3 compilations: one for each value of the static `x`")
    assert note.numbers == {"compiles": 3, "cases": 3, "static": "x"}


@pytest.mark.slow
def test_a_where_fix_compiles_once_for_all_cases(pool: WorkerPool) -> None:
    args = ["jnp.float32(2.0)", "jnp.float32(-2.0)", "jnp.float32(3.0)"]
    report, verdict = _run(pool, "import jax.numpy as jnp\n" + WHERE_FIX, "cond_func", args)
    assert verdict.passed and report.compiles == 1
    [note] = [n for n in verdict.notes if n.id == "one-compile-served-all"]
    assert note.text.startswith("1 compilation served all 3 cases")
    assert "tutor-wrapped" not in _ids(verdict), "the entry is jitted by the student"
    assert "compile-split" in _ids(verdict)


@pytest.mark.slow
def test_an_entry_the_tutor_wrapped_is_named(pool: WorkerPool) -> None:
    report, verdict = _run(pool, PLAIN, "f", ["jnp.ones(3)"])
    assert report.entry_jitted is False
    assert "tutor-wrapped" in _ids(verdict)
    note = next(n for n in verdict.notes if n.id == "tutor-wrapped")
    assert "`f` is a plain Python function" in note.text
    document = report_json(report, verdict)
    assert any(n["id"] == "tutor-wrapped" for n in document["notes"])


@pytest.mark.slow
def test_a_discarded_jit_is_surfaced_in_words(pool: WorkerPool) -> None:
    _report, verdict = _run(pool, DISCARDED, "cond_func", ["2.0"])
    note = next(n for n in verdict.notes if n.id == "jit-result-discarded")
    assert note.numbers == {"line": 10} and "returns a new, compiled one" in note.text


def test_static_parameters_are_read_from_the_source() -> None:
    assert static_parameters(STATIC_FIX) == ["x"]
    assert static_parameters(
        "import jax\nfrom functools import partial\n@partial(jax.jit, static_argnames=('n',))\ndef f(x, n):\n    return x\n"
    ) == ["n"]
    assert static_parameters("@jax.jit\ndef f(x):\n    return x\n") == []
    assert static_parameters("def f(:\n") == []
    assert discarded_jit_lines(DISCARDED) == [10] and discarded_jit_lines(STATIC_FIX) == []


def _case(eager_s: float, jit_s: float, eager_value: ValueSummary, match: bool | None = True) -> CaseReport:
    jit_value = ValueSummary(repr="Array(1., dtype=float32)", type="ArrayImpl", shape=[], dtype="float32")
    return CaseReport(
        args="1.0",
        eager=ModeReport(mode="eager", ok=True, value=eager_value, seconds=eager_s),
        jit=ModeReport(
            mode="jit",
            ok=True,
            value=jit_value,
            seconds=jit_s,
            trace_seconds=0.001,
            lower_seconds=0.002,
            backend_compile_seconds=0.007,
            compiles=1,
        ),  # fmt: skip
        match=match,
    )


ARRAY = ValueSummary(repr="Array(1., dtype=float32)", type="ArrayImpl", shape=[], dtype="float32")


def test_break_even_from_the_compile_time_and_the_saving_per_call() -> None:
    report = RunReport(device="cpu:0", jax_version="x", cases=[_case(0.002, 0.001, ARRAY)], compiles=1)
    note = next(n for n in notes_for(report) if n.id == "break-even")
    assert note.numbers["break_even_calls"] == 10  # 10 ms of compiling / 1 ms saved per call
    assert "jit breaks even after about 10 calls" in note.text


def test_slower_jit_on_a_python_float_says_eager_was_plain_python() -> None:
    python_float = ValueSummary(repr="8.0", type="float")
    report = RunReport(device="cpu:0", jax_version="x", cases=[_case(2e-6, 6e-6, python_float)], compiles=1)
    assert "static-python-eager" in [n.id for n in notes_for(report)]


def test_slower_jit_on_tiny_array_work_is_dispatch() -> None:
    report = RunReport(device="cpu:0", jax_version="x", cases=[_case(3e-6, 6e-6, ARRAY)], compiles=1)
    note = next(n for n in notes_for(report) if n.id == "jit-slower-dispatch")
    assert "dispatch" in note.text


def test_a_mismatch_through_overflow_is_told_apart_from_stale_state() -> None:
    inf_case = _case(1e-3, 1e-3, ARRAY, match=False)
    inf_case.eager.value = ValueSummary(repr="Array(inf, dtype=float32)", type="ArrayImpl", shape=[], dtype="float32")
    report = RunReport(device="cpu:0", jax_version="x", cases=[inf_case], compiles=1)
    assert "mismatch-precision" in [n.id for n in notes_for(report)]
    stale = _case(1e-3, 1e-3, ARRAY, match=False)
    stale.eager.value = ValueSummary(repr="Array(2., dtype=float32)", type="ArrayImpl", shape=[], dtype="float32")
    report = RunReport(device="cpu:0", jax_version="x", cases=[stale], compiles=1)
    assert "mismatch-stale" in [n.id for n in notes_for(report)]
