"""Diagnosis: classifying real JAX errors, the kind catalogue, and ``diagnose``.

The classification tests raise real errors with the installed JAX in this
process (tests may import jax; the package itself must not) and add a table of
older JAX messages, so the classifier keeps working across versions.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import traceback
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from jittutor.diagnosis import (
    ALL_KINDS,
    SILENT_KINDS,
    TRACING_KINDS,
    Diagnosis,
    KindInfo,
    classify,
    classify_error,
    diagnose,
    has_tracer_repr,
    kind_info,
)
from jittutor.diagnosis.texts import KindTextsError, parse_kind_texts
from jittutor.engine.protocol import CaseReport, ErrorInfo, ModeReport, RunReport, from_dict, to_dict

# --- raising real errors ---------------------------------------------------------


def error_info(exc: BaseException) -> ErrorInfo:
    """An ErrorInfo the way the worker builds one: ``code`` is the innermost line of this file."""
    info = ErrorInfo(type=type(exc).__name__, message=str(exc), mro=[c.__name__ for c in type(exc).__mro__])
    own = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == __file__]
    if own:
        info.line, info.code = own[-1].lineno, (own[-1].line or "").strip() or None
    return info


def raised(fn: Callable[[], object]) -> ErrorInfo:
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001 - any error is what we want
        return error_info(exc)
    raise AssertionError("expected an error")


x0 = jnp.float32(1.5)
i0 = jnp.int32(2)
v3 = jnp.arange(3.0)


def _raise(exc: BaseException) -> None:
    raise exc


def _jit(f: Callable[..., object], *args: object) -> Callable[[], object]:
    return lambda: jax.jit(f)(*args)


def _leak() -> None:
    store = []
    jax.jit(lambda x: store.append(x) or x)(x0)
    jax.jit(lambda y: y + store[0])(x0)


def _checking_leaks() -> None:
    store = []
    with jax.checking_leaks():
        jax.jit(lambda x: store.append(x) or x)(x0)


class _Model:
    scale = 2.0

    def apply(self, x: jax.Array) -> jax.Array:
        return self.scale * x


def _assign(x: jax.Array) -> jax.Array:
    x[0] = 1.0
    return x


def _fori_grad() -> None:
    def f(x: jax.Array, n: jax.Array) -> jax.Array:
        return lax.fori_loop(0, n, lambda i, c: c * x, 1.0)

    jax.jit(jax.grad(f))(x0, i0)


def _while_grad() -> None:
    jax.grad(lambda x: lax.while_loop(lambda c: c < 10.0, lambda c: c * x, 1.0))(jnp.float32(2.0))


REAL_ERRORS: list[tuple[str, str, Callable[[], object]]] = [
    ("tracer-bool", "if", _jit(lambda x: 1.0 if x < 0 else 2.0, x0)),
    ("tracer-bool", "max", _jit(lambda x: max(x, 0.0), x0)),
    ("tracer-bool", "and", _jit(lambda x: x > 0 and x < 3, x0)),
    ("tracer-bool", "not", _jit(lambda x: not x, x0)),
    ("tracer-index", "range", _jit(lambda n: sum(range(n)), i0)),
    ("tracer-index", "list index", _jit(lambda i: [1, 2, 3][i], i0)),
    ("tracer-cast", "int", _jit(lambda x: int(x), x0)),
    ("tracer-cast", "float", _jit(lambda x: float(x), x0)),
    ("tracer-cast", "complex", _jit(lambda x: complex(x), x0)),
    ("tracer-cast", "item", _jit(lambda x: x.item(), x0)),
    ("tracer-cast", "tolist", _jit(lambda x: x.tolist(), v3)),
    ("tracer-array", "np.sin", _jit(lambda x: np.sin(x), v3)),
    ("tracer-array", "np.asarray", _jit(lambda x: np.asarray(x), v3)),
    ("tracer-array", "host table", _jit(lambda i: np.array([1, 2, 3])[i], i0)),
    ("bool-mask", "x[x > 0]", _jit(lambda x: x[x > 0], v3)),
    ("bool-mask", "at[mask]", _jit(lambda x: x.at[x > 1].set(0.0), v3)),
    ("dynamic-shape", "arange", _jit(lambda n: jnp.arange(n), i0)),
    ("dynamic-shape", "nonzero", _jit(lambda x: jnp.nonzero(x), v3)),
    ("dynamic-shape", "unique", _jit(lambda x: jnp.unique(x), v3)),
    ("dynamic-shape", "argwhere", _jit(lambda x: jnp.argwhere(x), v3)),
    ("dynamic-shape", "where(c)", _jit(lambda x: jnp.where(x), v3)),
    ("dynamic-shape", "repeat", _jit(lambda x, n: jnp.repeat(x, n), v3, i0)),
    ("dynamic-shape", "linspace", _jit(lambda n: jnp.linspace(0.0, 1.0, n), i0)),
    ("dynamic-shape", "bincount", _jit(lambda x: jnp.bincount(x), jnp.arange(3))),
    ("shape-from-tracer", "zeros(n)", _jit(lambda n: jnp.zeros(n), i0)),
    ("shape-from-tracer", "ones((n,))", _jit(lambda n: jnp.ones((n,)), i0)),
    ("shape-from-tracer", "reshape", _jit(lambda x, n: x.reshape(n, -1), v3, jnp.int32(3))),
    ("shape-from-tracer", "random shape", _jit(lambda n: jax.random.normal(jax.random.key(0), (n,)), i0)),
    ("shape-from-tracer", "np.zeros", _jit(lambda n: np.zeros(n), i0)),
    ("static-axis", "sum axis", _jit(lambda x, a: jnp.sum(x, axis=a), v3, jnp.int32(0))),
    ("static-axis", "expand_dims", _jit(lambda x, a: jnp.expand_dims(x, a), v3, jnp.int32(0))),
    ("static-axis", "cumsum axis", _jit(lambda x, a: jnp.cumsum(x, axis=a), v3, jnp.int32(0))),
    ("dynamic-slice", "x[i:i+2]", _jit(lambda x, i: x[i : i + 2], v3, jnp.int32(0))),
    ("leaked-tracer", "stored tracer", _leak),
    ("leaked-tracer", "checking_leaks", _checking_leaks),
    ("static-axis", "sum axis as a value", _jit(lambda x, a: jnp.sum(x, axis=a), v3, 0)),
    ("non-array-arg", "self of a method", lambda: jax.jit(_Model.apply)(_Model(), x0)),
    ("unhashable-static", "list", lambda: jax.jit(lambda x, cfg: x, static_argnums=1)(x0, [1, 2])),
    ("unhashable-static", "dict", lambda: jax.jit(lambda x, cfg: x, static_argnames="cfg")(x0, cfg={"a": 1})),
    ("non-array-arg", "str", _jit(lambda x, act: x, x0, "relu")),
    ("immutable-update", "under jit", _jit(_assign, v3)),
    ("immutable-update", "eager", lambda: _assign(v3)),
    ("cond-branch-mismatch", "dtype", _jit(lambda x: lax.cond(x > 0, lambda: x, lambda: jnp.int32(0)), x0)),
    ("cond-branch-mismatch", "shape", _jit(lambda x: lax.cond(x[0] > 0, lambda: x, lambda: x[:2]), v3)),
    ("cond-branch-mismatch", "switch", _jit(lambda i, x: lax.switch(i, [lambda: x, lambda: jnp.int32(0)]), i0, x0)),
    ("cond-branch-mismatch", "switch tree", _jit(lambda i, x: lax.switch(i, [lambda: x, lambda: (x, x)]), i0, x0)),
    ("while-grad", "fori_loop", _fori_grad),
    ("while-grad", "while_loop", _while_grad),
    ("format-tracer", "f-string", _jit(lambda x: f"{x:.2f}", x0)),
    ("format-tracer", "percent", _jit(lambda n: "%d" % n, i0)),  # noqa: UP031 - the error under test
    ("concretization", "reduce_precision", _jit(lambda x, n: lax.reduce_precision(x, n, 2), x0, i0)),
    ("out-of-memory", "MemoryError", lambda: _raise(MemoryError())),
    ("syntax-error", "SyntaxError", lambda: compile("def f(:\n    pass\n", "student.py", "exec")),
    ("syntax-error", "IndentationError", lambda: compile("def f():\nreturn 1\n", "student.py", "exec")),
    ("syntax-error", "TabError", lambda: compile("if 1:\n        a\n\tb\n", "student.py", "exec")),
    ("exception", "NameError", lambda: _raise(NameError("name 'y' is not defined"))),
    ("exception", "ZeroDivisionError", lambda: 1 / 0),
    ("exception", "truth of an array", _jit(lambda x: 1 if x > 1 else 0, v3)),
]


def test_real_errors_cover_every_tracing_kind() -> None:
    assert set(TRACING_KINDS) <= {kind for kind, _, _ in REAL_ERRORS}


@pytest.mark.parametrize(
    ("kind", "fn"), [(k, f) for k, _, f in REAL_ERRORS], ids=[f"{k}:{n}" for k, n, _ in REAL_ERRORS]
)
def test_real_error_is_classified(kind: str, fn: Callable[[], object]) -> None:
    info = raised(fn)
    assert classify(info.type, info.mro, info.message, info.code or "") == kind, info.message
    assert classify_error(info) == kind


# Messages as older (and some newer) JAX versions print them, with the class name
# a pasted traceback would show. Each row: (kind, type, mro, message).
OLDER_MESSAGES = [
    # <= 0.4.13: a plain ConcretizationTypeError for bool().
    (
        "tracer-bool",
        "ConcretizationTypeError",
        ["ConcretizationTypeError", "TypeError"],
        "Abstract tracer value encountered where concrete value is expected: "
        "Traced<ShapedArray(bool[], weak_type=True)>with<DynamicJaxprTrace(level=0/1)>\n"
        "The problem arose with the `bool` function. \n"
        "While tracing the function f at <stdin>:1 for jit, this concrete value was not available in Python",
    ),
    (
        "tracer-index",
        "TracerIntegerConversionError",
        [],
        "The __index__() method was called on the JAX Tracer object "
        "Traced<ShapedArray(int32[], weak_type=True)>with<DynamicJaxprTrace(level=0/1)>",
    ),
    (
        "tracer-array",
        "TracerArrayConversionError",
        [],
        "The numpy.ndarray conversion method __array__() was called on the JAX Tracer object "
        "Traced<ShapedArray(float32[3])>with<DynamicJaxprTrace(level=0/1)>",
    ),
    (
        "tracer-cast",
        "ConcretizationTypeError",
        [],
        "Abstract tracer value encountered where concrete value is expected: "
        "Traced<ShapedArray(float32[])>with<DynamicJaxprTrace(level=0/1)>\nThe problem arose with the `float` function.",
    ),
    ("bool-mask", "IndexError", ["IndexError"], "Array boolean indices must be concrete; got ShapedArray(bool[3])"),
    (
        "dynamic-slice",
        "IndexError",
        ["IndexError", "LookupError"],
        "Array slice indices must have static start/stop/step to be used with NumPy indexing syntax. "
        "Found slice(Traced<ShapedArray(int32[], weak_type=True)>with<DynamicJaxprTrace(level=1/0)>, None, None). "
        "To index a statically sized array at a dynamic position, try lax.dynamic_slice/dynamic_update_slice",
    ),
    (
        "dynamic-slice",
        "IndexError",
        [],
        "Slice entries must be static integers. Got slice(JitTracer(~int32[]), JitTracer(~int32[]), None) at position 0",
    ),
    (
        "shape-from-tracer",
        "TypeError",
        ["TypeError"],
        "Shapes must be 1D sequences of concrete values of integer type, "
        "got (Traced<ShapedArray(int32[], weak_type=True)>with<DynamicJaxprTrace(level=1/0)>,).",
    ),
    (
        "shape-from-tracer",
        "TypeError",
        [],
        "Shapes must be 1D sequences of concrete values of integer type, got [JitTracer<~int32[]>].",
    ),
    (
        "non-array-arg",
        "TypeError",
        ["TypeError"],
        "Argument 'relu' of type <class 'str'> is not a valid JAX type.",
    ),
    (
        "immutable-update",
        "TypeError",
        [],
        "'<class 'jaxlib.xla_extension.ArrayImpl'>' object does not support item assignment. JAX arrays are immutable. "
        "Instead of ``x[idx] = y``, use ``x = x.at[idx].set(y)``",
    ),
    (
        "cond-branch-mismatch",
        "TypeError",
        [],
        "true_fun and false_fun output must have identical types, got\nDIFFERENT ShapedArray(float32[3]) vs. ShapedArray(float32[2]).",
    ),
    (
        "cond-branch-mismatch",
        "TypeError",
        [],
        "true_fun and false_fun output must have same type structure, got * and PyTreeDef((*, *)).",
    ),
    (
        "cond-branch-mismatch",
        "TypeError",
        [],
        "branch 0 and 1 outputs must have identical types, got\nShapedArray(float32[1])\nand\nShapedArray(float32[]).",
    ),
    (
        "cond-branch-mismatch",
        "TypeError",
        [],
        "branch 0 and 1 outputs must have same type structure, got * and PyTreeDef((*, *)).",
    ),
    (
        "unhashable-static",
        "ValueError",
        [],
        "Non-hashable static arguments are not supported, as this can lead to unexpected cache-misses. "
        "Static argument (index 1) of type <class 'list'> for function f is non-hashable.",
    ),
    (
        "unhashable-static",
        "ValueError",
        [],
        "Non-hashable static arguments are not supported. An error occured during a call to 'f' while trying to hash "
        "an object of type <class 'numpy.ndarray'>, [27.8]. The error was:\nTypeError: unhashable type: 'numpy.ndarray'",
    ),
    (
        "static-axis",
        "ValueError",
        [],
        "Non-hashable static arguments are not supported. An error occurred while trying to hash an object of type "
        "<class 'jax._src.interpreters.partial_eval.DynamicJaxprTracer'>, JitTracer(int32[]). The error was:\n"
        "TypeError: unhashable type: 'DynamicJaxprTracer'",
    ),
    ("format-tracer", "TypeError", [], "unsupported format string passed to Tracer.__format__"),
    ("format-tracer", "TypeError", [], "unsupported format string passed to JitTracer.__format__"),
    (
        "leaked-tracer",
        "UnexpectedTracerError",
        ["UnexpectedTracerError", "TypeError"],
        "Encountered an unexpected tracer. A function transformed by JAX had a side effect",
    ),
    (
        "leaked-tracer",
        "Exception",
        [],
        "Encountered an unexpected tracer. Traced<ShapedArray(float32[])>with<JVPTrace(level=2/0)>",
    ),
    (
        "while-grad",
        "ValueError",
        [],
        "Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop. Try using lax.scan instead.",
    ),
    (
        "out-of-memory",
        "XlaRuntimeError",
        ["XlaRuntimeError", "RuntimeError"],
        "RESOURCE_EXHAUSTED: Out of memory while trying to allocate 17179869184 bytes.",
    ),
    ("out-of-memory", "JaxRuntimeError", [], "RESOURCE_EXHAUSTED: Out of memory allocating 4398046511104 bytes."),
    ("out-of-memory", "RuntimeError", [], "CUDA_ERROR_OUT_OF_MEMORY: out of memory"),
    ("out-of-memory", "MemoryError", [], ""),
    ("syntax-error", "IndentationError", [], "unexpected indent"),
    (
        "concretization",
        "ConcretizationTypeError",
        [],
        "Abstract tracer value encountered where concrete value is expected: traced array",
    ),
    (
        "concretization",
        "",
        [],
        "Abstract tracer value encountered where concrete value is expected: traced array with shape int32[]",
    ),
    ("exception", "NameError", ["NameError", "Exception"], "name 'jnp' is not defined"),
    (
        "exception",
        "ValueError",
        [],
        "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()",
    ),
    ("exception", "", [], ""),
]


@pytest.mark.parametrize(("kind", "type_name", "mro", "message"), OLDER_MESSAGES)
def test_message_table(kind: str, type_name: str, mro: list[str], message: str) -> None:
    assert classify(type_name, mro, message) == kind


def test_qualified_class_names_reduce_to_the_class() -> None:
    assert classify("jax.errors.TracerBoolConversionError", [], "") == "tracer-bool"
    assert classify("jax._src.errors.NonConcreteBooleanIndexError", [], "") == "bool-mask"


def test_class_name_wins_over_message() -> None:
    # A subclass of ConcretizationTypeError with a message that mentions `int`: the class decides.
    message = "The problem arose with the `int` function."
    assert (
        classify("TracerBoolConversionError", ["TracerBoolConversionError", "ConcretizationTypeError"], message)
        == "tracer-bool"
    )


def test_generic_argument_rule_needs_a_concretization_error() -> None:
    # "argument of jnp.X" only means a value-dependent size when JAX needed a concrete value.
    assert classify("TypeError", ["TypeError"], "bad argument of jnp.pad: expected an int") == "exception"
    assert (
        classify("ConcretizationTypeError", [], "Abstract tracer value ...\npad_width argument of jnp.pad")
        == "dynamic-shape"
    )


def test_classify_error_honours_the_workers_kind() -> None:
    assert classify_error(ErrorInfo(type="TimeoutError", message="", kind="timeout")) == "timeout"
    assert (
        classify_error(ErrorInfo(type="NameError", message="name 'f' is not defined", kind="missing-entry"))
        == "missing-entry"
    )
    info = ErrorInfo(
        type="TypeError",
        message="Shapes must be 1D sequences of concrete values of integer type, got (JitTracer(int32[]),).",
    )
    assert classify_error(info) == "shape-from-tracer"


def test_classify_error_reads_the_code_line_for_a_traced_axis() -> None:
    # JAX 0.4.33 - 0.4.35: jnp.cumsum with a traced axis raises TracerIntegerConversionError.
    message = "The __index__() method was called on traced array with shape int32[]"
    cumsum = ErrorInfo(type="TracerIntegerConversionError", message=message, code="return jnp.cumsum(x, axis=a)")
    assert classify_error(cumsum) == "static-axis"
    loop = ErrorInfo(type="TracerIntegerConversionError", message=message, code="for i in range(n):")
    assert classify_error(loop) == "tracer-index"


def test_classify_error_ignores_an_unknown_kind() -> None:
    info = ErrorInfo(type="TracerBoolConversionError", message="", kind="from-a-newer-worker")
    assert classify_error(info) == "tracer-bool"


@pytest.mark.parametrize(
    "text",
    [
        "JitTracer(float32[3])",
        "JitTracer<~int32[]>",
        "value: Traced<ShapedArray(float32[3])>with<DynamicJaxprTrace(level=1/0)>",
        "Traced<ShapedArray(float32[1,64]):JaxprTrace(level=-1/1)>with<JaxprTrace(level=-1/1)>",
        "VmapTracer(aval=float32[], batched=float32[2])",
        "g GradTracer(primal=1.0, typeof(tangent)=f32[])",
    ],
)
def test_tracer_reprs(text: str) -> None:
    assert has_tracer_repr(text)


@pytest.mark.parametrize("text", ["", "[1. 2. 3.]", "mean = 2.5", "the Tracer class", "DynamicJaxprTracer"])
def test_not_tracer_reprs(text: str) -> None:
    assert not has_tracer_repr(text)


# --- the catalogue ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_has_texts(kind: str) -> None:
    info = kind_info(kind)
    assert isinstance(info, KindInfo)
    assert info.kind == kind
    assert info.title.strip() and "\n" not in info.title
    assert info.explanation.strip()
    assert 2 <= len(info.hints) <= 4
    assert all(h.strip() for h in info.hints)
    assert info.docs.startswith("https://") and " " not in info.docs
    # Short enough to sit beside code in a terminal pane.
    assert len(info.explanation) <= 420, len(info.explanation)
    assert all(len(h) <= 240 for h in info.hints)
    assert len(info.title) <= 70


def test_jax_kinds_link_to_jax_docs() -> None:
    for kind in TRACING_KINDS + SILENT_KINDS:
        assert kind_info(kind).docs.startswith("https://docs.jax.dev/en/latest/"), kind


def test_unknown_kind_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        kind_info("no-such-kind")


def test_catalog_rejects_missing_or_unknown_kinds() -> None:
    good = {k: {"title": "t", "explanation": "e", "hints": ["a", "b"], "docs": "https://x"} for k in ALL_KINDS}
    assert set(parse_kind_texts(good)) == set(ALL_KINDS)
    with pytest.raises(KindTextsError, match="missing"):
        parse_kind_texts({k: v for k, v in good.items() if k != "tracer-bool"})
    with pytest.raises(KindTextsError, match="unknown"):
        parse_kind_texts({**good, "typo-kind": good["tracer-bool"]})
    with pytest.raises(KindTextsError, match="hints"):
        parse_kind_texts({**good, "timeout": {**good["timeout"], "hints": "not a list"}})
    with pytest.raises(KindTextsError, match="title"):
        parse_kind_texts({**good, "timeout": {**good["timeout"], "title": ""}})


def test_import_needs_neither_jax_nor_textual() -> None:
    code = textwrap.dedent(
        """
        import sys
        import jittutor.diagnosis as d
        from jittutor.engine.protocol import RunReport
        for kind in d.ALL_KINDS:
            d.kind_info(kind)
        d.explain_text("jax.errors.TracerBoolConversionError: Attempted boolean conversion")
        d.diagnose(RunReport(device="cpu:0", jax_version="0"))
        bad = sorted(m for m in sys.modules if m.split(".")[0] in ("jax", "jaxlib", "textual"))
        assert not bad, bad
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# --- diagnose ---------------------------------------------------------------------------

