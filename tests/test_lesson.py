"""Tests for the lesson format: loading, validation and line numbers (no jax needed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jittutor.diagnosis.kinds import ALL_KINDS
from jittutor.engine.protocol import CaseSpec
from jittutor.lessons.model import Lesson
from jittutor.lessons.source import MAX_LESSON_BYTES, LessonError, LessonLoadError
from jittutor.lessons.validate import load_lesson, parse_lesson, validate_lesson_file

REPO = Path(__file__).resolve().parent.parent
SEED_LESSONS = sorted((REPO / "lessons").glob("*.yaml"))

# A minimal valid lesson; the line numbers of its fields are used below.
VALID = """\
id: demo
title: Demo lesson
order: 5
docs: https://docs.jax.dev/en/latest/jit-compilation.html
explanation: |
  Some *Markdown*.
entry: double
starter: |
  import jax
  def double(x):
      return 2 * x
solution: |
  import jax
  double = jax.jit(lambda x: 2 * x)
starter_fails_with: not-jitted
cases:
  - args: "1.0"
    expect: "2.0"
hints:
  - first
  - second
"""


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def errors_of(text: str, path: str = "demo.yaml") -> list[LessonError]:
    with pytest.raises(LessonLoadError) as info:
        parse_lesson(text, path)
    return info.value.errors


def only_error(text: str) -> LessonError:
    errors = errors_of(text)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


# --- valid lessons -------------------------------------------------------------


def test_minimal_lesson_parses() -> None:
    lesson = parse_lesson(VALID)
    assert isinstance(lesson, Lesson)
    assert lesson.id == "demo"
    assert lesson.order == 5
    assert lesson.cases == [CaseSpec(args="1.0", expect="2.0")]
    assert lesson.hints == ["first", "second"]
    assert lesson.hints_by_kind == {}
    assert lesson.setup == "" and lesson.summary == "" and lesson.tags == []
    assert lesson.checks.max_compiles is None and not lesson.checks.require_jit
    assert lesson.predict is None
    assert lesson.path is None  # parsed from a string
    assert lesson.starter.startswith("import jax\n")


def test_lines_map_points_at_fields() -> None:
    lesson = parse_lesson(VALID)
    assert lesson.lines["id"] == 1
    assert lesson.lines["starter"] == line_of(VALID, "starter:")
    assert lesson.lines["cases[0]"] == line_of(VALID, '- args: "1.0"')
    assert lesson.lines["cases[0].expect"] == line_of(VALID, "expect:")
    assert lesson.lines["hints[1]"] == line_of(VALID, "- second")


@pytest.mark.parametrize("path", SEED_LESSONS, ids=lambda p: p.stem)
def test_seed_lessons_load(path: Path) -> None:
    lesson = load_lesson(path)
    assert lesson.id == path.stem
    assert lesson.path == path
    assert lesson.starter_fails_with in ALL_KINDS
    assert lesson.docs.startswith("https://docs.jax.dev/")
    assert 3 <= len(lesson.hints) <= 4
    assert lesson.hints_by_kind, "seed lessons give hints for the kinds students hit"
    assert "import jax" in lesson.starter and "import jax" in lesson.solution
    assert validate_lesson_file(path) == []


def test_three_seed_lessons_exist() -> None:
    assert {"jit-basics", "static-args", "static-ops"} <= {p.stem for p in SEED_LESSONS}


def test_optional_sections_parse() -> None:
    text = (
        VALID
        + """\
summary: one line
tags: [jit, static]
setup: |
  data = 3
hints_by_kind:
  tracer-bool: [use static_argnums]
  not-jitted:
    - wrap it
    - second
checks:
  max_compiles: 1
  require_jit: true
  forbid_tracer_print: false
  wrap_entry: false
predict:
  question: How many?
  choices: ["1", "2"]
  answer: 1
