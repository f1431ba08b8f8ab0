"""Results as the student sees them: bounded summaries, and comparisons that hold under pressure.

:func:`compare` is dtype-aware and chunked: two 400 MB results are compared a
million elements at a time in their own precision (floats as float64, complex
as complex128, integers and booleans exactly), so the comparison itself never
needs more than a few megabytes beyond the results. When it cannot be done at
all it raises :class:`CannotCompare`, which the runner reports as ``match:
None`` with the reason, never as a mismatch.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from jittutor.engine.protocol import ValueSummary

REPR_LIMIT = 400
CHUNK = 1 << 20  # elements compared at a time


class CannotCompare(Exception):
    """The comparison itself failed (no memory, a value that cannot be read): no verdict."""


def block(value: Any) -> Any:
    return jax.block_until_ready(value)


def device_name(device: Any) -> str:
    return f"{device.platform}:{device.id}"


def safe_repr(value: object) -> str:
    """``repr()`` that survives objects whose ``__repr__`` itself raises."""
    try:
        return repr(value)
    except BaseException as exc:  # noqa: BLE001 - student objects can raise anything
        return f"<{type(value).__name__} object: repr() raised {type(exc).__name__}>"


def summarize(value: Any) -> ValueSummary:
    """A short, bounded description of a result (repr truncated, never the whole array)."""
    with np.printoptions(threshold=20, edgeitems=3, precision=6, linewidth=100):
        text = safe_repr(value)
    if len(text) > REPR_LIMIT:
        text = text[: REPR_LIMIT - 3] + "..."
    summary = ValueSummary(repr=text, type=type(value).__name__[:200])
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        try:
            summary.shape = [int(s) for s in value.shape][:64]
            summary.dtype = str(value.dtype)[:200]
        except Exception:  # noqa: BLE001 - a student object pretending to be an array
            summary.shape = summary.dtype = None
            return summary
        summary.weak_type = bool(getattr(value, "weak_type", False))
        devices = getattr(value, "devices", None)
        if callable(devices):
            try:
                summary.device = ",".join(sorted(device_name(d) for d in devices()))
            except Exception:
                pass
    return summary


def default_tolerance(leaf: Any) -> tuple[float, float]:
    dtype = getattr(leaf, "dtype", None)
    if dtype is None:
        return 1e-5, 1e-6
    name = str(dtype)
    if name in ("float16", "bfloat16"):
        return 1e-2, 1e-3
    if name in ("float64", "complex128"):
        return 1e-9, 1e-12
    return 1e-4, 1e-5


def compare(a: Any, b: Any, rtol: float | None = None, atol: float | None = None) -> tuple[bool, float | None]:
    """Do two pytrees agree (same structure, allclose leaves)? Also the largest abs difference.

    Raises :class:`CannotCompare` when the comparison itself cannot be done.
    """
    leaves_a, tree_a = jax.tree_util.tree_flatten(a)
    leaves_b, tree_b = jax.tree_util.tree_flatten(b)
    if tree_a != tree_b:
        return False, None
    worst = 0.0
    ok = True
    for x, y in zip(leaves_a, leaves_b, strict=True):
        try:
            xa, ya = np.asarray(x), np.asarray(y)
        except MemoryError as exc:
            raise CannotCompare(f"reading the results back ran out of memory ({_nbytes(x)} bytes)") from exc
        except Exception:
            if x != y:
                ok = False
            continue
        if xa.shape != ya.shape:
            return False, None
        if xa.dtype.kind in "biufc" and ya.dtype.kind in "biufc":
            r, t = default_tolerance(x)
            r, t = (rtol if rtol is not None else r), (atol if atol is not None else t)
            try:
                leaf_ok, leaf_worst = _compare_numeric(xa, ya, r, t)
            except MemoryError as exc:
                raise CannotCompare(f"comparing {xa.size:,} elements ran out of memory") from exc
            ok = ok and leaf_ok
            if leaf_worst is not None:
                worst = max(worst, leaf_worst)
        elif not np.array_equal(xa, ya):
            ok = False
    return ok, worst


def _compute_dtype(x: np.ndarray, y: np.ndarray) -> np.dtype:
    if x.dtype.kind == "c" or y.dtype.kind == "c":
        return np.dtype(np.complex128)
    return np.dtype(np.float64)


def _compare_numeric(x: np.ndarray, y: np.ndarray, rtol: float, atol: float) -> tuple[bool, float | None]:
    """allclose (NaN equal to NaN) and the largest finite |x - y|, a chunk at a time."""
    if x.size == 0:
        return True, None
    xf, yf = x.reshape(-1), y.reshape(-1)
    dtype = _compute_dtype(x, y)
    ok, worst = True, None
    for start in range(0, xf.size, CHUNK):
        cx = xf[start : start + CHUNK].astype(dtype, copy=False)
        cy = yf[start : start + CHUNK].astype(dtype, copy=False)
        with np.errstate(all="ignore"):
            if not np.isclose(cx, cy, rtol=rtol, atol=atol, equal_nan=True).all():
                ok = False
            diff = np.abs(cx - cy)
        finite = diff[np.isfinite(diff)]
        if finite.size:
            m = float(finite.max())
            worst = m if worst is None else max(worst, m)
    return ok, (worst if worst is not None else 0.0)


def _nbytes(value: Any) -> int:
    try:
        return int(getattr(value, "nbytes", 0))
    except Exception:  # noqa: BLE001
        return 0