BOOL_ERROR = ErrorInfo(
    type="TracerBoolConversionError",
    message="Attempted boolean conversion of traced array with shape bool[].",
    mro=["TracerBoolConversionError", "ConcretizationTypeError", "TypeError", "Exception"],
    line=3,
    code="if x < 0:",
)
SHAPE_ERROR = ErrorInfo(
    type="TypeError",
    message="Shapes must be 1D sequences of concrete values of integer type, got (JitTracer(int32[]),).",
)


def mode(name: str, *, error: ErrorInfo | None = None, output: str = "", steady: int = 0) -> ModeReport:
    return ModeReport(
        mode=name, ok=error is None, error=error, output=output, steady_compiles=steady, compiles=1 + steady
    )


def case(
    *,
    eager: ErrorInfo | None = None,
    jit: ErrorInfo | None = None,
    match: bool | None = True,
    expected_ok: bool | None = None,
    jit_output: str = "",
    eager_output: str = "",
    steady: int = 0,
    args_error: ErrorInfo | None = None,
    max_abs_diff: float | None = None,
) -> CaseReport:
    both_ran = eager is None and jit is None
    return CaseReport(
        args="x",
        eager=mode("eager", error=eager, output=eager_output),
        jit=mode("jit", error=jit, output=jit_output, steady=steady),
        match=match if both_ran else None,
        max_abs_diff=max_abs_diff,
        expected_ok=expected_ok,
        expected="1.0" if expected_ok is not None else None,
        args_error=args_error,
    )


