"""Lessons: the YAML format, loading it safely, and validating it with line numbers.

One lesson is one YAML file whose top-level fields are :data:`TOP_FIELDS` (the
fields of :class:`Lesson`). A file is composed into YAML nodes once, with the
safe loader, and every value is built from those nodes, so each error can name
the file line it comes from. Only plain YAML values are accepted: any other tag
(``!!python/object/apply`` and friends) is refused, never constructed.

Validation collects every problem it finds instead of stopping at the first, so
an author fixes a file in one pass. No jax, no textual here.
"""

from __future__ import annotations

import difflib
import keyword
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from jittutor.diagnosis.kinds import ALL_KINDS
from jittutor.engine.protocol import CaseSpec

#: Lesson files larger than this are refused before they are parsed.
MAX_LESSON_BYTES = 1 << 20

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")

#: libyaml composes about ten times faster; both report the same marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAG = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP, _MERGE = _TAG + "str", _TAG + "seq", _TAG + "map", _TAG + "merge"
#: Scalar tags the safe constructor builds into plain values.
_SCALAR_TAGS = frozenset(_TAG + name for name in ("null", "bool", "int", "float", "timestamp", "binary"))

TOP_FIELDS = tuple(
    "id title order summary docs tags explanation setup entry starter solution "
    "starter_fails_with cases checks hints hints_by_kind predict".split()
)
REQUIRED_FIELDS = frozenset(
    "id title order docs explanation entry starter solution starter_fails_with cases hints".split()
)
CASE_FIELDS = ("args", "expect", "rtol", "atol")
CHECK_FIELDS = ("max_compiles", "require_jit", "forbid_tracer_print")
PREDICT_FIELDS = ("question", "choices", "answer", "explanation")

_INVALID: Any = object()  # a value already reported as an error


# --- errors --------------------------------------------------------------------


@dataclass(frozen=True)
class LessonError:
    """One problem in one lesson file.

    ``field`` is a field path such as ``"cases[0].args"``, or ``""`` for a problem
    with the file as a whole; ``line`` is 1-based, or ``None`` when there is no
    line to point at (a missing field, an unreadable file).
    """

    path: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


