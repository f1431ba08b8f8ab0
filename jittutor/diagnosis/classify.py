"""From an exception (its class names and message) to a diagnosis kind.

The class names decide first: JAX's own error classes are stable across
versions. Where a class is too general (``TypeError``, ``ConcretizationTypeError``)
the message decides, through one ordered table of patterns. Messages changed a
lot between JAX 0.4 and 0.10, so each pattern notes the versions it was seen in;
older and newer wordings sit side by side.

No jax import: the messages are plain text, and the front process uses this.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

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
    ("TracerIntegerConversionError", "tracer-index"),  # 0.2.x+
    ("TracerArrayConversionError", "tracer-array"),  # 0.2.x+
    ("NonConcreteBooleanIndexError", "bool-mask"),  # 0.2.x+
    ("UnexpectedTracerError", "leaked-tracer"),  # 0.2.x+
    ("SyntaxError", "syntax-error"),  # covers IndentationError and TabError through the MRO
    ("IndentationError", "syntax-error"),  # pasted tracebacks carry no MRO
    ("TabError", "syntax-error"),
    ("MemoryError", "out-of-memory"),
)


@dataclass(frozen=True)
class MessageRule:
    """One row of the message table: the first row whose pattern matches wins."""

    kind: str
    pattern: re.Pattern[str]
    concretization_only: bool = False  # only for ConcretizationTypeError (or its message)


def _rule(kind: str, pattern: str, *, concretization_only: bool = False) -> MessageRule:
    return MessageRule(kind, re.compile(pattern), concretization_only)


_T = TRACER_RE.pattern

#: The ordered message table. A row earlier in the table wins over a later one,
#: so specific wordings come before the general ones they overlap with.
MESSAGE_RULES: tuple[MessageRule, ...] = (
    # --- Python conversions of a tracer ---
    # <= 0.4.13: ConcretizationTypeError; 0.4.14+ raises TracerBoolConversionError instead.
    _rule("tracer-bool", r"The problem arose with the `bool` function"),
    # 0.4.14 - 0.10: message of TracerBoolConversionError, for pasted text without the class.
    _rule("tracer-bool", r"Attempted boolean conversion of"),
    # 0.2 - 0.4.13: "...called on the JAX Tracer object Traced<...>"; 0.4.14+: "...on traced array with shape".
    _rule("tracer-index", r"The __index__\(\) method was called on"),
    # same history as __index__.
    _rule("tracer-array", r"The numpy\.ndarray conversion method __array__\(\) was called on"),
    # 0.2 - 0.10: int()/float()/complex() of a tracer.
    _rule("tracer-cast", r"The problem arose with the `(?:int|float|complex)` function"),
    # 0.4.x - 0.10: x.item(), x.tolist().
    _rule("tracer-cast", r"in the item\(\) method of jax\.Array|The tolist\(\) method was called on"),
    # --- indexing ---
    # 0.2 - 0.10: "got bool[3]" (0.4.14+), "got ShapedArray(bool[3])" before.
    _rule("bool-mask", r"Array boolean indices must be concrete"),
    # 0.7+: IndexError "Slice entries must be static integers. Got slice(JitTracer(~int32[]), ...)".
    _rule("dynamic-slice", r"Slice entries must be static integers"),
    # 0.2 - 0.6: "Array slice indices must have static start/stop/step to be used with NumPy indexing syntax".
    _rule("dynamic-slice", r"Array slice indices must have static start/stop/step"),
    # --- arguments that must be static ---
    # 0.2 - 0.10: reductions, jnp.flip, jax.nn.softmax with a traced axis.
    _rule("static-axis", r"The axis argument must be known statically"),
    # 0.4.x - 0.10: jnp.expand_dims, jnp.squeeze, jnp.moveaxis, jnp.roll with a traced axis.
    _rule("static-axis", r"expected a static index or sequence of indices"),
    # 0.4.x - 0.10: a traced value reached a jnp function's own static argument
    # (jnp.cumsum axis, jnp.round decimals, jnp.diff n, jnp.linalg.norm ord...).
    # (0.4.x - 0.10: "while trying to hash an object of type <class '...DynamicJaxprTracer'>";
    # 0.2 - 0.3: "Static argument (index 1) of type <class '...DynamicJaxprTracer'> ... is non-hashable").
    _rule("static-axis", r"trying to hash an object of type <class '[\w.]*Tracer'>"),
    _rule("static-axis", r"Static argument \(index \d+\) of type <class '[\w.]*Tracer'>"),
    # 0.2 - 0.10: the student's own static argument is a list, dict, array...
    _rule("unhashable-static", r"Non-hashable static arguments are not supported"),
    # --- shapes ---
    # 0.2 - 0.10: "got (Traced<ShapedArray(int32[])>with<DynamicJaxprTrace(level=1/0)>,)" / "got (JitTracer(int32[]),)".
    _rule("shape-from-tracer", r"Shapes must be 1D sequences of concrete values of integer type"),
    # 0.7+: a traced shape reaching a primitive's parameters (jax.random.split, lax.broadcast_in_dim).
    _rule("shape-from-tracer", r"the value of parameter shape was not hashable"),
    # numpy 1.x/2.x: np.zeros(n) with a traced n.
    _rule("shape-from-tracer", r"expected a sequence of integers or a single integer, got '?(?:" + _T + ")"),
    # 0.4.x - 0.10: value-dependent output sizes.
    _rule("dynamic-shape", r"It arose in the jnp\.arange argument"),
    # jnp.nonzero, jnp.argwhere, jnp.where(c), jnp.flatnonzero:
    _rule("dynamic-shape", r"The size argument of jnp\.\w+ must be statically specified"),
    _rule("dynamic-shape", r"you can specify a concrete value for the size argument"),  # jnp.unique & set ops
    _rule("dynamic-shape", r"the total number of repeats must be static"),  # jnp.repeat
    _rule("dynamic-shape", r"The `length` argument to `scan` expects a concrete"),  # lax.scan(length=n)
    # 0.4.x - 0.10: "'num' argument of jnp.linspace", "pad_width argument of jnp.pad",
    # "in jax.numpy.split argument 1", "jax.nn.one_hot argument `num_classes`",
    # "argument 'x' of jnp.bincount", "bins argument of histogram_bin_edges", "`filt` argument of trim_zeros()".
    _rule(
        "dynamic-shape",
        r"\b(?:jnp|jax\.numpy|jax\.nn)\.\w+(?:\(\))? argument"
        r"|\bargument\b[^\n]{0,40}?\bof (?:jnp|jax\.numpy|jax\.nn)\.\w+"
        r"|\bargument of (?:histogram\w*|trim_zeros)\b",
        concretization_only=True,
    ),
    # --- tracers kept or shown where they do not belong ---
    # 0.2 - 0.10.
    _rule("leaked-tracer", r"Encountered an unexpected tracer"),
    # 0.2 - 0.10: f"{x:.2f}" on a tracer ("DynamicJaxprTracer.__format__"; the class name varies).
    _rule("format-tracer", r"unsupported format string passed to \w*Tracer\.__format__"),
    # Python: "%d format: a real number is required, not DynamicJaxprTracer".
    _rule("format-tracer", r"%\w format: [^\n]{0,80}\bnot \w*Tracer\b"),
    # --- jit arguments ---
    # 0.4.2x - 0.10: "Error interpreting argument to <function f> as an abstract array. The problematic value is of type <class 'str'>".
    _rule("non-array-arg", r"as an abstract array\. The problematic value is of type"),
    # <= 0.4.1x: "Argument 'relu' of type <class 'str'> is not a valid JAX type".
    _rule("non-array-arg", r"\bis not a valid JAX type\b"),
    # --- arrays are immutable ---
    # 0.4.x - 0.10: "JAX arrays are immutable and do not support in-place item assignment";
    # older: "'<class 'jaxlib.xla_extension.ArrayImpl'>' object does not support item assignment. JAX arrays are immutable."
    _rule("immutable-update", r"JAX arrays are immutable"),
    # --- structured control flow ---
    # 0.4.3x - 0.10: "cond branches must have equal output types but they differ." (and "switch branches ...").
    _rule(
        "cond-branch-mismatch",
        r"(?:cond|switch) branch(?:es)? (?:must have equal output types|outputs must have the same pytree structure)",
    ),
    # <= 0.4.2x: "true_fun and false_fun output must have identical types" / "... same type structure".
    _rule("cond-branch-mismatch", r"true_fun and false_fun output must have (?:identical types|same type structure)"),
    # <= 0.4.2x lax.switch: "branch 0 and 1 outputs must have identical types" / "... same type structure".
    _rule("cond-branch-mismatch", r"branch \d+ and \d+ outputs must have (?:identical types|same type structure)"),
    # 0.2 - 0.10 ("... with dynamic start/stop values" since 0.2.x).
    _rule("while-grad", r"Reverse-mode differentiation does not work for lax\.while_loop"),
    # --- memory ---
    # XlaRuntimeError (<= 0.4.x) / JaxRuntimeError (0.5+): "RESOURCE_EXHAUSTED: Out of memory allocating ...";
    # CUDA and BFC allocator wordings; C++ std::bad_alloc.
    _rule(
        "out-of-memory",
        r"RESOURCE_EXHAUSTED|\b[Oo]ut of memory\b|OUT_OF_MEMORY|OutOfMemory|ran out of memory|std::bad_alloc",
    ),
    # --- anything else that needed a concrete value ---
    # 0.7+: a traced value in another primitive parameter (jnp.tile reps...).
    _rule("concretization", r"was not hashable: [^\n]{0,200}?Tracer\b"),
    # 0.2 - 0.10: the ConcretizationTypeError headline, for pasted text without the class name.
    _rule("concretization", r"Abstract tracer value encountered where concrete value is expected"),
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


def classify(type_name: str, mro: Sequence[str], message: str) -> str:
    """The diagnosis kind of an exception; ``"exception"`` when nothing more specific fits."""
    names = {short_name(n) for n in (type_name, *mro) if n}
    for cls, kind in CLASS_KINDS:
        if cls in names:
            return kind
    message = message or ""
    concretization = _CONCRETIZATION in names or "Abstract tracer value encountered" in message
    for rule in MESSAGE_RULES:
        if rule.concretization_only and not concretization:
            continue
        if rule.pattern.search(message):
            return rule.kind
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
    return classify(error.type, error.mro, error.message)
