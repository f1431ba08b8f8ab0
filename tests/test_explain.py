"""``explain_text``: pasted tracebacks and error text -> kind, message and the student's line."""

from __future__ import annotations

import random
import traceback
from pathlib import Path

import jax
import pytest

from jittutor.diagnosis import Explanation, explain_text, kind_info
from jittutor.diagnosis.explain import NOTHING_RECOGNISED, clean_text

TRACEBACKS = Path(__file__).parent / "data" / "tracebacks"


def read(name: str) -> str:
    # Bytes, so CRLF line ends and ANSI escapes reach the parser unchanged.
    return (TRACEBACKS / name).read_bytes().decode("utf-8")


# file -> kind, exception type, student's file (suffix), line, code
PASTED = [
    ("jax010_bool.txt", "tracer-bool", "TracerBoolConversionError", "project/train.py", 8, "if x.sum() > threshold:"),
    ("jax010_shapes.txt", "shape-from-tracer", "TypeError", "project/shapes.py", 6, "return jnp.zeros((n, 2))"),
    (
        "jax010_chained_static.txt",
        "unhashable-static",
        "ValueError",
        "project/wrap.py",
        13,
        "return scale(x, [2.0, 3.0])",
    ),
    ("ipython8_ansi_bool.txt", "tracer-bool", "TracerBoolConversionError", "Cell In[4]", 5, "if x > 0:"),
    (
        "ipython7_jax03_bool.txt",
        "tracer-bool",
        "ConcretizationTypeError",
        "<ipython-input-7-3b4e5c6d7e8f>",
        5,
        "if x > 0:",
    ),
    (
        "jax02_unfiltered_index.txt",
        "tracer-index",
        "TracerIntegerConversionError",
        "project/loop.py",
        7,
        "for i in range(n):",
    ),
    (
        "batch_log_oom.txt",
        "out-of-memory",
        "XlaRuntimeError",
        "exp/train.py",
        97,
        'logits = model.apply(params, batch["image"])',
    ),
    ("syntax_error.txt", "syntax-error", "SyntaxError", "project/model.py", 4, "def predict(params, x)"),
]


@pytest.mark.parametrize(("name", "kind", "type_name", "filename", "line", "code"), PASTED, ids=[p[0] for p in PASTED])
def test_pasted_traceback(name: str, kind: str, type_name: str, filename: str, line: int, code: str) -> None:
    result = explain_text(read(name))
    assert isinstance(result, Explanation)
    assert result.kind == kind
    assert result.type == type_name
    assert result.filename is not None and result.filename.endswith(filename)
    assert result.line == line
    assert result.code == code
    info = kind_info(kind)
    assert (result.title, result.explanation, result.hints, result.docs) == (
        info.title,
        info.explanation,
        list(info.hints),
        info.docs,
    )
    assert "\x1b" not in result.message and "[0m" not in result.message
    assert "For simplicity, JAX has removed" not in result.message
    assert "----" not in result.message


def test_message_keeps_the_exceptions_own_lines() -> None:
    result = explain_text(read("jax010_bool.txt"))
    assert result.message.startswith("Attempted boolean conversion of traced array with shape bool[].")
    assert result.message.endswith("#jax.errors.TracerBoolConversionError")
    assert "depends on the values of the arguments x and threshold" in result.message


def test_chained_wrapper_points_at_the_cause() -> None:
    # The last exception ("RuntimeError: step failed") says nothing; its cause does.
    result = explain_text(read("jax010_chained_static.txt"))
    assert result.message.startswith("Non-hashable static arguments are not supported")
    assert "TypeError: unhashable type: 'list'" in result.message


def test_unfiltered_stack_trace_is_unwrapped() -> None:
    text = read("jax02_unfiltered_index.txt")
    first_block = text.split("The above exception")[0]
    result = explain_text(first_block)
    assert (result.kind, result.type) == ("tracer-index", "TracerIntegerConversionError")
    assert result.message.startswith("The __index__() method was called")
    assert "The stack trace below excludes" not in result.message


def test_live_traceback_from_this_jax() -> None:
    def student(x: jax.Array) -> jax.Array:
        if x < 0:
            return -x
        return x

    try:
        jax.jit(student)(1.0)
    except Exception as exc:  # noqa: BLE001
        text = "".join(traceback.format_exception(exc))
    else:
        raise AssertionError("expected a tracer-bool error")
    result = explain_text(text)
    assert result.kind == "tracer-bool"
    assert result.filename is not None and result.filename.endswith("test_explain.py")
    assert result.code == "if x < 0:"


