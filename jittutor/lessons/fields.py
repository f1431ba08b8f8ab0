"""Typed readers for a lesson file's values: each problem is reported with its field path and line.

:class:`FieldReader` extends the YAML reader of :mod:`jittutor.lessons.source`
with one method per value type a lesson uses (a string, an integer, a list of
strings, a kind, Python code that must compile, ...). No jax, no textual.
"""

from __future__ import annotations

import difflib
import warnings
from typing import Any
from urllib.parse import urlsplit

from jittutor.diagnosis.kinds import ALL_KINDS
from jittutor.lessons.source import INVALID, YamlReader, describe


class FieldReader(YamlReader):
    """Reads one file's YAML (see :class:`YamlReader`) and checks its values' types."""

    def string(self, value: Any, path: str, *, nonempty: bool = True) -> Any:
        if value is INVALID:
            return INVALID
        if not isinstance(value, str):
            message = f"expected a string, got {describe(value)}"
            if isinstance(value, bool):
                message += "; YAML reads yes/no/on/off/true/false as booleans, quote it if you mean text"
            elif isinstance(value, (int, float)):
                message += f'; quote it: "{value}"'
            self.error(path, message)
            return INVALID
        if nonempty and not value.strip():
            self.error(path, "must not be empty")
            return INVALID
        return value

    def integer(self, value: Any, path: str, minimum: int | None = None) -> Any:
        if value is INVALID:
            return INVALID
        if isinstance(value, bool) or not isinstance(value, int):
            message = f"expected an integer, got {describe(value)}"
            if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
                message += "; remove the quotes"
            self.error(path, message)
            return INVALID
        if minimum is not None and value < minimum:
            self.error(path, f"must be at least {minimum}, got {value}")
            return INVALID
        return value

    def boolean(self, value: Any, path: str) -> Any:
        if value is INVALID:
            return INVALID
        if not isinstance(value, bool):
            self.error(path, f"expected true or false, got {describe(value)}")
            return INVALID
        return value

    def tolerance(self, value: Any, path: str) -> Any:
        if value is INVALID:
            return INVALID
        number: Any = value
        if isinstance(value, str):
            # YAML 1.1 reads 1e-5 (no dot) as a string; accept what Python reads as a number.
            try:
                number = float(value)
            except ValueError:
                number = value
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            self.error(path, f"expected a number, got {describe(value)}")
            return INVALID
        if not number >= 0 or number == float("inf"):
            self.error(path, f"must be a finite number >= 0, got {number}")
            return INVALID
        return float(number)

    def string_list(self, value: Any, path: str, min_len: int = 0) -> Any:
        if value is INVALID:
            return INVALID
        if not isinstance(value, list):
            self.error(path, f"expected a list of strings, got {describe(value)}")
            return INVALID
        items = [self.string(item, f"{path}[{i}]") for i, item in enumerate(value)]
        if INVALID in items:
            return INVALID
        if len(items) < min_len:
            self.error(path, f"needs at least {min_len} entries, got {len(items)}")
            return INVALID
        return items

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...]) -> Any:
        if value is INVALID:
            return INVALID
        if not isinstance(value, dict):
            self.error(path, f"expected a mapping, got {describe(value)}")
            return INVALID
        for name in value:
            if name not in allowed:
                self.error(f"{path}.{name}" if path else name, unknown_field(name, allowed))
        return value

    def kind(self, value: Any, path: str) -> Any:
        if value is INVALID:
            return INVALID
        if not isinstance(value, str):
            self.error(path, f"expected a kind name, got {describe(value)}")
            return INVALID
        if value not in ALL_KINDS:
            self.error(path, _unknown_kind(value))
            return INVALID
        return value

    def python(self, source: Any, path: str, mode: str = "exec", wrap: str = "{}") -> Any:
        """Compile ``source``; report a syntax error at its line in the file."""
        if source is INVALID:
            return INVALID
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SyntaxWarnings are the student's business
                code = compile(wrap.format(source), f"<{path}>", mode, dont_inherit=True)
        except SyntaxError as exc:
            self.error(path, *self._syntax_message(exc, path, mode))
            return INVALID
        except ValueError as exc:  # e.g. a NUL character
            self.error(path, f"not valid Python: {exc}")
            return INVALID
        return code

    def _syntax_message(self, exc: SyntaxError, path: str, mode: str) -> tuple[str, int | None]:
        if mode == "eval":
            return f"not a valid Python expression: {exc.msg}", None
        code_line = exc.lineno or 1
        return f"not valid Python: {exc.msg} (line {code_line} of the code)", self.line_within(path, code_line)


def unknown_field(name: Any, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(name), allowed, n=1)
    if close:
        return f"unknown field {name!r} (did you mean {close[0]!r}?)"
    return f"unknown field {name!r} (known fields: {', '.join(allowed)})"


def _unknown_kind(name: str) -> str:
    close = difflib.get_close_matches(name, ALL_KINDS, n=1, cutoff=0.6)
    if close:
        return f"unknown kind {name!r}; did you mean {close[0]!r}?"
    return f"unknown kind {name!r}; known kinds: {', '.join(ALL_KINDS)}"


def is_http_url(text: str) -> bool:
    if any(c.isspace() for c in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)
