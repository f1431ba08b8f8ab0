"""Silent recompiles, measured as written; the tutor's own advice (leak checking, prints) inside the worker.

The re-jit examples are those of JAX's jit-compilation guide ("jit and caching")
and its slow-compilation guide: a plain driver that makes a fresh jit on every
call. Each runs through a real worker and must come back as ``recompiles``, with
the line that creates the jit and a reason.
"""

from __future__ import annotations

import pytest

from jittutor.diagnosis.classify import classify_error
from jittutor.diagnosis.report import diagnose
from jittutor.engine.pool import WorkerPool
from jittutor.engine.protocol import CaseSpec, RunReport, RunRequest

pytestmark = pytest.mark.slow

HEADER = "import jax\nimport jax.numpy as jnp\nfrom functools import partial\n"


def run(pool: WorkerPool, body: str, entry: str, *cases: str, wrap_entry: bool = True) -> RunReport:
    req = RunRequest(
        source=HEADER + body, entry=entry, cases=[CaseSpec(c) for c in cases], device="cpu:0", wrap_entry=wrap_entry
    )
    return pool.run(req, timeout=60)


def line_of(body: str, text: str) -> int:
    return (HEADER + body).splitlines().index(next(x for x in (HEADER + body).splitlines() if text in x)) + 1


# The jit-compilation guide's examples (unjitted_loop_body / jitted_partial / jitted_lambda),
# and the slow-compilation guide's "jit inside a function called in a loop".
REJIT = {
    "lambda": ("def g(x, n):\n    return jax.jit(lambda x: x * n)(x)\n", "g", "jax.jit(lambda"),
    "partial": (
        "def loop_body(prev_i):\n    return prev_i + 1\n\ndef g(x):\n    return jax.jit(partial(loop_body))(x)\n",
        "g",
        "jax.jit(partial(",
    ),
    "inner": (
        "def step(x):\n    def inner(y):\n        return jnp.sin(y) * 2\n    f = jax.jit(inner)\n    return f(x)\n",
        "step",
        "jax.jit(inner)",
    ),
}


@pytest.mark.parametrize("name", sorted(REJIT))
def test_a_fresh_jit_per_call_is_recompiles_with_its_line_and_reason(pool: WorkerPool, name: str) -> None:
    body, entry, creating = REJIT[name]
    cases = ("jnp.ones(3), 2.0", "jnp.arange(3.0), 2.0") if name == "lambda" else ("jnp.ones(3)", "jnp.arange(3.0)")
    report = run(pool, body, entry, *cases)
    aw = report.as_written
    assert aw is not None
    assert aw.needed == 1 and aw.excess > 0 and aw.compiles == aw.needed + aw.excess
    assert {r.line for r in aw.recompiles} == {line_of(body, creating)}
    assert all(creating in (r.code or "") for r in aw.recompiles)
    assert all("new function object" in r.reason or "jax.jit` ran again" in r.reason for r in aw.recompiles)
    found = {d.kind: d for d in diagnose(report)}
    assert "recompiles" in found and not found["recompiles"].failing
    assert f"line {line_of(body, creating)}" in found["recompiles"].detail
    # A lesson that counts compiles fails on it.
    assert next(d for d in diagnose(report, max_compiles=2) if d.kind == "recompiles").failing


def test_the_same_code_jitted_once_is_not_recompiles(pool: WorkerPool) -> None:
    body = "@jax.jit\ndef _scale(x, factor):\n    return x * factor\n\ndef scale_all(xs, factor):\n    return _scale(xs, factor)\n"
    report = run(pool, body, "scale_all", "jnp.ones(3), 2.0", "jnp.arange(3.0), 3.0")
    assert report.as_written is not None and report.as_written.excess == 0
    assert report.as_written.compiles == 1
    assert "recompiles" not in [d.kind for d in diagnose(report, max_compiles=1)]


def test_one_compile_per_value_of_a_static_argument_is_not_an_excess(pool: WorkerPool) -> None:
    body = (
        '@partial(jax.jit, static_argnames="n")\ndef power(x, n):\n    return x ** n\n\n'
        "def drive(x, n):\n    return power(x, n)\n"
    )
    report = run(pool, body, "drive", "jnp.ones(3), 2", "jnp.ones(3), 3", wrap_entry=False)
    aw = report.as_written
    assert aw is not None and aw.excess == 0 and aw.needed == 2
    assert "one compile per value of the static `n`" in aw.notes


def test_a_jitted_entry_is_not_measured_again(pool: WorkerPool) -> None:
    report = run(pool, "@jax.jit\ndef f(x):\n    return x + 1\n", "f", "jnp.ones(3)")
    assert report.entry_jitted and report.as_written is None


def test_fresh_jit_lessons_without_wrapping_say_why(pool: WorkerPool) -> None:
    body = "def scale_all(xs, factor):\n    return jax.jit(lambda x: x * factor)(xs)\n"
    report = run(pool, body, "scale_all", "jnp.ones(3), 2.0", "jnp.arange(3.0), 3.0", wrap_entry=False)
    found = next(d for d in diagnose(report, max_compiles=1) if d.kind == "recompiles")
    assert found.failing
    assert "jax.jit(lambda x: x * factor)" in found.detail and "new function object" in found.detail


def test_checking_leaks_inside_the_tutor_gives_jax_leak_report(pool: WorkerPool) -> None:
    body = (
        "stash = []\n\ndef f(x):\n    stash.append(x)\n    return x * 2\n\n"
        "def g(x):\n    with jax.checking_leaks():\n        return jax.jit(f)(x)\n"
    )
    report = run(pool, body, "g", "jnp.ones(3)")
    error = report.cases[0].jit.error
    assert error is not None and error.type != "IndexError"
    assert "Leaked trace" in error.message and "stash" in error.message
    assert classify_error(error) == "leaked-tracer"


def test_check_tracer_leaks_config_inside_the_tutor(pool: WorkerPool) -> None:
    body = (
        'jax.config.update("jax_check_tracer_leaks", True)\nstash = []\n\n'
        "@jax.jit\ndef f(x):\n    stash.append(x)\n    return x * 2\n\ndef g(x):\n    return f(x)\n"
    )
    report = run(pool, body, "g", "jnp.ones(3)")
    errors = [m.error for m in (report.cases[0].eager, report.cases[0].jit) if m.error is not None]
    assert errors and all(e.type != "IndexError" for e in errors)
    assert any("Leaked trace" in e.message for e in errors)


@pytest.mark.parametrize(
    ("printing", "expect_in_detail", "tracer"),
    [
        ("print(type(x))", "print(type(x))", True),
        ("print(repr(x.aval))", "abstract value", False),
    ],
)
def test_prints_of_what_a_tracer_shows_are_recognised(
    pool: WorkerPool, printing: str, expect_in_detail: str, tracer: bool
) -> None:
    report = run(pool, f"def f(x):\n    {printing}\n    return x * 2\n", "f", "jnp.ones(3)")
    found = next(d for d in diagnose(report, forbid_tracer_print=True) if d.kind == "print-in-jit")
    assert expect_in_detail in found.detail
    assert found.failing is tracer


def test_jax_debug_print_shows_values_and_is_not_flagged(pool: WorkerPool) -> None:
    report = run(pool, 'def f(x):\n    jax.debug.print("x = {}", x)\n    return x * 2\n', "f", "jnp.ones(3)")
    assert "x = [1. 1. 1.]" in report.cases[0].jit.output
    assert "print-in-jit" not in [d.kind for d in diagnose(report, forbid_tracer_print=True)]