"""
    )
    lesson = parse_lesson(text)
    assert lesson.summary == "one line"
    assert lesson.tags == ["jit", "static"]
    assert lesson.setup == "data = 3\n"
    assert lesson.hints_by_kind == {"tracer-bool": ["use static_argnums"], "not-jitted": ["wrap it", "second"]}
    assert (lesson.checks.max_compiles, lesson.checks.require_jit) == (1, True)
    assert lesson.checks.wrap_entry is False
    assert lesson.predict is not None and lesson.predict.answer == 1 and lesson.predict.explanation == ""


def test_tolerances_accept_yaml_1_1_exponent_strings() -> None:
    text = VALID.replace('    expect: "2.0"\n', '    expect: "2.0"\n    rtol: 1e-5\n    atol: 0\n')
    case = parse_lesson(text).cases[0]
    assert case.rtol == pytest.approx(1e-5) and case.atol == 0.0
    error = only_error(VALID.replace('    expect: "2.0"\n', '    expect: "2.0"\n    rtol: -1.0\n'))
    assert error.field == "cases[0].rtol" and ">= 0" in error.message


def test_anchors_and_aliases_are_plain_yaml() -> None:
    text = VALID.replace("hints:\n  - first\n  - second\n", "hints: &ladder\n  - first\n  - second\n")
    text += "hints_by_kind:\n  not-jitted: *ladder\n"
    assert parse_lesson(text).hints_by_kind["not-jitted"] == ["first", "second"]


# --- the ladder rules validate enforces ----------------------------------------------


def test_a_ladder_longer_than_six_rungs_is_rejected() -> None:
    text = VALID.replace("hints:\n", "hints:\n" + "".join(f"  - extra rung {n}\n" for n in range(6)), 1)
    with pytest.raises(LessonLoadError, match="at most 6"):
        parse_lesson(text)


def test_a_repeated_rung_is_rejected() -> None:
    with pytest.raises(LessonLoadError, match=r"hints_by_kind.tracer-bool\[1\]: repeats an earlier rung"):
        parse_lesson(VALID + "hints_by_kind:\n  tracer-bool: [same, same]\n")


def test_a_rung_that_marks_static_an_argument_the_code_lacks_is_rejected() -> None:
    text = VALID + "hints_by_kind:\n  tracer-bool: ['Mark it static: `jax.jit(f, static_argnames=\"n\")`.']\n"
    with pytest.raises(LessonLoadError, match="marks 'n' static, but no function of this lesson has a parameter 'n'"):
        parse_lesson(text)


# --- error formatting ------------------------------------------------------------


def test_lesson_error_str_forms() -> None:
    assert str(LessonError("lessons/foo.yaml", 12, "cases[0].args", "expected a string")) == (
        "lessons/foo.yaml:12: cases[0].args: expected a string"
    )
    assert str(LessonError("lessons/foo.yaml", None, "title", "missing")) == "lessons/foo.yaml: title: missing"
    assert str(LessonError("lessons/foo.yaml", 3, "", "invalid YAML")) == "lessons/foo.yaml:3: invalid YAML"


def test_load_error_lists_every_error_one_per_line() -> None:
    text = VALID.replace("order: 5", "order: five").replace("entry: double", "entry: 2x")
    with pytest.raises(LessonLoadError) as info:
        parse_lesson(text, "demo.yaml")
    lines = str(info.value).splitlines()
    assert len(lines) == len(info.value.errors) == 2
    assert lines[0].startswith("demo.yaml:3: order: expected an integer")
    assert lines[1].startswith("demo.yaml:7: entry: ")


def test_paths_are_shown_relative_to_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "bad.yaml"
    path.write_text(VALID.replace("order: 5", "order: x"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    (error,) = validate_lesson_file(path)
    assert str(error).startswith(f"{Path('sub', 'bad.yaml')}:3: order: ")


# --- each class of error -----------------------------------------------------------


def test_case_args_number_names_its_line() -> None:
    text = VALID.replace('- args: "1.0"', "- args: 1.0")
    error = only_error(text)
    assert str(error).startswith(f"demo.yaml:{line_of(text, '- args: 1.0')}: cases[0].args: expected a string")
    assert 'quote it: "1.0"' in error.message


def test_yaml_syntax_error_has_a_line() -> None:
    text = VALID.replace("title: Demo lesson", "title: [Demo lesson")
    error = only_error(text)
    assert error.field == "" and error.line is not None
    assert error.message.startswith("invalid YAML")
    assert "line 2" in error.message  # where the unclosed bracket starts


def test_tabs_are_a_clean_yaml_error() -> None:
    error = only_error(VALID.replace("  - first", "\t- first"))
    assert error.message.startswith("invalid YAML") and error.line == line_of(VALID, "- first")


def test_python_tag_is_refused_and_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = VALID.replace(
        "title: Demo lesson",
        f"title: !!python/object/apply:os.system [\"touch '{marker}'\"]",
    )
    error = only_error(text)
    assert not marker.exists()
    assert error.line == 2 and error.field == "title"
    assert "unsupported YAML tag !!python/object/apply:os.system" in error.message


@pytest.mark.parametrize("tag", ["!custom", "!!python/name:os.system", "!!set"])
def test_other_tags_are_refused(tag: str) -> None:
    error = only_error(VALID.replace("summary", "x") + f"summary: {tag} {{}}\n")
    assert error.field == "summary" and "unsupported YAML tag" in error.message


def test_non_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(VALID.replace("Demo lesson", "Le\u00e7on").encode("latin-1"))
    (error,) = validate_lesson_file(path)
    assert error.line == 2 and "not valid UTF-8" in error.message and "0xe7" in error.message


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode())
    assert load_lesson(path).id == "demo"


def test_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text(VALID + "# padding\n" * (MAX_LESSON_BYTES // 10 + 1), encoding="utf-8")
    (error,) = validate_lesson_file(path)
    assert "larger than 1 MiB" in error.message


def test_unreadable_path_is_a_clean_error(tmp_path: Path) -> None:
    (error,) = validate_lesson_file(tmp_path / "missing.yaml")
    assert "cannot read the file" in error.message


def test_duplicate_keys_are_detected() -> None:
    text = VALID + "title: Another title\n"
    error = only_error(text)
    assert error.field == "title"
    assert error.line == line_of(text, "Another title")
    assert "duplicate key 'title' (first at line 2)" in error.message


def test_duplicate_keys_in_nested_mappings() -> None:
    text = VALID.replace('    expect: "2.0"\n', '    expect: "2.0"\n    args: "3.0"\n')
    error = only_error(text)
    assert error.field == "cases[0].args" and "duplicate key" in error.message


def test_unknown_kind_suggests_the_closest() -> None:
    error = only_error(VALID.replace("starter_fails_with: not-jitted", "starter_fails_with: tracer-boll"))
    assert error.field == "starter_fails_with"
    assert "did you mean 'tracer-bool'?" in error.message


def test_unknown_kind_without_a_close_match_lists_the_kinds() -> None:
    error = only_error(VALID.replace("starter_fails_with: not-jitted", "starter_fails_with: zzz"))
    assert "known kinds: tracer-bool" in error.message


def test_unknown_kind_in_hints_by_kind() -> None:
    text = VALID + "hints_by_kind:\n  recompile: [x]\n"
    error = only_error(text)
    assert error.field == "hints_by_kind.recompile" and error.line == line_of(text, "recompile:")
    assert "did you mean 'recompiles'?" in error.message


def test_missing_fields_are_all_reported() -> None:
    text = VALID.replace("title: Demo lesson\n", "").replace(
        "docs: https://docs.jax.dev/en/latest/jit-compilation.html\n", ""
    )
    errors = errors_of(text)
    assert {(e.field, e.message) for e in errors} == {
        ("title", "missing required field"),
        ("docs", "missing required field"),
    }
    assert all(e.line is None for e in errors)
    assert str(errors[0]).startswith("demo.yaml: ")


def test_required_field_without_a_value() -> None:
    error = only_error(VALID.replace("title: Demo lesson", "title:"))
    assert (error.field, error.line, error.message) == ("title", 2, "has no value")


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("order: 5", "order: five", "order", "expected an integer"),
        ("order: 5", "order: true", "order", "expected an integer"),
        ("title: Demo lesson", "title: [a, b]", "title", "expected a string"),
        ("title: Demo lesson", "title: '  '", "title", "must not be empty"),
        ("  - first\n  - second\n", "  - first\n  - 2\n", "hints[1]", "expected a string"),
        ("hints:\n  - first\n  - second\n", "hints: first\n", "hints", "expected a list of strings"),
        ("hints:\n  - first\n  - second\n", "hints: [only one]\n", "hints", "needs at least 2"),
        ('cases:\n  - args: "1.0"\n    expect: "2.0"\n', "cases: []\n", "cases", "needs at least one case"),
        ('cases:\n  - args: "1.0"\n    expect: "2.0"\n', 'cases: "1.0"\n', "cases", "expected a list"),
        ('    expect: "2.0"\n', "    expect: 2.0\n", "cases[0].expect", "expected a string"),
        ('    expect: "2.0"\n', '    expected: "2.0"\n', "cases[0].expected", "did you mean 'expect'?"),
        ('  - args: "1.0"\n    expect: "2.0"\n', '  - expect: "2.0"\n', "cases[0].args", "missing required field"),
        ('  - args: "1.0"\n', '  - args: "1.0,,"\n', "cases[0].args", "not a valid Python expression"),
        ("id: demo", "id: Demo_Lesson", "id", "not a valid id"),
        ("docs: https://docs.jax.dev/en/latest/jit-compilation.html", "docs: docs.jax.dev/jit", "docs", "http(s) URL"),
        ("docs: https://docs.jax.dev/en/latest/jit-compilation.html", "docs: ftp://x.org/a", "docs", "http(s) URL"),
        ("entry: double", "entry: my-func", "entry", "not a Python name"),
        ("entry: double", "entry: class", "entry", "not a Python name"),
        ("entry: double", "entry: triple", "solution", "never defines the entry 'triple'"),
        ("title: Demo lesson", "titel: Demo lesson", "titel", "did you mean 'title'?"),
    ],
)
def test_field_errors(old: str, new: str, field: str, message: str) -> None:
    assert old in VALID
    text = VALID.replace(old, new)
    errors = [e for e in errors_of(text) if e.field == field]
    assert errors, [str(e) for e in errors_of(text)]
    assert message in errors[0].message


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ("tags: jit\n", "tags", "expected a list of strings"),
        ("checks:\n  max_compiles: 0\n", "checks.max_compiles", "at least 1"),
        ("checks:\n  require_jit: 1\n", "checks.require_jit", "expected true or false"),
        ("checks:\n  require_jitt: true\n", "checks.require_jitt", "did you mean 'require_jit'?"),
        ("checks: [1]\n", "checks", "expected a mapping"),
        ("predict:\n  question: Q?\n  choices: [a, b]\n  answer: 2\n", "predict.answer", "only 2 choices"),
        ("predict:\n  question: Q?\n  choices: [a, b]\n  answer: -1\n", "predict.answer", "at least 0"),
        ("predict:\n  question: Q?\n  choices: [a, b]\n", "predict.answer", "missing required field"),
        ("predict:\n  question: Q?\n  choices: [a]\n  answer: 0\n", "predict.choices", "at least 2"),
        ("hints_by_kind:\n  tracer-bool: use static\n", "hints_by_kind.tracer-bool", "expected a list of strings"),
        ("hints_by_kind: [a]\n", "hints_by_kind", "expected a mapping"),
        ("setup: |\n  x = (\n", "setup", "not valid Python"),
    ],
)
def test_optional_field_errors(extra: str, field: str, message: str) -> None:
    errors = [e for e in errors_of(VALID + extra) if e.field == field]
    assert errors and message in errors[0].message, [str(e) for e in errors_of(VALID + extra)]


def test_invalid_python_names_the_file_line_and_the_code_line() -> None:
    text = VALID.replace("      return 2 * x", "      return 2 *")
    error = only_error(text)
    assert error.field == "starter"
    assert error.line == line_of(text, "return 2 *")
    assert "line 3 of the code" in error.message


def test_empty_file() -> None:
    assert "empty" in only_error("").message
    assert "only comments" in only_error("# nothing here\n").message


@pytest.mark.parametrize(("text", "got"), [("- a\n- b\n", "a list"), ("just text\n", "a single value")])
def test_top_level_must_be_a_mapping(text: str, got: str) -> None:
    error = only_error(text)
    assert error.line == 1 and "must be a mapping" in error.message and got in error.message


def test_two_documents_in_one_file() -> None:
    error = only_error(VALID + "---\nid: other\n")
    assert "single document" in error.message and error.line == line_of(VALID + "---\n", "---")


def test_recursive_alias_is_a_clean_error() -> None:
    error = only_error(VALID + "tags: &a [*a]\n")
    assert error.field.startswith("tags") and "alias" in error.message


def test_merge_keys_are_refused() -> None:
    text = VALID + "checks:\n  <<: {require_jit: true}\n"
    error = only_error(text)
    assert error.field == "checks" and "merge keys" in error.message


def test_non_string_keys() -> None:
    error = only_error(VALID + "hints_by_kind:\n  1: [x]\n")
    assert "keys must be strings" in error.message


def test_errors_are_sorted_by_line() -> None:
    text = VALID.replace("order: 5", "order: x").replace("entry: double", "entry: 1x").replace("  - second\n", "")
    lines = [e.line for e in errors_of(text)]
    assert lines == sorted(lines) and len(lines) == 3


def test_lesson_modules_import_neither_jax_nor_textual() -> None:
    code = (
        "import sys, jittutor.lessons.model, jittutor.lessons.source, jittutor.lessons.catalogue\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('jax', 'jaxlib', 'textual'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_alias_bomb_is_built_once_per_node() -> None:
    levels = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)]
    text = VALID + "predict:\n" + "".join(f"  {line}\n" for line in levels)
    errors = errors_of(text)  # would never finish if aliases were expanded: 10**10 strings
    assert any(e.field == "predict.l9" for e in errors)


@pytest.mark.parametrize("loader", ["SafeLoader", "CSafeLoader"])
def test_pure_python_and_libyaml_loaders_agree(loader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    import jittutor.lessons.source

    if not hasattr(yaml, loader):
        pytest.skip(f"yaml.{loader} is not available")
    monkeypatch.setattr(jittutor.lessons.source, "_LOADER", getattr(yaml, loader))
    assert parse_lesson(VALID).lines["cases[0].expect"] == line_of(VALID, "expect:")
    assert only_error(VALID + "title: again\n").line == line_of(VALID, "hints:") + 3
    assert only_error(VALID.replace("title: Demo lesson", "title: [Demo")).line == 3
    assert only_error(VALID.replace("title: Demo lesson", "title: !!python/name:os.system")).line == 2
