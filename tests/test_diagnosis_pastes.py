"""``explain_text`` on what people paste, for every kind and JAX wording.

The pastes live in ``tests/data/tracebacks/``; ``pastes.yaml`` there says, for
each one, the JAX releases its wording comes from and what ``explain`` must
find: the kind, the exception class and the student's own frame.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jittutor.diagnosis import TRACING_KINDS, explain_text
from jittutor.diagnosis.explain import CUT_SHORT, NOTHING_RECOGNISED

TRACEBACKS = Path(__file__).parent / "data" / "tracebacks"
PASTES: dict[str, dict[str, object]] = yaml.safe_load((TRACEBACKS / "pastes.yaml").read_text(encoding="utf-8"))


def read(name: str) -> str:
    # Bytes, so CRLF line ends and ANSI escapes reach the parser unchanged.
    return (TRACEBACKS / name).read_bytes().decode("utf-8")


def test_every_paste_is_described() -> None:
    assert sorted(p.name for p in TRACEBACKS.glob("*.txt")) == sorted(PASTES)


def test_pastes_cover_every_tracing_kind() -> None:
    assert set(TRACING_KINDS) <= {str(p["kind"]) for p in PASTES.values()}


@pytest.mark.parametrize("name", sorted(PASTES), ids=[f"{PASTES[n]['kind']}:{n}" for n in sorted(PASTES)])
def test_paste(name: str) -> None:
    want = PASTES[name]
    result = explain_text(read(name))
    assert result.kind == want["kind"], result.message
    assert result.type == want["type"]
    assert result.found is want.get("found", True)
    if want["filename"] is None:
        assert result.filename is None
    else:
        assert result.filename is not None and result.filename.endswith(str(want["filename"]))
    assert (result.line, result.code) == (want["line"], want["code"])


@pytest.mark.parametrize("name", sorted(PASTES))
def test_student_frame_is_never_jax(name: str) -> None:
    filename = explain_text(read(name)).filename or ""
    assert "site-packages" not in filename and "jax/_src" not in filename and "dist-packages" not in filename


@pytest.mark.parametrize("name", sorted(PASTES))
def test_message_is_clean(name: str) -> None:
    message = explain_text(read(name)).message
    assert "\x1b" not in message and "[0m" not in message
    for noise in ("For simplicity, JAX has removed", "srun:", "slurmstepd", "wandb:", "[2025-", "The above exception"):
        assert noise not in message


def test_cut_pastes_say_they_are_cut() -> None:
    assert explain_text(read("ipython8_header_cut_boolmask.txt")).message == CUT_SHORT
    assert explain_text(read("cut_end_frames_only.txt")).message == CUT_SHORT


def test_text_without_an_error_is_told_apart() -> None:
    result = explain_text(read("not_an_error_train_log.txt"))
    assert (result.found, result.message) == (False, NOTHING_RECOGNISED)
    for text in ["", "hello", "Traceback (most recent call last):", "Epoch 3/3 loss=0.5"]:
        assert explain_text(text).found is False
    assert explain_text("NameError: name 'x' is not defined").found is True
    assert explain_text("The problem arose with the bool function.").found is True


def test_chain_keeps_the_telling_link_when_the_final_error_is_generic() -> None:
    # The last link is JAX's generic ConcretizationTypeError; an earlier one says more.
    text = (
        "Traceback (most recent call last):\n"
        '  File "/home/a/p.py", line 3, in f\n'
        "    return jnp.nonzero(x)\n"
        "jax.errors.ConcretizationTypeError: Abstract tracer value encountered where concrete value is expected: "
        "traced array with shape bool[3]\n"
        "The size argument of jnp.nonzero must be statically specified to use jnp.nonzero within JAX transformations.\n"
        "\nThe above exception was the direct cause of the following exception:\n\n"
        "Traceback (most recent call last):\n"
        '  File "/home/a/p.py", line 9, in <module>\n'
        "    g(x)\n"
        "jax.errors.ConcretizationTypeError: Abstract tracer value encountered where concrete value is expected: "
        "traced array with shape bool[3]\n"
    )
    result = explain_text(text)
    assert result.kind == "dynamic-shape"
    assert result.line == 3


def test_python_unhashable_outside_jax_is_a_plain_error() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/home/a/cache.py", line 4, in <module>\n'
        "    seen = {[1, 2]: 3}\n"
        "TypeError: unhashable type: 'list'\n"
    )
    assert explain_text(text).kind == "exception"


def test_traced_axis_from_jax_frames_without_the_students_line() -> None:
    # Only JAX's innermost line says "axis"; the class alone would say tracer-index.
    text = (
        '  File "/venv/lib/python3.11/site-packages/jax/_src/numpy/reductions.py", line 1808, in _cumulative_reduction\n'
        "    axis = _canonicalize_axis(axis, num_dims)\n"
        "jax.errors.TracerIntegerConversionError: The __index__() method was called on traced array with shape int32[]\n"
    )
    assert explain_text(text).kind == "static-axis"
    assert explain_text(text.split("\n", 2)[2]).kind == "tracer-index"


def test_jax_frames_of_a_source_checkout_are_hidden() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/home/me/work/step.py", line 5, in step\n'
        "    if x > 0:\n"
        '  File "/home/me/src/jax/jax/core.py", line 549, in __bool__\n'
        "    def __bool__(self): return self.aval._bool(self)\n"
        '  File "/home/me/src/jax/jax/interpreters/partial_eval.py", line 120, in error\n'
        "    raise ConcretizationTypeError(msg)\n"
        "jax.core.ConcretizationTypeError: Abstract tracer value encountered where concrete value is expected: "
        "Traced<ShapedArray(bool[])>with<DynamicJaxprTrace(level=0/1)>\nThe problem arose with the `bool` function.\n"
    )
    result = explain_text(text)
    assert (result.kind, result.filename, result.line, result.code) == (
        "tracer-bool",
        "/home/me/work/step.py",
        5,
        "if x > 0:",
    )


def test_a_students_own_jax_folder_is_not_hidden() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/home/me/jax/train.py", line 7, in step\n'
        "    n = int(x)\n"
        "jax.errors.ConcretizationTypeError: Abstract tracer value encountered where concrete value is expected: "
        "traced array with shape int32[]\nThe problem arose with the `int` function.\n"
    )
    result = explain_text(text)
    assert (result.kind, result.filename, result.line) == ("tracer-cast", "/home/me/jax/train.py", 7)