def run(
    *cases: CaseReport, error: ErrorInfo | None = None, compiles: int | None = None, entry_jitted: bool | None = None
) -> RunReport:
    return RunReport(
        device="cpu:0",
        jax_version="0.10.2",
        cases=list(cases),
        error=error,
        compiles=len(cases) if compiles is None else compiles,
        entry_jitted=entry_jitted,
    )


def kinds(diagnoses: list[Diagnosis]) -> list[str]:
    return [d.kind for d in diagnoses]


def test_a_clean_run_has_no_diagnosis() -> None:
    assert diagnose(run(case(), case())) == []


def test_run_level_fault() -> None:
    error = ErrorInfo(type="Timeout", message="the run took longer than 10 s", kind="timeout")
    (d,) = diagnose(run(error=error))
    assert (d.kind, d.case, d.mode, d.failing, d.error) == ("timeout", None, None, True, error)
    assert d.title == kind_info("timeout").title
    assert d.hints == list(kind_info("timeout").hints)
    assert d.docs == kind_info("timeout").docs


def test_run_level_error_without_kind_is_classified() -> None:
    (d,) = diagnose(
        run(
            error=ErrorInfo(
                type="IndentationError", message="unexpected indent", mro=["IndentationError", "SyntaxError"]
            )
        )
    )
    assert d.kind == "syntax-error"


