"""Reading a lesson file's YAML: bytes -> composed nodes -> plain values, with a line map.

A file is read with a size cap and strict UTF-8, composed into YAML nodes once
with the safe loader, and every value is built from those nodes, so each error
can name the file line it comes from. Only plain YAML values are built: any
other tag (``!!python/object/apply`` and friends) is refused, never constructed;
merge keys and duplicate keys are reported rather than silently resolved.

The lesson schema (which fields, of which types) is :mod:`jittutor.lessons.model`'s
business; this module knows only YAML. No jax, no textual here.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

#: Lesson files larger than this are refused before they are parsed.
MAX_LESSON_BYTES = 1 << 20

#: libyaml composes about ten times faster; both report the same marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAG = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP, _MERGE = _TAG + "str", _TAG + "seq", _TAG + "map", _TAG + "merge"
#: Scalar tags the safe constructor builds into plain values.
_SCALAR_TAGS = frozenset(_TAG + name for name in ("null", "bool", "int", "float", "timestamp", "binary"))

INVALID: Any = object()  # a value already reported as an error


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


def describe(value: Any) -> str:
    """What a built value is, in an author's words: ``"a list"``, ``"a number (3)"``."""
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


# --- bytes -> text -----------------------------------------------------------------


def not_a_regular_file(path: Path) -> str | None:
    """Why ``path`` is not a regular file one can read without blocking (a FIFO, a device, a loop), or None."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"cannot read the file: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return None
    what = (
        "a directory"
        if stat.S_ISDIR(mode)
        else "a FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    return f"is {what}, not a text file; nothing was read"


def read_lesson_text(path: Path, shown: str) -> str:
    """The text of the file at ``path`` (named ``shown`` in messages): at most 1 MiB of UTF-8.

    Raises :class:`LessonLoadError` for an unreadable, oversized or non-UTF-8 file, and
    for anything that is not a regular file (a FIFO would block, a symlink loop never resolves).
    """
    problem = not_a_regular_file(path)
    if problem is not None:
        raise LessonLoadError([LessonError(shown, None, "", problem)])
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


# --- text -> nodes -> values ----------------------------------------------------------


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


class YamlReader:
    """Builds plain values from one file's composed nodes, recording lines and errors.

    ``lines`` maps field paths (``"starter"``, ``"cases[0].args"``) to the
    1-based line where each is written; ``errors`` collects every problem, and a
    value that had one is built as :data:`INVALID`.
    """

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.errors: list[LessonError] = []
        self.lines: dict[str, int] = {}
        self.nodes: dict[str, Node] = {}  # top-level field -> its value node
        self._constructor = SafeConstructor()
        self._memo: dict[int, Any] = {}  # collections reached twice through aliases
        self._active: set[int] = set()

    def error(self, field_path: str, message: str, line: int | None = None) -> None:
        """Record a problem at ``field_path``; at the line it is written unless ``line`` is given."""
        if line is None and field_path:
            line = self.lines.get(field_path)
        self.errors.append(LessonError(self.shown, line, field_path, message))

    def read(self, text: str) -> Any:
        """Compose ``text`` and build its top-level mapping: a dict, or :data:`INVALID`.

        Raises :class:`LessonLoadError` when ``text`` is not a YAML mapping at all
        (empty, only comments, a syntax error, a list at the top level).
        """
        shown = self.shown
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
        if not isinstance(root, MappingNode):
            got = "a list" if isinstance(root, SequenceNode) else "a single value"
            message = f"the top level must be a mapping of fields (id: ..., title: ...), got {got}"
            raise LessonLoadError([LessonError(shown, root.start_mark.line + 1, "", message)])
        try:
            return self.build(root, "")
        except RecursionError:
            raise LessonLoadError([LessonError(shown, None, "", "invalid YAML: nested too deeply")]) from None

    def line_within(self, path: str, code_line: int) -> int | None:
        """The file line of line ``code_line`` of the text in top-level field ``path``.

        Exact inside a literal block (``|``); otherwise the line where the value starts.
        """
        line = self.lines.get(path)
        node = self.nodes.get(path)
        if line is None or node is None:
            return line
        if isinstance(node, ScalarNode) and node.style == "|":
            return node.start_mark.line + 1 + code_line
        return node.start_mark.line + 1

    def build(self, node: Node, path: str) -> Any:
        """The plain value of ``node`` (at field ``path``), or :data:`INVALID`."""
        line = node.start_mark.line + 1
        if isinstance(node, ScalarNode):
            if node.tag == _STR:
                return node.value
            if node.tag in _SCALAR_TAGS:
                try:
                    return self._constructor.construct_object(node)
                except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
                    self.error(path, f"cannot read {node.value!r} as {_short_tag(node.tag)}: {exc}", line)
                    return INVALID
            return self._refuse(node, path, line)
        key = id(node)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            self.error(path, "an alias refers to the structure that contains it", line)
            return INVALID
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
                if key is not INVALID:
                    self.error(path, f"keys must be strings, got {describe(key)}", key_line)
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
        return INVALID
