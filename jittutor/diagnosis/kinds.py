"""The stable names of diagnosis kinds.

These exact strings appear in lesson files (``starter_fails_with``,
``hints_by_kind``), in ``--json`` output and in the docs, so they never change.
"""

from __future__ import annotations

#: Errors raised while tracing or running under jit.
TRACING_KINDS = (
    "tracer-bool",
    "tracer-index",
    "tracer-cast",
    "tracer-array",
    "bool-mask",
    "dynamic-shape",
    "shape-from-tracer",
    "static-axis",
    "dynamic-slice",
    "leaked-tracer",
    "unhashable-static",
    "non-array-arg",
    "immutable-update",
    "cond-branch-mismatch",
    "while-grad",
    "format-tracer",
    "concretization",
)

#: Faults of the run as a whole, or errors that are not about tracing.
FAULT_KINDS = (
    "timeout",
    "worker-crashed",
    "out-of-memory",
    "recursion",
    "syntax-error",
    "missing-entry",
    "exception",
)

#: Silent subtleties, found by measuring rather than by an exception.
SILENT_KINDS = (
    "recompiles",
    "print-in-jit",
    "mismatch",
    "wrong-value",
    "not-jitted",
)

ALL_KINDS = TRACING_KINDS + FAULT_KINDS + SILENT_KINDS