def test_eager_ok_jit_failed_is_a_jit_problem() -> None:
    (d,) = diagnose(run(case(jit=BOOL_ERROR)))
    assert (d.kind, d.case, d.mode, d.failing) == ("tracer-bool", 0, "jit", True)
    assert d.error is BOOL_ERROR
    assert d.explanation == kind_info("tracer-bool").explanation


def test_same_error_in_both_modes_is_a_plain_bug() -> None:
    eager = ErrorInfo(type="TypeError", message="unsupported operand type(s) for +: 'int' and 'str'")
    (d,) = diagnose(run(case(eager=eager, jit=SHAPE_ERROR)))
    assert (d.kind, d.mode, d.error) == ("exception", "eager", eager)


def test_different_errors_in_the_two_modes_are_both_reported() -> None:
    eager = ErrorInfo(type="ZeroDivisionError", message="division by zero")
    diagnoses = diagnose(run(case(eager=eager, jit=BOOL_ERROR)))
    assert [(d.kind, d.mode) for d in diagnoses] == [("exception", "eager"), ("tracer-bool", "jit")]


def test_eager_failed_jit_ok_uses_the_eager_error() -> None:
    eager = ErrorInfo(type="IndexError", message="index 5 is out of bounds for axis 0 with size 3")
    (d,) = diagnose(run(case(eager=eager)))
    assert (d.kind, d.mode) == ("exception", "eager")