@pytest.mark.parametrize(
    ("text", "kind", "type_name"),
    [
        (
            "jax.errors.TracerBoolConversionError: Attempted boolean conversion of traced array with shape bool[].",
            "tracer-bool",
            "TracerBoolConversionError",
        ),
        (
            "TypeError: Shapes must be 1D sequences of concrete values of integer type, got (JitTracer(~int32[]), 2).",
            "shape-from-tracer",
            "TypeError",
        ),
        ("  IndexError: Array boolean indices must be concrete; got bool[3]\n", "bool-mask", "IndexError"),
        ("Attempted boolean conversion of traced array with shape bool[].", "tracer-bool", None),
        (
            "Slice entries must be static integers. Got slice(JitTracer(~int32[]), None, None) at position 0",
            "dynamic-slice",
            None,
        ),
        ("MemoryError", "out-of-memory", "MemoryError"),
        ("NameError: name 'jnp' is not defined", "exception", "NameError"),
        ("Exception: boom", "exception", "Exception"),
    ],
)
def test_bare_error_text(text: str, kind: str, type_name: str | None) -> None:
    result = explain_text(text)
    assert (result.kind, result.type) == (kind, type_name)
    assert result.line is None and result.filename is None and result.code is None
    assert result.message or text == result.type


def test_bare_text_whose_only_exception_line_is_inside_the_message() -> None:
    text = (
        "Non-hashable static arguments are not supported. An error occurred while trying to hash an object of type "
        "<class 'list'>, [1, 2]. The error was:\nTypeError: unhashable type: 'list'\n"
    )
    result = explain_text(text)
    assert result.kind == "unhashable-static"
    assert result.message.startswith("Non-hashable")


@pytest.mark.parametrize(
    "text", ["", "   \n\t\n", "hello world", "Traceback (most recent call last):", "\x00\xff" * 50, "\x1b[0;31m\x1b[0m"]
)
def test_nothing_recognised(text: str) -> None:
    result = explain_text(text)
    assert result.kind == "exception"
    assert result.message == NOTHING_RECOGNISED
    assert result.title == kind_info("exception").title


def test_not_a_string_does_not_raise() -> None:
    assert explain_text(None).kind == "exception"  # type: ignore[arg-type]


def test_frames_only_in_libraries_give_no_student_line() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python3.11/site-packages/jax/_src/core.py", line 10, in f\n'
        "    raise TypeError(msg)\n"
        "TypeError: Shapes must be 1D sequences of concrete values of integer type, got (JitTracer(int32[]),).\n"
    )
    result = explain_text(text)
    assert result.kind == "shape-from-tracer"
    assert result.line is None and result.filename is None


def test_orphaned_colour_codes_are_removed() -> None:
    assert clean_text("[0;31mTypeError[0m: x\r\n") == "TypeError: x\n"


def test_huge_and_odd_input_is_handled() -> None:
    assert explain_text("ValueError: x\n" * 20_000).kind == "exception"
    assert explain_text("JitTracer(" * 20_000).kind == "exception"
    big = "x = 1\n" * 100_000 + read("jax010_bool.txt")
    assert explain_text(big).kind == "tracer-bool"


def test_never_raises_on_random_input() -> None:
    pieces = [
        "Traceback (most recent call last):\n",
        '  File "a.py", line 3, in f\n',
        "File ~/x.py:12, in g(x)\n",
        "Cell In[2], line 7\n",
        "----> 7 if x:\n",
        "<ipython-input-1-a> in f(x)\n",
        "TypeError: ",
        "jax.errors.ConcretizationTypeError: ",
        "Abstract tracer value encountered",
        "JitTracer(int32[])",
        "Traced<ShapedArray(",
        "--------------------\n",
        "\x1b[0;31m",
        "[1;32m",
        "    ^^^^\n",
        "\n",
        ":",
        "(",
        ")",
        "é",
        "\x00",
    ]
    rng = random.Random(1234)
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        result = explain_text(text)
        assert result.kind
        assert result.hints


def test_a_student_folder_named_jax_is_still_the_students() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/home/me/jax/course/step.py", line 4, in step\n'
        "    return jnp.zeros(n)\n"
        '  File "/home/me/src/jax/jax/_src/numpy/array_creation.py", line 92, in zeros\n'
        "    shape = canonicalize_shape(shape)\n"
        "TypeError: Shapes must be 1D sequences of concrete values of integer type, got (JitTracer(int32[]),).\n"
    )
    result = explain_text(text)
    assert (result.filename, result.line, result.code) == ("/home/me/jax/course/step.py", 4, "return jnp.zeros(n)")
