"""Instructor packs: ``jittutor new`` writes a working lesson; ``validate --contract`` runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import jittutor

from jittutor.lessons.scaffold import ScaffoldError, lesson_skeleton, new_lesson
from jittutor.lessons.validate import load_lesson


def test_the_skeleton_is_a_valid_lesson(tmp_path: Path) -> None:
    path = new_lesson("relu-gate", tmp_path / "pack", title="ReLU: a gate")
    lesson = load_lesson(path)
    assert lesson.id == "relu-gate" and lesson.title == "ReLU: a gate"
    assert lesson.entry == "relu_gate"
    assert lesson.starter_fails_with == "tracer-bool"
    assert lesson.docs.startswith("https://docs.jax.dev/")


def test_new_refuses_to_overwrite_and_bad_ids(tmp_path: Path) -> None:
    new_lesson("one", tmp_path)
    before = (tmp_path / "one.yaml").read_text()
    with pytest.raises(ScaffoldError, match="already exists"):
        new_lesson("one", tmp_path)
    assert (tmp_path / "one.yaml").read_text() == before
    (tmp_path / "two.yml").write_text("id: two\n")
    with pytest.raises(ScaffoldError, match="two.yml already exists"):
        new_lesson("two", tmp_path)
    for bad in ("Has_Caps", "-dash", "sp ace", "../escape"):
        with pytest.raises(ScaffoldError, match="not a lesson id"):
            new_lesson(bad, tmp_path)
    assert "entry: f\n" in lesson_skeleton("9lives")


def test_new_from_the_command_line(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    out = jittutor("new", "my-first", "--dir", str(pack))
    assert out.returncode == 0, out.stderr
    assert (pack / "my-first.yaml").exists()
    assert "validate" in out.stdout
    again = jittutor("new", "my-first", "--dir", str(pack))
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr
    assert jittutor("new", "Bad_Id", "--dir", str(pack)).returncode == 2


@pytest.mark.slow
def test_new_then_validate_contract_passes(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    assert jittutor("new", "gate-one", "--dir", str(pack)).returncode == 0
    assert jittutor("new", "gate-two", "--dir", str(pack), "--order", "5").returncode == 0
    assert jittutor("validate", str(pack)).returncode == 0
    out = jittutor("validate", str(pack), "--contract")
    assert out.returncode == 0, out.stdout + out.stderr
    lines = [line for line in out.stdout.splitlines() if line.startswith(("ok", "FAIL"))]
    assert lines == [
        "ok   gate-two: starter fails with tracer-bool, solution passes",
        "ok   gate-one: starter fails with tracer-bool, solution passes",
    ]
    # The pack is usable by students at once.
    listing = json.loads(jittutor("--lessons", str(pack), "list", "--json").stdout)
    assert {"gate-one", "gate-two"} <= {row["id"] for row in listing["lessons"]}
    check = jittutor("check", "gate-one", "--lessons", str(pack), "--starter", "--json")
    assert check.returncode == 1 and json.loads(check.stdout)["diagnosis"][0] == "tracer-bool"


@pytest.mark.slow
def test_validate_contract_reports_each_broken_promise(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    good = new_lesson("fine", pack)
    text = good.read_text()
    solution = text[text.index("solution: |") + len("solution: |") : text.index("# The diagnosis kind")]
    starter = text[text.index("starter: |") + len("starter: |") : text.index("# Your reference answer")]
    # The starter is already the answer: it passes.
    (pack / "too-easy.yaml").write_text(text.replace("id: fine", "id: too-easy").replace(starter, solution + "\n"))
    # The solution is the broken starter: it fails.
    (pack / "broken-answer.yaml").write_text(text.replace("id: fine", "id: broken-answer").replace(solution, starter))
    # It fails, but not with the kind it declares.
    (pack / "wrong-kind.yaml").write_text(
        text.replace("id: fine", "id: wrong-kind").replace(
            "starter_fails_with: tracer-bool", "starter_fails_with: dynamic-shape"
        )
    )
    out = jittutor("validate", str(pack), "--contract")
    assert out.returncode == 1, out.stdout + out.stderr
    by_id = {line.split()[1].rstrip(":"): line for line in out.stdout.splitlines() if line.startswith(("ok", "FAIL"))}
    assert by_id["fine"].startswith("ok")
    assert by_id["too-easy"].startswith("FAIL") and "the starter passes" in by_id["too-easy"]
    assert (
        by_id["broken-answer"].startswith("FAIL")
        and "the solution does not pass (tracer-bool" in by_id["broken-answer"]
    )
    assert "fails with tracer-bool, but the lesson declares dynamic-shape" in by_id["wrong-kind"]
    assert "3 of 4 lesson(s) break the contract" in out.stderr


def test_validate_contract_does_not_run_invalid_lessons(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("id: bad\ntitle: 3\n")
    out = jittutor("validate", str(tmp_path), "--contract")
    assert out.returncode == 1
    assert "bad.yaml:" in out.stdout and "ok " not in out.stdout