def test_args_error() -> None:
    args_error = ErrorInfo(type="NameError", message="name 'jnp' is not defined")
    (d,) = diagnose(run(case(args_error=args_error, eager=args_error, jit=args_error)))
    assert (d.kind, d.case, d.mode, d.error) == ("exception", 0, None, args_error)


def test_one_diagnosis_per_kind_at_its_first_case() -> None:
    diagnoses = diagnose(run(case(), case(jit=BOOL_ERROR), case(jit=BOOL_ERROR)))
    (d,) = diagnoses
    assert (d.kind, d.case) == ("tracer-bool", 1)
    assert "2 of 3 cases" in d.detail


def test_mismatch_and_wrong_value_fail() -> None:
    diagnoses = diagnose(run(case(match=False, max_abs_diff=1.5), case(expected_ok=False)))
    assert kinds(diagnoses) == ["wrong-value", "mismatch"]
    wrong, mismatch = diagnoses
    assert wrong.failing and wrong.case == 1 and "expected 1.0" in wrong.detail
    assert mismatch.failing and mismatch.case == 0 and mismatch.mode == "jit" and "1.5" in mismatch.detail


def test_print_in_jit_is_a_note_unless_forbidden() -> None:
    report = run(case(jit_output="x = JitTracer(float32[3])\n"))
    (note,) = diagnose(report)
    assert (note.kind, note.failing, note.mode, note.case) == ("print-in-jit", False, "jit", 0)
    (check,) = diagnose(report, forbid_tracer_print=True)
    assert check.failing


