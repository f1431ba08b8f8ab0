"""Bad lesson packs and bad command lines, through the real CLI: one clear line each, never a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support import jittutor
from test_catalogue import lesson_yaml

pytestmark = pytest.mark.slow


@pytest.fixture
def bad_pack(tmp_path: Path) -> tuple[Path, Path]:
    """Two good lessons and one file for every way a lesson can be broken. Returns (pack, marker)."""
    pack = tmp_path / "pack"
    pack.mkdir()
    marker = tmp_path / "PWNED"

    def write(name: str, text: str) -> None:
        (pack / name).write_text(text, encoding="utf-8")

    write("good-a.yaml", lesson_yaml("good-a", 1, "Good A"))
    write("good-b.yaml", lesson_yaml("good-b", 2, "Good B"))
    write("zz-duplicate.yaml", lesson_yaml("good-a", 3, "Same id again"))
    write("syntax.yaml", lesson_yaml("syntax", 4).replace("title: A lesson", "title: [unclosed"))
    write("missing.yaml", "id: missing\ntitle: Missing fields\n")
    write("mistyped.yaml", lesson_yaml("mistyped", 5).replace("order: 5", "order: banana"))
    write("unknown-kind.yaml", lesson_yaml("unknown-kind", 6).replace("not-jitted", "tracer-boool"))
    evil = f'title: !!python/object/apply:os.system ["touch {marker}"]'
    write("evil.yaml", lesson_yaml("evil", 7).replace("title: A lesson", evil))
    (pack / "latin1.yaml").write_bytes(lesson_yaml("latin1", 8).replace("Text.", "Caf\xe9.").encode("latin-1"))
    write("huge.yaml", lesson_yaml("huge", 9) + "# " + "x" * (1 << 20) + "\n")
    return pack, marker


BROKEN = {
    "syntax.yaml": r"syntax\.yaml:3: invalid YAML",
    "missing.yaml": r"missing\.yaml(:\d+)?: entry: missing required field",
    "mistyped.yaml": r"mistyped\.yaml:3: order: expected an integer",
    "unknown-kind.yaml": r"unknown-kind\.yaml:\d+: starter_fails_with: unknown kind 'tracer-boool'; did you mean 'tracer-bool'",
    "evil.yaml": r"evil\.yaml:2: title: unsupported YAML tag !!python/object/apply:os\.system.*not executed",
    "latin1.yaml": r"latin1\.yaml:\d+: not valid UTF-8",
    "huge.yaml": r"huge\.yaml(:\d+)?: file is larger than 1 MiB",
    "duplicate": r"\.yaml:\d+: id: duplicate id 'good-a'",
}


def test_validate_names_every_broken_file_and_runs_nothing(bad_pack: tuple[Path, Path]) -> None:
    pack, marker = bad_pack
    out = jittutor("validate", str(pack))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    for name, pattern in BROKEN.items():
        assert re.search(pattern, out.stdout), f"{name}: no line matching {pattern!r} in\n{out.stdout}"
    for line in out.stdout.splitlines():
        if line.startswith(str(pack)):
            assert re.match(r"^\S+\.yaml(:\d+)?: ", line), line  # file[:line]: [field: ]message
    assert not marker.exists(), "the !!python tag was executed"


def test_list_shows_every_good_lesson_and_marks_the_broken(bad_pack: tuple[Path, Path]) -> None:
    pack, marker = bad_pack
    out = jittutor("list", "--lessons", str(pack))
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    assert "Good A" in out.stdout or "Same id again" in out.stdout  # one of the two files with id good-a
    assert "Good B" in out.stdout and "static-args" in out.stdout  # built-in lessons still there
    broken_lines = [line for line in out.stdout.splitlines() if "broken" in line]
    for name in ("syntax", "missing", "mistyped", "unknown-kind", "evil", "latin1", "huge"):
        assert any(f"{name}.yaml" in line for line in broken_lines), (name, broken_lines)
    data = json.loads(jittutor("list", "--json", "--lessons", str(pack)).stdout)
    ids = [row["id"] for row in data["lessons"]]
    assert "good-a" in ids and "good-b" in ids and "jit-basics" in ids
    assert len(data["broken"]) == 8
    assert not marker.exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("check", "static-args", "{missing}"), "no such file"),
        (("list", "--lessons", "{missing}"), "--lessons"),
        (("run", "{file}", "--entry", "f", "--args", ")"), "--args"),
        (("run", "{file}", "--entry", "f", "--args", "1", "--device", "banana"), "--device"),
    ],
    ids=["check-missing-file", "missing-lessons-dir", "unbalanced-args", "nonsense-device"],
)
def test_more_bad_usage_is_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    f = tmp_path / "f.py"
    f.write_text("def f(x):\n    return x\n")
    argv = [a.replace("{file}", str(f)).replace("{missing}", str(tmp_path / "nope")) for a in args]
    out = jittutor(*argv)
    assert out.returncode == 2, out.stdout + out.stderr
    assert needle in out.stderr and "Traceback" not in out.stderr
    # The "waiting for the worker" notice may come first on a loaded machine: it is not an error line.
    lines = [
        line
        for line in out.stderr.strip().splitlines()
        if not line.startswith(("jittutor: waiting for", "jittutor: the worker is ready"))
    ]
    assert len(lines) == 1, out.stderr


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_a_file_that_is_not_a_regular_file_is_refused_before_reading(tmp_path: Path, kind: str) -> None:
    """A FIFO would block, /dev/zero would never end: refused with one line naming the file, exit 2."""
    import os

    target = {"fifo": tmp_path / "pipe.py", "device": Path("/dev/zero"), "directory": tmp_path}[kind]
    if kind == "fifo":
        os.mkfifo(target)
    out = jittutor("check", "static-args", str(target), timeout=60)
    assert out.returncode == 2 and str(target) in out.stderr and "Traceback" not in out.stderr
    out = jittutor("run", str(target), "--entry", "f", "--args", "1", timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_lesson_packs_with_a_symlink_loop_and_a_fifo_list_them_as_broken(tmp_path: Path) -> None:
    import os

    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "loop.yaml").symlink_to("loop.yaml")
    os.mkfifo(pack / "pipe.yaml")
    out = jittutor("validate", str(pack), timeout=60)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "loop.yaml: cannot read the file" in out.stdout and "pipe.yaml: is a FIFO" in out.stdout
    listed = jittutor("list", "--lessons", str(pack), timeout=60)
    assert listed.returncode == 0 and "broken: pack/pipe.yaml" in listed.stdout.replace(str(tmp_path) + "/", "")


def test_a_home_that_is_a_file_says_nothing_will_be_saved(tmp_path: Path) -> None:
    from support import worker_env

    home = tmp_path / "home-file"
    home.write_text("not a directory")
    student = tmp_path / "mine.py"
    student.write_text("import jax\n\n\ndef cond_func(x):\n    return x\n")
    out = jittutor("check", "static-args", str(student), env=worker_env(JITTUTOR_HOME=str(home)), timeout=180)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert f"{home}: is a file, not a directory; progress, hints and drafts will not be saved" in out.stderr


def test_non_utf8_on_stdin_is_a_clean_usage_error() -> None:
    """Bytes that are not UTF-8 on stdin (`run -`) get the same clean message as such a file, exit 2."""
    import subprocess
    import sys

    from support import REPO, worker_env

    done = subprocess.run(
        [sys.executable, "-m", "jittutor", "run", "-", "--entry", "f", "--args", "1"],
        input=b"def f(x):\n    return x  # caf\xe9\n",
        capture_output=True,
        env=worker_env(),
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 2
    assert b"standard input: not UTF-8" in done.stderr and b"Traceback" not in done.stderr
