"""The room: who a student is (a chosen name or USER@HOST+hash), exports that never overwrite another student, `jittutor class --csv/--json`."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from room_support import NOW, build_room, write_student
from support import REPO, jittutor, worker_env

from jittutor.config import load_settings
from jittutor.errors import ConfigError
from jittutor.lessons.catalogue import load_catalogue
from jittutor.present.classroom import clip, column_widths, idle_text, read_room, room_csv, room_document
from jittutor.state.export import ExportConflict, collect, export_progress, publish, write_export
from jittutor.state.identity import home_id, identity_for, save_student_name
from jittutor.state.store import State

ORDER = ["bob", "dee", "cy", "eve", "ada"]


# --- identity -------------------------------------------------------------------------


def test_two_homes_on_one_account_are_two_students(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JITTUTOR_STUDENT", raising=False)
    shared = tmp_path / "shared"
    catalogue = load_catalogue()
    paths = []
    for home in (tmp_path / "guest-1", tmp_path / "guest-2"):
        state = State.load(home)
        state.record_attempt("static-args", False, "cpu:0", "0.4.30", failure="tracer-bool")
        paths.append(publish(state, catalogue, shared))
    assert paths[0] != paths[1] and len(list(shared.glob("*.json"))) == 2
    exports = [json.loads(p.read_text()) for p in paths]  # type: ignore[union-attr]
    assert exports[0]["user"] == exports[1]["user"] and exports[0]["host"] == exports[1]["host"]
    assert exports[0]["home_id"] == home_id(tmp_path / "guest-1") != exports[1]["home_id"]
    assert exports[0]["student"] == f"{exports[0]['user']}@{exports[0]['host']}+{exports[0]['home_id']}"
    # A second attempt refreshes the student's own file, not a new one.
    state = State.load(tmp_path / "guest-1")
    state.record_attempt("static-args", True, "cpu:0", "0.4.30")
    assert publish(state, catalogue, shared) == paths[0]
    assert len(list(shared.glob("*.json"))) == 2


def test_a_chosen_name_from_the_environment_or_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("JITTUTOR_HOME", str(home))
    monkeypatch.delenv("JITTUTOR_STUDENT", raising=False)
    assert load_settings().student is None and not identity_for(home).chosen
    save_student_name(home, "  Ada   Lovelace ")
    assert load_settings().student == "Ada Lovelace" == identity_for(home).student
    monkeypatch.setenv("JITTUTOR_STUDENT", "ada-env")
    assert load_settings().student == "ada-env" == identity_for(home).student  # the variable wins
    monkeypatch.setenv("JITTUTOR_STUDENT", "\x1b[31m")
    with pytest.raises(ConfigError, match="JITTUTOR_STUDENT"):
        load_settings()


def test_config_name_sets_prints_and_clears(tmp_path: Path) -> None:
    env = worker_env(JITTUTOR_HOME=str(tmp_path / "home"))
    env.pop("JITTUTOR_STUDENT", None)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "settings.json").write_text('{"worker_cmd": "python -m jittutor.worker"}')
    before = jittutor("config", "name", env=env)
    assert before.returncode == 0 and "@" in before.stdout and "not chosen" in before.stderr
    out = jittutor("config", "name", "Ada L.", env=env)
    assert out.returncode == 0 and out.stdout.strip() == "Ada L." and "saved in" in out.stderr
    settings = json.loads((tmp_path / "home" / "settings.json").read_text())
    assert settings == {"worker_cmd": "python -m jittutor.worker", "student": "Ada L."}  # other keys kept
    assert jittutor("config", "name", env=env).stdout.strip() == "Ada L."
    bad = jittutor("config", "name", "   ", env=env)
    assert bad.returncode == 2 and "config name" in bad.stderr
    cleared = jittutor("config", "name", "--clear", env=env)
    assert cleared.returncode == 0 and "@" in cleared.stdout
    assert "student" not in json.loads((tmp_path / "home" / "settings.json").read_text())


def test_another_students_file_is_never_replaced(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    catalogue = load_catalogue()
    first = write_export(
        shared, export_progress(State.load(tmp_path / "a"), catalogue, identity=identity_for(tmp_path / "a", "sam"))
    )
    # Another home that chose the same name gets a file of its own.
    other = identity_for(tmp_path / "b", "sam")
    second = write_export(shared, export_progress(State.load(tmp_path / "b"), catalogue, identity=other))
    assert first.name == "sam.json" and second.name == f"sam~{other.home_id}.json"
    assert json.loads(first.read_text())["home_id"] == home_id(tmp_path / "a")
    # Both names taken by others: refused, naming the file; nothing replaced.
    squatter = {"jittutor_progress": 1, "student": "sam", "home_id": "000000", "lessons": []}
    (shared / f"sam~{home_id(tmp_path / 'c')}.json").write_text(json.dumps(squatter))
    with pytest.raises(ExportConflict, match=r"sam~[0-9a-f]+\.json: written for another student"):
        write_export(
            shared, export_progress(State.load(tmp_path / "c"), catalogue, identity=identity_for(tmp_path / "c", "sam"))
        )
    assert json.loads(first.read_text())["home_id"] == home_id(tmp_path / "a")
    # An older version's USER@HOST.json (no home_id) is someone else's too.
    (shared / "ada@node1.json").write_text(
        json.dumps({"jittutor_progress": 1, "user": "ada", "host": "node1", "lessons": []})
    )
    renamed = write_export(
        shared,
        export_progress(State.load(tmp_path / "d"), catalogue, identity=identity_for(tmp_path / "d", "ada@node1")),
    )
    assert renamed.name.startswith("ada@node1~") and (shared / "ada@node1.json").exists()


def test_a_renamed_student_keeps_one_file(tmp_path: Path) -> None:
    shared, home = tmp_path / "shared", tmp_path / "home"
    catalogue = load_catalogue()
    old = write_export(shared, export_progress(State.load(home), catalogue, identity=identity_for(home, "")))
    new = write_export(shared, export_progress(State.load(home), catalogue, identity=identity_for(home, "ada")))
    assert not old.exists() and [p.name for p in shared.glob("*.json")] == [new.name] == ["ada.json"]


def test_publish_reports_a_taken_name_as_a_file_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    monkeypatch.setenv("JITTUTOR_STUDENT", "sam")
    home = tmp_path / "home"
    for name in ("sam.json", f"sam~{home_id(home)}.json"):
        (shared / name).write_text("{not mine")
    with pytest.raises(OSError, match="not replaced"):  # the session turns OSError into a warning
        publish(State.load(home), load_catalogue(), shared)


def test_export_carries_what_the_room_needs(tmp_path: Path) -> None:
    room = build_room(tmp_path)
    bob = json.loads((room / "bob.json").read_text())
    assert bob["student"] == "bob" and bob["current_lesson"] == "static-args"
    entry = next(e for e in bob["lessons"] if e["lesson"] == "static-args")
    assert entry["last_failure"] == "tracer-bool" and entry["attempts"] == 3 and entry["hints_used"] == 2
    assert entry["status"] == "in-progress" and entry["last_attempt"].endswith("Z")
    assert json.loads((room / "eve.json").read_text())["current_lesson"] is None


def test_old_exports_are_still_collected(tmp_path: Path) -> None:
    room = build_room(tmp_path)
    old = json.loads((room / "bob.json").read_text())
    for key in ("student", "home_id", "current_lesson"):
        del old[key]
    for entry in old["lessons"]:
        del entry["last_failure"]
    (room / "bob.json").unlink()
    (room / "bob@node1.json").write_text(json.dumps({**old, "user": "bob", "host": "node1"}))
    assert "bob@node1" in [s["student"] for s in collect(room).students]
    row = next(r for r in read_room(room, NOW).students if r.student == "bob@node1")
    assert row.lesson == "static-args" and row.attempts == 3 and row.last_failure is None  # from the last attempt


# --- the room -------------------------------------------------------------------------------


def test_room_is_sorted_stuck_longest_first(tmp_path: Path) -> None:
    room = read_room(build_room(tmp_path), NOW)
    assert [s.student for s in room.students] == ORDER
    bob = room.students[0].cells(NOW)
    assert bob == {
        "student": "bob", "lesson": "static-args", "done": "0/25", "last_failure": "tracer-bool",
        "idle": "25m", "attempts": "3", "hints": "2",
    }  # fmt: skip
    assert room.students[-1].cells(NOW)["last_failure"] == "(passed)"
    assert len(room.problems) == 1 and "broken.json" in room.problems[0]


def test_two_files_with_one_name_are_told_apart(tmp_path: Path) -> None:
    room = build_room(tmp_path)
    write_student(room, tmp_path / "bob-2", "bob", {"jit-basics": [None]}, {"jit-basics": 1})
    names = sorted(s.student for s in read_room(room, NOW).students if s.student.startswith("bob"))
    assert names[0] == "bob (bob)" and names[1].startswith("bob (bob~")


def test_idle_text_widths_and_clipping(tmp_path: Path) -> None:
    assert [idle_text(m) for m in (None, 0, 59, 65, 60 * 24 * 3)] == ["-", "0m", "59m", "1h05", "3d"]
    room = read_room(build_room(tmp_path), NOW)
    cells = [s.cells(NOW) for s in room.students]
    wide = column_widths(200, cells)
    assert wide["lesson"] == len("static-args") and wide["last_failure"] == len("shape-mismatch")
    long_names = [{**c, "student": "guest@login-node-01+3f2a1c", "last_failure": "cond-branch-mismatch"} for c in cells]
    narrow = column_widths(78, long_names)
    assert sum(narrow.values()) + 2 * len(narrow) <= 78 and narrow["done"] == len("0/25")
    assert clip("static-args", 20) == "static-args" and clip("cond-branch-mismatch", 14) == "cond-branch-m…"
    # Two guests on one account stay apart when their names are cut: the home hash survives.
    assert clip("guest@login-node-01+3f2a1c", 14, keep_end=7) == "guest@…+3f2a1c"


def test_class_csv_and_json(tmp_path: Path) -> None:
    room_dir = build_room(tmp_path)
    out = jittutor("class", str(room_dir), "--csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["student"] for r in rows] == ORDER
    assert rows[0]["last_failure"] == "tracer-bool" and rows[0]["attempts"] == "3" and rows[0]["hints"] == "2"
    assert rows[0]["minutes_idle"].isdigit() and rows[3]["minutes_idle"] == ""
    assert "broken.json" in out.stderr
    doc = json.loads(jittutor("class", str(room_dir), "--json").stdout)
    assert [s["student"] for s in doc["students"]] == ORDER and len(doc["problems"]) == 1
    detail = {d["lesson"]: d for d in doc["students"][0]["lessons_detail"]}
    assert detail["static-args"]["attempts"] == 3 and detail["static-args"]["last_failure"] == "tracer-bool"
    # The same rows as the functions give.
    room = read_room(room_dir, NOW)
    assert room_csv(room, NOW).splitlines()[0] == out.stdout.splitlines()[0]
    assert [s["student"] for s in room_document(room, NOW)["students"]] == ORDER
    missing = jittutor("class", str(tmp_path / "nope"), "--csv")
    assert missing.returncode == 2 and "not a directory" in missing.stderr


def test_class_never_imports_jax(tmp_path: Path) -> None:
    room_dir = build_room(tmp_path)
    code = (
        "import sys\n"
        "from jittutor.cli.main import main\n"
        f"main(['class', {str(room_dir)!r}, '--json'])\n"
        "import jittutor.app.class_app\n"
        "assert not {m for m in sys.modules if m.split('.')[0] in ('jax', 'jaxlib')}, 'jax was imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=worker_env(), timeout=120
    )
    assert done.returncode == 0, done.stderr
