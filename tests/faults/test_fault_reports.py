"""Every report is bounded whatever the code does; large results compare right; deep recursion is clear."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from support import worker_env

from jittutor.engine.bounds import bound_report, cut
from jittutor.engine.pool import WorkerPool
from jittutor.engine.protocol import CaseSpec, ErrorInfo, RunReport, RunRequest, encode_message, to_dict

pytestmark = pytest.mark.slow

REPORT_LIMIT = 3_000_000  # bytes of one encoded report, whatever the code does
OK_SRC = "def f(x):\n    return x * 2\n"


@pytest.fixture(scope="module")
def rpool() -> Iterator[WorkerPool]:
    p = WorkerPool(env=worker_env(JITTUTOR_MEM_LIMIT="2G"), standby=True)
    p.info()
    yield p
    p.close()


def run(pool: WorkerPool, source: str, args: str = "1.0", timeout: float = 30.0, **kw) -> RunReport:
    return pool.run(RunRequest(source=source, entry="f", cases=[CaseSpec(args)], **kw), timeout=timeout)


def size(report: RunReport) -> int:
    return len(encode_message({"report": to_dict(report)}))


def next_run_is_fresh(pool: WorkerPool) -> None:
    after = run(pool, OK_SRC)
    assert after.error is None and after.cases[0].match and after.cases[0].eager.value.repr == "2.0"
    assert after.output == ""


HUGE = {
    "exception-message": "def f(x):\n    raise ValueError('x' * 20_000_000)\n",
    "module-level-message": "raise ValueError('y' * 20_000_000)\n",
    "exception-type-name": "E = type('E' * 5_000_000, (Exception,), {})\ndef f(x):\n    raise E('boom')\n",
    "repr": "class R:\n    def __repr__(self):\n        return 'r' * 20_000_000\ndef f(x):\n    return R()\n",
    "printed-line": "def f(x):\n    print('p' * 20_000_000)\n    return x\n",
    "jaxpr-error": "def f(x):\n    raise TypeError('j' * 20_000_000)\n",
}


@pytest.mark.parametrize("source", list(HUGE.values()), ids=list(HUGE))
def test_reports_stay_bounded(rpool: WorkerPool, source: str) -> None:
    t0 = time.monotonic()
    report = run(rpool, source, jaxpr=True, repeats=1, min_repeats=1)
    assert size(report) < REPORT_LIMIT, f"{size(report):,} bytes"
    text = json.dumps(to_dict(report))
    assert "cut:" in text or "[output truncated" in text or '..."' in text, "a cut is always noted"
    assert time.monotonic() - t0 < 60
    next_run_is_fresh(rpool)


def test_bound_report_notes_what_was_cut() -> None:
    report = RunReport(
        device="cpu:0", jax_version="x", error=ErrorInfo(type="T" * 1000, message="m" * 50_000, mro=["A"] * 500)
    )
    bound_report(report)
    assert report.error is not None
    assert report.error.message.endswith("[message cut: 50,000 characters in all, first 20,000 kept]")
    assert len(report.error.type) < 300 and len(report.error.mro) == 64
    assert cut("short", 10) == "short"


# --- large results and what cannot be compared ------------------------------------------


def test_a_large_correct_result_matches(rpool: WorkerPool) -> None:
    # 200 MB per result: copies to complex128 (1.6 GB for both) would not fit under the 2 GB cap.
    src = "import jax.numpy as jnp\ndef f(x):\n    return jnp.full((50_000_000,), x, dtype=jnp.float32) * 2\n"
    report = run(rpool, src, repeats=1, min_repeats=1, timeout=120)
    assert report.error is None, report.error
    case = report.cases[0]
    assert case.eager.ok and case.jit.ok, (case.eager.error, case.jit.error)
    assert case.match is True and case.max_abs_diff == 0.0 and case.match_note is None
    next_run_is_fresh(rpool)


def test_a_comparison_that_cannot_be_done_is_no_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    np = pytest.importorskip("numpy")
    from jittutor.engine.worker import values

    def no_memory(*a: object, **k: object) -> None:
        raise MemoryError

    monkeypatch.setattr(values, "_compare_numeric", no_memory)
    with pytest.raises(values.CannotCompare, match="ran out of memory"):
        values.compare(np.ones(10), np.ones(10))


def test_compare_is_dtype_aware_and_chunked(monkeypatch: pytest.MonkeyPatch) -> None:
    np = pytest.importorskip("numpy")
    from jittutor.engine.worker import values

    monkeypatch.setattr(values, "CHUNK", 7)
    a = np.arange(100, dtype=np.float32)
    b = a.copy()
    b[93] += 1
    assert values.compare(a, a) == (True, 0.0)
    assert values.compare(a, b) == (False, 1.0)
    c = np.array([np.nan, np.inf, 1 + 2j], dtype=np.complex64)
    assert values.compare(c, c)[0] is True
    assert values.compare(np.arange(5), np.arange(5))[0] is True


# --- deep recursion ---------------------------------------------------------------------


def test_deep_recursion_with_a_raised_limit_is_a_clear_error(rpool: WorkerPool) -> None:
    src = "import sys\nsys.setrecursionlimit(10**9)\ndef f(x):\n    return f(x)\n"
    t0 = time.monotonic()
    report = run(rpool, src, timeout=20)
    elapsed = time.monotonic() - t0
    error = report.error or report.cases[0].eager.error
    assert error is not None and error.type == "RecursionError" and error.kind == "recursion"
    assert "caps the recursion limit" in error.message and "1,000,000,000" in error.message
    assert "repeated" in error.traceback and error.line == 4
    assert size(report) < REPORT_LIMIT
    assert elapsed < 20  # a clear error, not the deadline
    next_run_is_fresh(rpool)