class LessonLoadError(Exception):
    """A lesson file could not be loaded; ``errors`` lists every problem found."""

    def __init__(self, errors: list[LessonError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def display_path(path: str | os.PathLike[str]) -> str:
    """``path`` as messages show it: relative to the current directory when inside it."""
    text = os.fspath(path)
    if text.startswith("<") or not os.path.isabs(text):
        return text
    try:
        return str(Path(text).relative_to(Path.cwd()))
    except (ValueError, OSError):
        return text


# --- the lesson ----------------------------------------------------------------


@dataclass
class Checks:
    """Extra checks on a run, beyond the cases' values."""

    max_compiles: int | None = None  # more compilations than this fails ("recompiles")
    require_jit: bool = False  # the entry must itself be a jax.jit function ("not-jitted")
    forbid_tracer_print: bool = False  # printing a tracer inside jit fails ("print-in-jit")


@dataclass
class Predict:
    """A multiple-choice question asked before the run."""

    question: str
    choices: list[str]
    answer: int  # 0-based index into choices
    explanation: str = ""


@dataclass
class Lesson:
    """One lesson, validated.

    ``lines`` maps field paths (``"starter"``, ``"cases[0].args"``) to the 1-based
    line in the file where that field is written, for messages that point back
    at the lesson source.
    """

    id: str
    title: str
    order: int
    docs: str
    explanation: str
    entry: str
    starter: str
    solution: str
    starter_fails_with: str
    cases: list[CaseSpec]
    hints: list[str]
    hints_by_kind: dict[str, list[str]] = field(default_factory=dict)
    setup: str = ""
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    checks: Checks = field(default_factory=Checks)
    predict: Predict | None = None
    path: Path | None = None
    lines: dict[str, int] = field(default_factory=dict, repr=False)

    def hints_for(self, kind: str | None) -> list[str]:
        """Hints for a diagnosis ``kind`` first, then the general ladder, without repeats."""
        ordered = [*self.hints_by_kind.get(kind, []), *self.hints] if kind else self.hints
        return list(dict.fromkeys(ordered))


# --- reading and composing ---------------------------------------------------------


def _read_text(path: Path, shown: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_LESSON_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise LessonLoadError([LessonError(shown, None, "", f"cannot read the file: {reason}")]) from None
    if len(data) > MAX_LESSON_BYTES:
        message = "file is larger than 1 MiB; a lesson is a short text file (is this the right file?)"
        raise LessonLoadError([LessonError(shown, None, "", message)])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        message = f"not valid UTF-8 (byte 0x{bad}); save the file as UTF-8"
        raise LessonLoadError([LessonError(shown, line, "", message)]) from None


def _yaml_error(exc: yaml.YAMLError, text: str, shown: str) -> LessonError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        parts = [p for p in (exc.context, exc.problem) if p]
        message = "invalid YAML: " + (", ".join(parts) or "syntax error")
        starts = exc.context_mark if (exc.context or "").startswith("while") else None
        if starts and mark and starts.line != mark.line:
            message += f" (the construct starts at line {starts.line + 1})"
        return LessonError(shown, line, "", message)
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        return LessonError(shown, line, "", f"invalid YAML: character {ord(exc.character):#06x}: {exc.reason}")
    return LessonError(shown, None, "", f"invalid YAML: {exc}")


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


class _Parse:
    """Builds values from composed nodes, and validates them, for one file."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.errors: list[LessonError] = []
        self.lines: dict[str, int] = {}
        self.nodes: dict[str, Node] = {}  # top-level field -> its value node
        self._constructor = SafeConstructor()
        self._memo: dict[int, Any] = {}  # collections reached twice through aliases
        self._active: set[int] = set()

    def error(self, field_path: str, message: str, line: int | None = None) -> None:
        if line is None and field_path:
            line = self.lines.get(field_path)
        self.errors.append(LessonError(self.shown, line, field_path, message))

    # -- nodes -> values ------------------------------------------------------

    def build(self, node: Node, path: str) -> Any:
        line = node.start_mark.line + 1
        if isinstance(node, ScalarNode):
            if node.tag == _STR:
                return node.value
            if node.tag in _SCALAR_TAGS:
                try:
                    return self._constructor.construct_object(node)
                except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
                    self.error(path, f"cannot read {node.value!r} as {_short_tag(node.tag)}: {exc}", line)
                    return _INVALID
            return self._refuse(node, path, line)
        key = id(node)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            self.error(path, "an alias refers to the structure that contains it", line)
            return _INVALID
        if isinstance(node, SequenceNode) and node.tag == _SEQ:
            self._active.add(key)
            value: Any = []
            for i, item in enumerate(node.value):
                item_path = f"{path}[{i}]"
                self.lines.setdefault(item_path, item.start_mark.line + 1)
                value.append(self.build(item, item_path))
        elif isinstance(node, MappingNode) and node.tag == _MAP:
            self._active.add(key)
            value = self._build_mapping(node, path)
        else:
            return self._refuse(node, path, line)
        self._active.discard(key)
        self._memo[key] = value
        return value

    def _build_mapping(self, node: MappingNode, path: str) -> dict[Any, Any]:
        value: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE:
                self.error(path, "merge keys (<<) are not supported; write the fields out", key_line)
                continue
            if not (isinstance(key_node, ScalarNode) and key_node.tag == _STR):
                key = self.build(key_node, path)
                if key is not _INVALID:
                    self.error(path, f"keys must be strings, got {_describe(key)}", key_line)
                continue
            name = key_node.value
            child = f"{path}.{name}" if path else name
            if name in value:
                message = (
                    f"duplicate key {name!r} (first at line {first_line[name]}); "
                    "YAML would silently keep only the last one"
                )
                self.error(child, message, key_line)
                continue
            first_line[name] = key_line
            self.lines[child] = key_line
            if not path:
                self.nodes[name] = value_node
            value[name] = self.build(value_node, child)
        return value

    def _refuse(self, node: Node, path: str, line: int) -> Any:
        message = (
            f"unsupported YAML tag {_short_tag(node.tag)}: lessons hold plain values only "
            "(strings, numbers, booleans, lists, mappings); the tag was not executed"
        )
        self.error(path, message, line)
        return _INVALID

    # -- typed field readers ----------------------------------------------------

    def string(self, value: Any, path: str, *, nonempty: bool = True) -> Any:
        if value is _INVALID:
            return _INVALID
        if not isinstance(value, str):
            message = f"expected a string, got {_describe(value)}"
            if isinstance(value, bool):
                message += "; YAML reads yes/no/on/off/true/false as booleans, quote it if you mean text"
            elif isinstance(value, (int, float)):
                message += f'; quote it: "{value}"'
            self.error(path, message)
            return _INVALID
        if nonempty and not value.strip():
            self.error(path, "must not be empty")
            return _INVALID
        return value

    def integer(self, value: Any, path: str, minimum: int | None = None) -> Any:
        if value is _INVALID:
            return _INVALID
        if isinstance(value, bool) or not isinstance(value, int):
            message = f"expected an integer, got {_describe(value)}"
            if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
                message += "; remove the quotes"
            self.error(path, message)
            return _INVALID
        if minimum is not None and value < minimum:
            self.error(path, f"must be at least {minimum}, got {value}")
            return _INVALID
        return value

    def boolean(self, value: Any, path: str) -> Any:
        if value is _INVALID:
            return _INVALID
        if not isinstance(value, bool):
            self.error(path, f"expected true or false, got {_describe(value)}")
            return _INVALID
        return value

    def tolerance(self, value: Any, path: str) -> Any:
        if value is _INVALID:
            return _INVALID
        number: Any = value
        if isinstance(value, str):
            # YAML 1.1 reads 1e-5 (no dot) as a string; accept what Python reads as a number.
            try:
                number = float(value)
            except ValueError:
                number = value
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            self.error(path, f"expected a number, got {_describe(value)}")
            return _INVALID
        if not number >= 0 or number == float("inf"):
            self.error(path, f"must be a finite number >= 0, got {number}")
            return _INVALID
        return float(number)

    def string_list(self, value: Any, path: str, min_len: int = 0) -> Any:
        if value is _INVALID:
            return _INVALID
        if not isinstance(value, list):
            self.error(path, f"expected a list of strings, got {_describe(value)}")
            return _INVALID
        items = [self.string(item, f"{path}[{i}]") for i, item in enumerate(value)]
        if _INVALID in items:
            return _INVALID
        if len(items) < min_len:
            self.error(path, f"needs at least {min_len} entries, got {len(items)}")
            return _INVALID
        return items

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...]) -> Any:
        if value is _INVALID:
            return _INVALID
        if not isinstance(value, dict):
            self.error(path, f"expected a mapping, got {_describe(value)}")
            return _INVALID
        for name in value:
            if name not in allowed:
                self.error(f"{path}.{name}" if path else name, _unknown_field(name, allowed))
        return value

    def kind(self, value: Any, path: str) -> Any:
        if value is _INVALID:
            return _INVALID
        if not isinstance(value, str):
            self.error(path, f"expected a kind name, got {_describe(value)}")
            return _INVALID
        if value not in ALL_KINDS:
            self.error(path, _unknown_kind(value))
            return _INVALID
        return value

    def python(self, source: Any, path: str, mode: str = "exec", wrap: str = "{}") -> Any:
        """Compile ``source``; report a syntax error at its line in the file."""
        if source is _INVALID:
            return _INVALID
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SyntaxWarnings are the student's business
                code = compile(wrap.format(source), f"<{path}>", mode, dont_inherit=True)
        except SyntaxError as exc:
            self.error(path, *self._syntax_message(exc, path, mode))
            return _INVALID
        except ValueError as exc:  # e.g. a NUL character
            self.error(path, f"not valid Python: {exc}")
            return _INVALID
        return code

    def _syntax_message(self, exc: SyntaxError, path: str, mode: str) -> tuple[str, int | None]:
        if mode == "eval":
            return f"not a valid Python expression: {exc.msg}", None
        code_line = exc.lineno or 1
        line = self.lines.get(path)
        node = self.nodes.get(path)
        if line is not None and node is not None:
            if isinstance(node, ScalarNode) and node.style == "|":
                line = node.start_mark.line + 1 + code_line
            else:
                line = node.start_mark.line + 1
        return f"not valid Python: {exc.msg} (line {code_line} of the code)", line


def _unknown_field(name: Any, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(name), allowed, n=1)
    if close:
        return f"unknown field {name!r} (did you mean {close[0]!r}?)"
    return f"unknown field {name!r} (known fields: {', '.join(allowed)})"


def _unknown_kind(name: str) -> str:
    close = difflib.get_close_matches(name, ALL_KINDS, n=1, cutoff=0.6)
    if close:
        return f"unknown kind {name!r}; did you mean {close[0]!r}?"
    return f"unknown kind {name!r}; known kinds: {', '.join(ALL_KINDS)}"


def _is_http_url(text: str) -> bool:
    if any(c.isspace() for c in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


# --- validation ------------------------------------------------------------------


def _validate(p: _Parse, data: dict[str, Any], path: Path | None) -> Lesson | None:
    for name in data:
        if name not in TOP_FIELDS:
            p.error(name, _unknown_field(name, TOP_FIELDS))

    def required(name: str) -> Any:
        if name not in data:
            p.error(name, "missing required field")
            return _INVALID
        if data[name] is None:
            p.error(name, "has no value")
            return _INVALID
        return data[name]

    def optional(name: str) -> Any:
        return data.get(name)  # None: absent or empty, the default applies

    lesson_id = p.string(required("id"), "id")
    if lesson_id is not _INVALID and not ID_PATTERN.match(lesson_id):
        message = f"{lesson_id!r} is not a valid id: use lowercase letters, digits and '-', e.g. 'static-args'"
        p.error("id", message)
        lesson_id = _INVALID
    title = p.string(required("title"), "title")
    order = p.integer(required("order"), "order")
    docs = p.string(required("docs"), "docs")
    if docs is not _INVALID and not _is_http_url(docs.strip()):
        p.error("docs", f"expected an http(s) URL to the JAX docs section, got {docs!r}")
        docs = _INVALID
    explanation = p.string(required("explanation"), "explanation")
    summary = "" if optional("summary") is None else p.string(data["summary"], "summary", nonempty=False)
    tags = [] if optional("tags") is None else p.string_list(data["tags"], "tags")

    entry = p.string(required("entry"), "entry")
    if entry is not _INVALID:
        entry = entry.strip()
        if not entry.isidentifier() or keyword.iskeyword(entry):
            p.error("entry", f"{entry!r} is not a Python name; give the name of a function, e.g. cond_func")
            entry = _INVALID

    setup = "" if optional("setup") is None else p.string(data["setup"], "setup", nonempty=False)
    p.python(setup, "setup")
    starter = p.string(required("starter"), "starter")
    p.python(starter, "starter")
    solution = p.string(required("solution"), "solution")
    solution_code = p.python(solution, "solution")
    # A starter may leave the entry for the student to write ("missing-entry"); a solution may not.
    if solution_code is not _INVALID and entry is not _INVALID and entry not in solution_code.co_names:
        p.error("solution", f"never defines the entry {entry!r}")
    fails_with = p.kind(required("starter_fails_with"), "starter_fails_with")

    cases = _validate_cases(p, required("cases"))
    hints = p.string_list(required("hints"), "hints", min_len=2)
    hints_by_kind = _validate_hints_by_kind(p, optional("hints_by_kind"))
    checks = _validate_checks(p, optional("checks"))
    predict = _validate_predict(p, optional("predict"))

    if p.errors:
        return None
    return Lesson(
        id=lesson_id,
        title=title.strip(),
        order=order,
        docs=docs.strip(),
        explanation=explanation,
        entry=entry,
        starter=starter,
        solution=solution,
        starter_fails_with=fails_with,
        cases=cases,
        hints=hints,
        hints_by_kind=hints_by_kind,
        setup=setup,
        summary=summary.strip(),
        tags=tags,
        checks=checks,
        predict=predict,
        path=path,
        lines=p.lines,
    )


def _validate_cases(p: _Parse, value: Any) -> Any:
    if value is _INVALID:
        return _INVALID
    if not isinstance(value, list):
        p.error("cases", f"expected a list of cases, got {_describe(value)}")
        return _INVALID
    if not value:
        p.error("cases", 'needs at least one case, e.g. - args: "1.0"')
        return _INVALID
    cases: list[CaseSpec] = []
    ok = True
    for i, raw in enumerate(value):
        path = f"cases[{i}]"
        case = p.mapping(raw, path, CASE_FIELDS)
        if case is _INVALID:
            ok = False
            continue
        if "args" not in case:
            p.error(f"{path}.args", "missing required field", p.lines.get(path))
            ok = False
            continue
        args = p.string(case["args"], f"{path}.args", nonempty=False)
        p.python(args, f"{path}.args", "eval", "_({}\n)")
        expect = None
        if case.get("expect") is not None:
            expect = p.string(case["expect"], f"{path}.expect")
            p.python(expect, f"{path}.expect", "eval", "({}\n)")
        rtol = p.tolerance(case["rtol"], f"{path}.rtol") if case.get("rtol") is not None else None
        atol = p.tolerance(case["atol"], f"{path}.atol") if case.get("atol") is not None else None
        if _INVALID in (args, expect, rtol, atol):
            ok = False
            continue
        cases.append(CaseSpec(args=args, expect=expect, rtol=rtol, atol=atol))
    return cases if ok else _INVALID


def _validate_hints_by_kind(p: _Parse, value: Any) -> Any:
    if value is None:
        return {}
    if value is _INVALID:
        return _INVALID
    if not isinstance(value, dict):
        p.error("hints_by_kind", f"expected a mapping of kind -> list of hints, got {_describe(value)}")
        return _INVALID
    result: dict[str, list[str]] = {}
    for name, hints in value.items():
        path = f"hints_by_kind.{name}"
        kind = p.kind(name, path)
        hints = p.string_list(hints, path, min_len=1)
        if kind is not _INVALID and hints is not _INVALID:
            result[kind] = hints
    return result


def _validate_checks(p: _Parse, value: Any) -> Any:
    if value is None:
        return Checks()
    data = p.mapping(value, "checks", CHECK_FIELDS)
    if data is _INVALID:
        return _INVALID
    checks = Checks()
    if data.get("max_compiles") is not None:
        checks.max_compiles = p.integer(data["max_compiles"], "checks.max_compiles", minimum=1)
    if data.get("require_jit") is not None:
        checks.require_jit = p.boolean(data["require_jit"], "checks.require_jit")
    if data.get("forbid_tracer_print") is not None:
        checks.forbid_tracer_print = p.boolean(data["forbid_tracer_print"], "checks.forbid_tracer_print")
    return checks


def _validate_predict(p: _Parse, value: Any) -> Any:
    if value is None:
        return None
    data = p.mapping(value, "predict", PREDICT_FIELDS)
    if data is _INVALID:
        return _INVALID
    for name in ("question", "choices", "answer"):
        if data.get(name) is None:
            p.error(f"predict.{name}", "missing required field", p.lines.get("predict"))
    question = p.string(data["question"], "predict.question") if data.get("question") is not None else _INVALID
    choices = (
        p.string_list(data["choices"], "predict.choices", min_len=2) if data.get("choices") is not None else _INVALID
    )
    answer = p.integer(data["answer"], "predict.answer", minimum=0) if data.get("answer") is not None else _INVALID
    if answer is not _INVALID and choices is not _INVALID and answer >= len(choices):
        p.error(
            "predict.answer", f"is {answer}, but there are only {len(choices)} choices (0-based: 0..{len(choices) - 1})"
        )
        answer = _INVALID
    explanation = ""
    if data.get("explanation") is not None:
        explanation = p.string(data["explanation"], "predict.explanation", nonempty=False)
    if _INVALID in (question, choices, answer, explanation):
        return _INVALID
    return Predict(question=question, choices=choices, answer=answer, explanation=explanation)


# --- public entry points -----------------------------------------------------------


def parse_lesson(text: str, path: str | Path = "<string>") -> Lesson:
    """Parse and validate the YAML ``text`` of one lesson.

    ``path`` names the source in messages (and becomes :attr:`Lesson.path`
    unless it is ``"<string>"``). Raises :class:`LessonLoadError` listing every
    problem found, each with its line where there is one.
    """
    shown = display_path(path)
    lesson_path = None if str(path) == "<string>" else Path(path)
    if not text.strip():
        raise LessonLoadError(
            [LessonError(shown, None, "", "the file is empty; a lesson needs at least id, title, order, ...")]
        )
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise LessonLoadError([_yaml_error(exc, text, shown)]) from None
    except RecursionError:
        raise LessonLoadError([LessonError(shown, None, "", "invalid YAML: nested too deeply")]) from None
    if root is None:
        raise LessonLoadError(
            [LessonError(shown, None, "", "the file has only comments; a lesson needs id, title, order, ...")]
        )
    p = _Parse(shown)
    if not isinstance(root, MappingNode):
        got = "a list" if isinstance(root, SequenceNode) else "a single value"
        message = f"the top level must be a mapping of fields (id: ..., title: ...), got {got}"
        raise LessonLoadError([LessonError(shown, root.start_mark.line + 1, "", message)])
    try:
        data = p.build(root, "")
    except RecursionError:
        raise LessonLoadError([LessonError(shown, None, "", "invalid YAML: nested too deeply")]) from None
    lesson = _validate(p, data, lesson_path) if data is not _INVALID else None
    if lesson is None:
        raise LessonLoadError(sorted(p.errors, key=lambda e: e.line or 0))
    return lesson


def load_lesson(path: Path) -> Lesson:
    """Read and validate one lesson file; raises :class:`LessonLoadError`."""
    path = Path(path)
    return parse_lesson(_read_text(path, display_path(path)), path)


def validate_lesson_file(path: Path) -> list[LessonError]:
    """Every problem in one lesson file; an empty list when it is valid."""
    try:
        load_lesson(path)
    except LessonLoadError as exc:
        return exc.errors
    return []
