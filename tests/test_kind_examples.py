"""Every kind's hints that show a fix come with a failing example and the fixed version, run in a worker.

A hint is a promise: the fixed version must run eagerly and under jit, agree,
and return the expected value (what catches a hint such as
``jnp.nonzero(x, size=10, fill_value=-1)`` that silently changes a sum); the
failing version must fail with the kind, so the example shows what the hint fixes.
"""

from __future__ import annotations

import re

import pytest

from jittutor.diagnosis import ALL_KINDS, kind_info
from jittutor.engine.pool import WorkerPool
from jittutor.engine.protocol import CaseSpec
from jittutor.tutoring.grading import assess
from jittutor.tutoring.requests import free_request

#: Kinds whose code spans are tools to look with, not fixes to type (a logging flag,
#: a debug print, an allclose, a jit to keep) or that no small program reliably raises
#: on every JAX version (concretization is the catch-all; out-of-memory needs a large machine).
NOT_FIXES = {"concretization", "out-of-memory", "exception", "recompiles", "print-in-jit", "mismatch", "not-jitted"}
EXAMPLES = [(kind, n, ex) for kind in ALL_KINDS for n, ex in enumerate(kind_info(kind).examples)]


def _shows_code(kind: str) -> bool:
    spans = [c for h in kind_info(kind).hints for c in re.findall(r"`([^`]+)`", h)]
    return any("(" in c and len(c) > 12 for c in spans)


def test_every_kind_whose_hints_show_a_fix_has_an_example() -> None:
    missing = [k for k in ALL_KINDS if _shows_code(k) and k not in NOT_FIXES and not kind_info(k).examples]
    assert missing == []


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "n", "example"), EXAMPLES, ids=[f"{k}-{n}" for k, n, _ in EXAMPLES])
def test_the_failing_example_fails_with_its_kind(pool: WorkerPool, kind: str, n: int, example) -> None:  # type: ignore[no-untyped-def]
    request = free_request(example.failing, example.entry, list(example.args), "cpu:0")
    verdict = assess(pool.run(request, timeout=60), request)
    failing = [d.kind for d in verdict.diagnoses if d.failing]
    assert failing[:1] == [kind], f"{kind} example {n}: {failing}"


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "n", "example"), EXAMPLES, ids=[f"{k}-{n}" for k, n, _ in EXAMPLES])
def test_the_fixed_example_agrees_and_is_right(pool: WorkerPool, kind: str, n: int, example) -> None:  # type: ignore[no-untyped-def]
    request = free_request(example.fixed, example.entry, list(example.args), "cpu:0")
    if example.expect is not None:
        request.cases = [CaseSpec(args=a, expect=e) for a, e in zip(example.args, example.expect, strict=True)]
    report = pool.run(request, timeout=60)
    verdict = assess(report, request)
    assert verdict.passed, f"{kind} example {n}: {verdict.summary}"
    assert all(c.expected_ok is not False for c in report.cases), [c.expected for c in report.cases]
