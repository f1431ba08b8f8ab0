"""From an exception (its class names and message) to a diagnosis kind.

The class names decide first: JAX's own error classes are stable across
versions. Where a class is too general (``TypeError``, ``ConcretizationTypeError``)
the message decides, through one ordered table of patterns, kept as data in
``messages.yaml`` (:mod:`jittutor.diagnosis.messages`). Messages changed a lot
between JAX 0.1 and 0.10, so each row names the releases its wording appears
in, checked against the released wheels by ``tools/jax_messages.py``; older and
newer wordings sit side by side.

No jax import: the messages are plain text, and the front process uses this.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from jittutor.diagnosis.kinds import ALL_KINDS
from jittutor.engine.protocol import ErrorInfo

#: A tracer as JAX prints it, in any version:
#: ``Traced<ShapedArray(int32[])>with<DynamicJaxprTrace(level=1/0)>`` (<= 0.4.x),
#: ``JitTracer<~int32[]>`` / ``JitTracer(~int32[])`` (0.7+), and bare class names
#: such as ``DynamicJaxprTracer``, ``BatchTracer``, ``VmapTracer``, ``GradTracer``.
TRACER_RE = re.compile(
    r"Traced<[^>\n]{0,300}>\s*with\s*<[^>\n]{0,300}>"
    r"|\b\w*Tracer\b(?:<[^>\n]{0,300}>|\([^\n]{0,300}?\))?"
)

_CONCRETIZATION = "ConcretizationTypeError"

#: Class names that settle the kind by themselves, most specific first.
CLASS_KINDS: tuple[tuple[str, str], ...] = (
    ("TracerBoolConversionError", "tracer-bool"),  # 0.4.14+ (a ConcretizationTypeError subclass)
    ("TracerIntegerConversionError", "tracer-index"),  # 0.2.10+ (messages.yaml refines a traced axis)
    ("TracerArrayConversionError", "tracer-array"),  # 0.2.10+
    ("NonConcreteBooleanIndexError", "bool-mask"),  # 0.2.11+
    ("UnexpectedTracerError", "leaked-tracer"),  # 0.1.7x+
    ("SyntaxError", "syntax-error"),  # covers IndentationError and TabError through the MRO
    ("IndentationError", "syntax-error"),  # pasted tracebacks carry no MRO
    ("TabError", "syntax-error"),
    ("MemoryError", "out-of-memory"),
)


def short_name(name: str) -> str:
    """``jax.errors.TracerBoolConversionError`` -> ``TracerBoolConversionError``."""
    return name.strip().rsplit(".", 1)[-1]


def has_tracer(text: str) -> bool:
    """``text`` mentions a tracer (a class name or a printed tracer)."""
    return TRACER_RE.search(text) is not None


def has_tracer_repr(text: str) -> bool:
    """``text`` shows a *printed* tracer, such as ``JitTracer(float32[3])``."""
    return any(m.group(0)[-1] in ">)" for m in TRACER_RE.finditer(text))


def classify(type_name: str, mro: Sequence[str], message: str, code: str = "", *, inside_jax: bool = False) -> str:
    """The diagnosis kind of an exception; ``"exception"`` when nothing more specific fits.

    ``code`` is the source line the error was raised from, when known (the
    student's line, or JAX's own where a paste shows it); it only refines a
    kind the class settled, e.g. an integer conversion that is really a traced
    ``axis``. ``inside_jax``: a traceback shows JAX raised it (a JAX frame, or a
    JAX error chained from it), which lets Python's own wordings count.
    """
    from jittutor.diagnosis.messages import load_rows  # the table is data, read on first use

    rows = load_rows()
    names = {short_name(n) for n in (type_name, *mro) if n}
    message = message or ""
    for cls, kind in CLASS_KINDS:
        if cls in names:
            context = f"{message}\n{code or ''}"
            for row in rows:
                if row.refines == kind and row.pattern.search(context):
                    return row.kind
            return kind
    concretization = _CONCRETIZATION in names or "Abstract tracer value encountered" in message
    for row in rows:
        if row.refines is not None or (row.concretization_only and not concretization):
            continue
        if row.inside_jax_only and not inside_jax:
            continue
        if row.pattern.search(message):
            return row.kind
    if concretization:
        return "concretization"
    return "exception"


def classify_error(error: ErrorInfo) -> str:
    """The kind of ``error``: the worker's own ``error.kind`` when set, else :func:`classify`.

    A ``kind`` this version does not know (a newer worker) is ignored, so every
    result has texts in the catalogue.
    """
    if error.kind in ALL_KINDS:
        return error.kind
    return classify(error.type, error.mro, error.message, error.code or "")
