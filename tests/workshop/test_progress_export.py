"""``jittutor progress``: a student's export, written to a shared directory, merged by an instructor."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from support import jittutor, worker_env

from jittutor.lessons.catalogue import load_catalogue
from jittutor.state.export import collect, export_filename, export_progress, iso_utc, write_export
from jittutor.state.store import State

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SOLVED = "import jax\n\ndef cond_func_impl(x):\n    return x ** 2.0 if x < 0.0 else x ** 3.0\n\ncond_func = jax.jit(cond_func_impl, static_argnums=(0,))\n"


def _some_progress(home: Path) -> None:
    state = State.load(home)
    state.record_attempt("static-args", False, "cpu:0", "0.10.2")
    state.record_attempt("static-args", True, "cpu:1", "0.10.2")
    state.record_hint("jit-basics", 2)


def test_iso_utc() -> None:
    assert iso_utc(0) == "1970-01-01T00:00:00Z"
    assert iso_utc(None) is None


def test_export_covers_every_lesson(jittutor_home: Path) -> None:
    _some_progress(jittutor_home)
    catalogue = load_catalogue()
    data = export_progress(State.load(jittutor_home), catalogue, user="ada", host="node1")
    assert data["user"] == "ada" and data["host"] == "node1" and data["jittutor_progress"] == 1
    assert [e["lesson"] for e in data["lessons"]] == catalogue.ids()
    by_id = {e["lesson"]: e for e in data["lessons"]}
    done = by_id["static-args"]
    assert done["status"] == "done" and done["attempts"] == 2 and done["device"] == "cpu:1"
    assert done["jax_version"] == "0.10.2"
    assert ISO.match(done["first_attempt"]) and ISO.match(done["last_attempt"]) and ISO.match(done["passed_at"])
    assert by_id["jit-basics"]["hints_used"] == 2 and by_id["jit-basics"]["status"] == "in-progress"
    assert by_id["static-ops"] == {**by_id["static-ops"], "status": "not-started", "attempts": 0, "first_attempt": None}


def test_progress_json_csv_and_text(jittutor_home: Path) -> None:
    _some_progress(jittutor_home)
    data = json.loads(jittutor("progress", "--json").stdout)
    assert data["user"] and data["host"]
    assert any(e["lesson"] == "static-args" and e["status"] == "done" for e in data["lessons"])
    out = jittutor("progress", "--csv")
    assert out.returncode == 0
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(rows[0]) == [
        "user", "host", "lesson", "title", "status", "attempts", "hints_used",
        "first_attempt", "last_attempt", "passed_at", "jax_version", "device",
        "student", "last_failure",
    ]  # fmt: skip
    assert len(rows) == len(load_catalogue())
    text = jittutor("progress").stdout
    assert "static-args" in text and "1 of" in text and "lessons done" in text


def test_progress_dir_writes_the_students_file(tmp_path: Path, jittutor_home: Path) -> None:
    _some_progress(jittutor_home)
    shared = tmp_path / "shared"
    out = jittutor("progress", "--progress-dir", str(shared))
    assert out.returncode == 0, out.stderr
    files = list(shared.glob("*.json"))
    assert len(files) == 1 and "@" in files[0].name
    data = json.loads(files[0].read_text())
    assert files[0].name == export_filename(data["student"]) == f"{data['user']}@{data['host']}+{data['home_id']}.json"
    assert "wrote" in out.stderr
    # The environment variable does the same.
    again = jittutor("progress", env=worker_env(JITTUTOR_PROGRESS_DIR=str(tmp_path / "other")))
    assert again.returncode == 0 and len(list((tmp_path / "other").glob("*.json"))) == 1
    assert not list(shared.glob(".*"))  # no temporary files left behind


def test_export_filename_is_safe() -> None:
    assert export_filename("ada", "node1.cluster") == "ada@node1.cluster.json"
    assert export_filename("Ada L.") == "Ada_L..json"
    assert "/" not in export_filename("../../etc", "a/b") and not export_filename("../x").startswith(".")


def test_collect_merges_a_room(tmp_path: Path, jittutor_home: Path) -> None:
    _some_progress(jittutor_home)
    shared = tmp_path / "shared"
    catalogue = load_catalogue()
    write_export(shared, export_progress(State.load(jittutor_home), catalogue, user="ada", host="node1"))
    write_export(shared, export_progress(State.load(tmp_path / "empty-home"), catalogue, user="bob", host="node2"))
    (shared / "notes.json").write_text('{"hello": 1}')
    (shared / "broken.json").write_text("{not json")
    (shared / ".ada@node1.json.x.tmp").write_text("partial")
    collection = collect(shared)
    assert [s["user"] for s in collection.students] == ["ada", "bob"]
    assert all(s["student"].startswith(f"{s['user']}@{s['host']}+") for s in collection.students)
    assert len(collection.problems) == 2

    out = jittutor("progress", "--collect", str(shared))
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    ada = next(line for line in lines if line.startswith("ada@node1+"))
    bob = next(line for line in lines if line.startswith("bob@node2+"))
    assert ada.split()[1] == "1" and bob.split()[1] == "0"
    assert "x" in ada.split()[2:] and "x" not in bob.split()[2:]
    assert out.stderr.count("skipped") == 2

    rows = list(csv.DictReader(io.StringIO(jittutor("progress", "--collect", str(shared), "--csv").stdout)))
    assert len(rows) == 2 * len(catalogue)
    assert {r["user"] for r in rows} == {"ada", "bob"}
    merged = json.loads(jittutor("progress", "--collect", str(shared), "--json").stdout)
    assert len(merged["students"]) == 2
    assert jittutor("progress", "--collect", str(tmp_path / "nope")).returncode == 2


@pytest.mark.slow
def test_a_check_refreshes_the_shared_file(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    mine = tmp_path / "mine.py"
    mine.write_text(SOLVED)
    out = jittutor("check", "static-args", str(mine), env=worker_env(JITTUTOR_PROGRESS_DIR=str(shared)))
    assert out.returncode == 0, out.stdout + out.stderr
    (exported,) = shared.glob("*.json")
    by_id = {e["lesson"]: e for e in json.loads(exported.read_text())["lessons"]}
    assert by_id["static-args"]["status"] == "done"


def test_publish_writes_only_when_a_directory_is_set(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from jittutor.config import load_settings
    from jittutor.lessons.catalogue import load_catalogue
    from jittutor.state.export import publish
    from jittutor.state.store import State

    state, catalogue = State.load(), load_catalogue()
    monkeypatch.delenv("JITTUTOR_PROGRESS_DIR", raising=False)
    assert publish(state, catalogue, load_settings().progress_dir) is None
    shared = tmp_path / "class"
    monkeypatch.setenv("JITTUTOR_PROGRESS_DIR", str(shared))
    state.record_attempt("static-args", True, "cpu:0", "0.10.2")
    path = publish(state, catalogue, load_settings().progress_dir)
    assert path is not None and path.parent == shared and path.suffix == ".json"
    assert '"static-args"' in path.read_text()