def test_print_in_jit_in_older_repr_and_in_a_jitted_entrys_eager_run() -> None:
    old = run(case(jit_output="Traced<ShapedArray(float32[3])>with<DynamicJaxprTrace(level=1/0)>\n"))
    assert kinds(diagnose(old)) == ["print-in-jit"]
    # An entry that is already jitted traces during the eager run; the jit run hits the cache.
    (d,) = diagnose(run(case(eager_output="JitTracer(float32[])\n"), entry_jitted=True))
    assert (d.kind, d.mode) == ("print-in-jit", "eager")


def test_printing_values_is_fine() -> None:
    assert diagnose(run(case(jit_output="[1. 2. 3.]\n", eager_output="[1. 2. 3.]\n")), forbid_tracer_print=True) == []


def test_recompiles_over_budget_fails() -> None:
    (d,) = diagnose(run(case(), case(), compiles=3), max_compiles=1)
    assert (d.kind, d.failing) == ("recompiles", True)
    assert "3 compilations for 2 cases" in d.detail
    assert diagnose(run(case(), case(), compiles=2), max_compiles=2) == []


def test_recompiles_on_every_call_is_a_note() -> None:
    (d,) = diagnose(run(case(steady=4)))
    assert (d.kind, d.failing, d.case, d.mode) == ("recompiles", False, 0, "jit")
    assert "4 extra compilations" in d.detail
    (d,) = diagnose(run(case(steady=4), compiles=5), max_compiles=1)
    assert d.failing


