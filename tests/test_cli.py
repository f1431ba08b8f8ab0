"""The headless CLI as a user runs it: subprocesses, exit codes, JSON shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import jittutor

SOLVED_STATIC_ARGS = """
import jax
from functools import partial

@partial(jax.jit, static_argnames="x")
def cond_func(x):
    if x < 0.0:
        return x ** 2.0
    else:
        return x ** 3.0
"""


def test_version_is_fast_and_plain() -> None:
    out = jittutor("--version")
    assert out.returncode == 0
    assert out.stdout.startswith("jittutor ")


def test_list_text_and_json() -> None:
    out = jittutor("list")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "jit-basics" in lines[0] and "[ ]" in lines[0]
    data = json.loads(jittutor("list", "--json").stdout)
    ids = [row["id"] for row in data["lessons"]]
    assert ids[:3] == ["jit-basics", "static-args", "static-ops"]
    assert data["broken"] == []


def test_show() -> None:
    out = jittutor("show", "static-args")
    assert out.returncode == 0
    assert "cond_func" in out.stdout and "https://docs.jax.dev" in out.stdout


@pytest.mark.parametrize("args", [("show", "nope"), ("check", "nope", "--starter")])
def test_unknown_lesson_is_exit_2_without_traceback(args: tuple[str, ...]) -> None:
    out = jittutor(*args)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "nope" in out.stderr


def test_check_starter_fails_with_the_declared_kind_and_hints() -> None:
    out = jittutor("check", "static-args", "--starter", "--json")
    assert out.returncode == 1, out.stderr
    data = json.loads(out.stdout)
    assert data["passed"] is False
    assert data["diagnosis"][0] == "tracer-bool"
    assert data["device"] == "cpu:0"
    assert data["jax_version"]
    assert any("static_arg" in h for h in data["hints"])
    case = data["cases"][0]
    assert case["eager"]["ok"] is True
    assert case["jit"]["ok"] is False
    err = case["jit"]["error"]
    assert err["kind"] == "tracer-bool"
    assert err["type"] == "TracerBoolConversionError"
    assert err["line"] is not None and "if" in err["code"]
    assert case["match"] is None


def test_check_text_output_shows_error_beside_hints() -> None:
    out = jittutor("check", "static-args", "--starter")
    assert out.returncode == 1
    assert "TracerBoolConversionError" in out.stdout
    assert "hints" in out.stdout
    assert "line" in out.stdout


def test_check_a_file_on_a_chosen_device_and_progress(tmp_path: Path) -> None:
    student = tmp_path / "mine.py"
    student.write_text(SOLVED_STATIC_ARGS)
    out = jittutor("check", "static-args", str(student), "--device", "cpu:1", "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    data = json.loads(out.stdout)
    assert data["passed"] is True
    assert data["device"] == "cpu:1"
    for case in data["cases"]:
        assert case["match"] is True
        # With x static, eager returns a Python float (no device); jit returns an array.
        assert case["jit"]["summary"]["device"] == "cpu:1"
        assert case["jit"]["compile_seconds"] > 0
        assert case["eager"]["seconds"] > 0 and case["jit"]["seconds"] > 0
    listing = json.loads(jittutor("list", "--json").stdout)
    status = {row["id"]: row["status"] for row in listing["lessons"]}
    assert status["static-args"] == "done"


def test_check_uses_the_saved_draft(jittutor_home: Path) -> None:
    drafts = jittutor_home / "drafts"
    drafts.mkdir(parents=True)
    (drafts / "static-args.py").write_text(SOLVED_STATIC_ARGS)
    out = jittutor("check", "static-args")
    assert out.returncode == 0, out.stdout
    assert "your saved draft" in out.stdout


def test_unavailable_device_lists_what_exists() -> None:
    out = jittutor("check", "static-args", "--solution", "--device", "cuda:0")
    assert out.returncode == 2
    assert "cuda:0" in out.stderr and "cpu:0" in out.stderr and "cpu:1" in out.stderr
    assert "AssertionError" not in out.stderr and "Traceback" not in out.stderr


def test_run_any_function(tmp_path: Path) -> None:
    src = tmp_path / "f.py"
    src.write_text("import jax.numpy as jnp\ndef f(x, n):\n    return jnp.sum(x) * n\n")
    out = jittutor("run", str(src), "--entry", "f", "--args", "jnp.ones(3), 2", "--args", "jnp.ones(4), 3", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert [c["match"] for c in data["cases"]] == [True, True]
    assert data["compiles"] == 2
    assert data["cases"][0]["args"] == "jnp.ones(3), 2"


def test_run_reports_a_tracer_error_with_exit_1(tmp_path: Path) -> None:
    src = tmp_path / "f.py"
    src.write_text("import jax.numpy as jnp\ndef f(n):\n    return jnp.arange(n)\n")
    out = jittutor("run", str(src), "--entry", "f", "--args", "3", "--json")
    assert out.returncode == 1
    data = json.loads(out.stdout)
    assert data["diagnosis"][0] == "dynamic-shape"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("run", "missing.py", "--entry", "f", "--args", "1"), "missing.py: no such file"),
        (("run", "{file}", "--entry", "f", "--args", "1,,2"), "--args"),
        (("run", "{file}", "--entry", "not a name", "--args", "1"), "--entry"),
        (("check", "static-args", "--solution", "--timeout", "0"), "--timeout"),
        (("run", "{file}", "--entry", "f", "--args", "1", "--device", "tpu:3"), "--device"),
    ],
)
def test_bad_usage_is_one_clear_line_and_exit_2(tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    f = tmp_path / "f.py"
    f.write_text("def f(x):\n    return x\n")
    out = jittutor(*[a.replace("{file}", str(f)) for a in args])
    assert out.returncode == 2, out.stdout + out.stderr
    assert needle in out.stderr
    assert "Traceback" not in out.stderr


def test_run_with_a_timeout(tmp_path: Path) -> None:
    f = tmp_path / "loop.py"
    f.write_text("def f(x):\n    while True:\n        x = x + 1\n")
    out = jittutor("run", str(f), "--entry", "f", "--args", "1", "--timeout", "1", "--json")
    assert out.returncode == 1
    data = json.loads(out.stdout)
    assert data["diagnosis"][0] == "timeout"
    assert data["error"]["kind"] == "timeout"


def test_explain_pasted_traceback() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/home/me/train.py", line 12, in <module>\n'
        "    step(params, batch)\n"
        '  File "/home/me/train.py", line 7, in step\n'
        "    if loss > 0:\n"
        "jax.errors.TracerBoolConversionError: Attempted boolean conversion of traced array with shape bool[].\n"
    )
    out = jittutor("explain", "--json", input=text)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["kind"] == "tracer-bool"
    assert data["type"] == "TracerBoolConversionError"
    assert data["line"] == 7
    assert len(data["hints"]) >= 2
    human = jittutor("explain", input=text)
    assert "tracer-bool" in human.stdout and "hints" in human.stdout


def test_devices() -> None:
    data = json.loads(jittutor("devices", "--json").stdout)
    assert [d["name"] for d in data["devices"]] == ["cpu:0", "cpu:1"]
    assert data["jax_version"]
    text = jittutor("devices").stdout
    assert "cpu:1" in text


def test_validate_good_and_bad(tmp_path: Path) -> None:
    assert jittutor("validate").returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: 3\n")
    out = jittutor("validate", str(tmp_path))
    assert out.returncode == 1
    assert "bad.yaml:" in out.stdout
    assert jittutor("validate", str(tmp_path / "nope")).returncode == 2


def test_explain_says_when_the_input_holds_no_error() -> None:
    out = jittutor("explain", input="Epoch 1/3 loss=0.9\nEpoch 2/3 loss=0.7\n")
    assert out.returncode == 1
    assert out.stderr.strip() == "no Python error found in the input" and out.stdout == ""
    out = jittutor("explain", "--json", input="Epoch 1/3 loss=0.9\n")
    assert out.returncode == 1 and '"found": false' in out.stdout
