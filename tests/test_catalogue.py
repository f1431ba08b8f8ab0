"""Tests for the catalogue: loading lesson directories, overrides, broken files (no jax needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

import jittutor
from jittutor.lessons.catalogue import (
    BrokenLesson,
    Catalogue,
    builtin_lessons_dir,
    load_catalogue,
    validate_paths,
)

REPO = Path(__file__).resolve().parent.parent


def lesson_yaml(lesson_id: str, order: int = 10, title: str = "A lesson") -> str:
    return f"""\
id: {lesson_id}
title: {title}
order: {order}
docs: https://docs.jax.dev/en/latest/jit-compilation.html
explanation: Text.
entry: f
starter: |
  def f(x):
      return x
solution: |
  import jax
  f = jax.jit(lambda x: x)
starter_fails_with: not-jitted
cases:
  - args: "1.0"
hints: [one, two]
"""


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the built-in lessons --------------------------------------------------------


def test_builtin_dir_in_a_checkout_is_the_top_level_lessons() -> None:
    assert builtin_lessons_dir() == REPO / "lessons"


def test_builtin_dir_prefers_the_bundled_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site-packages" / "jittutor"
    (package / "_lessons").mkdir(parents=True)
    monkeypatch.setattr(jittutor, "__file__", str(package / "__init__.py"))
    assert builtin_lessons_dir() == package / "_lessons"


def test_default_catalogue_has_the_seed_lessons_in_order() -> None:
    catalogue = load_catalogue()
    assert catalogue.broken == []
    assert catalogue.ids()[:3] == ["jit-basics", "static-args", "static-ops"]


# --- loading directories -----------------------------------------------------------


def test_one_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", lesson_yaml("alpha", 10))
    bad = write(tmp_path, "b.yaml", lesson_yaml("beta", 20).replace("order: 20", "order: twenty"))
    write(tmp_path, "c.yml", lesson_yaml("gamma", 30))
    write(tmp_path, "notes.txt", "not a lesson")
    write(tmp_path, ".#a.yaml", "editor lock file")
    catalogue = load_catalogue([tmp_path])
    assert catalogue.ids() == ["alpha", "gamma"]
    assert len(catalogue.broken) == 1
    broken = catalogue.broken[0]
    assert isinstance(broken, BrokenLesson) and broken.path == bad
    assert [e.field for e in broken.errors] == ["order"] and broken.errors[0].line == 3


def test_duplicate_id_in_one_directory_breaks_the_second_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "d", "a.yaml", lesson_yaml("same", title="First"))
    second = write(tmp_path / "d", "b.yaml", lesson_yaml("same", title="Second"))
    catalogue = load_catalogue([tmp_path / "d"])
    assert [lesson.title for lesson in catalogue] == ["First"]
    (broken,) = catalogue.broken
    assert broken.path == second
    (error,) = broken.errors
    assert error.field == "id" and error.line == 1
    assert str(error) == f"{Path('d', 'b.yaml')}:1: id: duplicate id 'same': {Path('d', 'a.yaml')} already uses it"


def test_a_later_directory_replaces_and_adds(tmp_path: Path) -> None:
    write(tmp_path / "base", "one.yaml", lesson_yaml("one", 10, "Base one"))
    write(tmp_path / "base", "two.yaml", lesson_yaml("two", 20, "Base two"))
    write(tmp_path / "mine", "one.yaml", lesson_yaml("one", 10, "My one"))
    write(tmp_path / "mine", "three.yaml", lesson_yaml("three", 15, "My three"))
    catalogue = load_catalogue([tmp_path / "base", tmp_path / "mine"])
    assert catalogue.ids() == ["one", "three", "two"]
    assert catalogue.get("one").title == "My one"
    assert catalogue.get("one").path == tmp_path / "mine" / "one.yaml"
    assert catalogue.get("two").title == "Base two"


def test_user_dir_on_top_of_builtin(tmp_path: Path) -> None:
    write(tmp_path, "x.yaml", lesson_yaml("static-args", 20, "My static args"))
    catalogue = load_catalogue([builtin_lessons_dir(), tmp_path])
    assert catalogue.get("static-args").title == "My static args"
    assert "jit-basics" in catalogue


def test_missing_directory_is_reported_not_raised(tmp_path: Path) -> None:
    write(tmp_path / "ok", "a.yaml", lesson_yaml("alpha"))
    catalogue = load_catalogue([tmp_path / "nope", tmp_path / "ok"])
    assert catalogue.ids() == ["alpha"]
    (broken,) = catalogue.broken
    assert broken.path == tmp_path / "nope" and "no such directory" in broken.errors[0].message


def test_ordering_is_by_order_then_id(tmp_path: Path) -> None:
    write(tmp_path, "1.yaml", lesson_yaml("zeta", 5))
    write(tmp_path, "2.yaml", lesson_yaml("beta", 10))
    write(tmp_path, "3.yaml", lesson_yaml("alpha", 10))
    write(tmp_path, "4.yaml", lesson_yaml("first", -1))
    assert load_catalogue([tmp_path]).ids() == ["first", "zeta", "alpha", "beta"]


# --- the Catalogue object -------------------------------------------------------------


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    for i, lesson_id in enumerate(["static-args", "jit-basics", "static-ops"]):
        write(tmp_path, f"{lesson_id}.yaml", lesson_yaml(lesson_id, [20, 10, 30][i]))
    return load_catalogue([tmp_path])


def test_navigation(catalogue: Catalogue) -> None:
    assert len(catalogue) == 3
    assert [lesson.id for lesson in catalogue] == catalogue.ids() == ["jit-basics", "static-args", "static-ops"]
    assert catalogue.next_id("jit-basics") == "static-args"
    assert catalogue.next_id("static-ops") is None
    assert catalogue.previous_id("static-args") == "jit-basics"
    assert catalogue.previous_id("jit-basics") is None


def test_get_unknown_id_suggests_the_closest(catalogue: Catalogue) -> None:
    with pytest.raises(KeyError) as info:
        catalogue.get("static-arg")
    assert str(info.value) == "no lesson 'static-arg'; did you mean 'static-args' or 'static-ops'?"
    with pytest.raises(KeyError, match="known lessons: jit-basics, static-args, static-ops"):
        catalogue.get("qqqqqqqq")
    with pytest.raises(KeyError):
        catalogue.next_id("nope")


def test_empty_catalogue() -> None:
    catalogue = Catalogue()
    assert len(catalogue) == 0 and catalogue.ids() == []
    with pytest.raises(KeyError, match="catalogue is empty"):
        catalogue.get("x")


# --- validate_paths -----------------------------------------------------------------


def test_validate_paths_mixes_files_and_directories(tmp_path: Path) -> None:
    good = write(tmp_path / "d", "good.yaml", lesson_yaml("good"))
    write(tmp_path / "d", "bad.yaml", lesson_yaml("bad").replace("hints: [one, two]", "hints: [one]"))
    single = write(tmp_path, "single.yaml", lesson_yaml("single").replace("entry: f", "entry: 1f"))
    (tmp_path / "empty").mkdir()
    errors = validate_paths([tmp_path / "d", single, good, tmp_path / "empty", tmp_path / "missing.yaml"])
    messages = [(e.field, e.message) for e in errors]
    assert ("hints", "needs at least 2 entries, got 1") in messages
    assert any(field == "entry" for field, _ in messages)
    assert ("", "no lesson files (*.yaml, *.yml) here") in messages
    assert ("", "no such file or directory") in messages
    assert len(errors) == 4


def test_validate_paths_on_the_seed_lessons_is_clean() -> None:
    assert validate_paths([REPO / "lessons"]) == []