def test_not_jitted() -> None:
    (d,) = diagnose(run(case(), entry_jitted=False), require_jit=True)
    assert (d.kind, d.failing) == ("not-jitted", True)
    assert diagnose(run(case(), entry_jitted=False)) == []
    assert diagnose(run(case(), entry_jitted=None), require_jit=True) == []
    assert diagnose(run(case(), entry_jitted=True), require_jit=True) == []


def test_order_most_important_first() -> None:
    report = run(
        case(jit_output="JitTracer(float32[])"),
        case(match=False, steady=1),
        case(expected_ok=False),
        case(jit=SHAPE_ERROR),
        case(jit=BOOL_ERROR),
        error=ErrorInfo(type="Crash", message="worker died", kind="worker-crashed"),
        compiles=9,
        entry_jitted=False,
    )
    diagnoses = diagnose(report, max_compiles=2, require_jit=True, forbid_tracer_print=True)
    assert kinds(diagnoses) == [
        "worker-crashed",
        "shape-from-tracer",
        "tracer-bool",
        "wrong-value",
        "mismatch",
        "recompiles",
        "not-jitted",
        "print-in-jit",
    ]
    assert all(d.failing for d in diagnoses)


def test_diagnose_works_on_a_decoded_report() -> None:
    report = run(case(jit=BOOL_ERROR), case(match=False))
    decoded = from_dict(RunReport, to_dict(report))
    assert kinds(diagnose(decoded)) == ["tracer-bool", "mismatch"]


def test_every_silent_kind_can_be_found() -> None:
    report = run(
        case(match=False, steady=1, jit_output="JitTracer(float32[])"), case(expected_ok=False), entry_jitted=False
    )
    found = set(kinds(diagnose(report, require_jit=True)))
    assert set(SILENT_KINDS) <= found
