"""The message table: which wording of which JAX release means which kind.

The rows live in ``messages.yaml`` beside this module, as data: a kind, a
regular expression over the exception's message, where the wording comes from
(``jax`` with the literal fragments of JAX's source, or ``python``, ``numpy``,
``xla``), and the JAX releases it appears in (``first`` .. ``last``, with
``pre-0.4.30`` for wordings older than the releases read). ``tools/jax_messages.py``
checks the version claims against the released wheels; a test checks them
against the installed JAX.

No jax import: the front process classifies pasted text with this table.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

import yaml

from jittutor.diagnosis.kinds import ALL_KINDS

MESSAGES_FILE = "messages.yaml"

#: Stands for "older than every release read" in ``first`` and ``last``.
PRE = "pre-0.4.30"
ORIGINS = ("jax", "jaxlib", "python", "numpy", "xla", "context")


class MessageTableError(ValueError):
    """The bundled ``messages.yaml`` is malformed (a packaging bug, not a user error)."""


@dataclass(frozen=True)
class MessageRow:
    """One row of the table; the first row whose pattern matches wins.

    ``refines`` names a kind that an exception's class settled on; such a row
    may replace it with ``kind`` when its pattern matches the message or the
    code line (``TracerIntegerConversionError`` raised for a traced ``axis``).
    ``inside_jax_only`` rows match Python's own wordings only where a traceback
    shows JAX raised them (``unhashable type: 'Model'`` chained to JAX's error).
    """

    kind: str
    pattern: re.Pattern[str]
    origin: str
    jax: tuple[str, ...]
    first: str
    last: str
    example: str
    example_type: str = ""
    concretization_only: bool = False
    inside_jax_only: bool = False
    refines: str | None = None


def version_key(version: str) -> tuple[int, ...]:
    """``"0.9.0.1"`` -> ``(0, 9, 0, 1)``; ``pre-0.4.30`` sorts just before 0.4.30."""
    if version == PRE:
        return (0, 4, 29, 10**6)
    return tuple(int(part) for part in re.findall(r"\d+", version)[:4])


def claimed_present(row: MessageRow, version: str) -> bool | None:
    """Whether ``row`` claims its wording is in JAX ``version``; ``None``: it does not say.

    ``pre-0.4.30`` only says "in some release before 0.4.30", so a row claims
    nothing about one older release.
    """
    key = version_key(version)
    if key < version_key(PRE) and (row.first == PRE or row.last == PRE):
        return None
    after_first = row.first == PRE or key >= version_key(row.first)
    return after_first and key <= version_key(row.last)


def _row(n: int, entry: object, tracer: str) -> MessageRow:
    where = f"{MESSAGES_FILE}: row {n}"
    if not isinstance(entry, dict):
        raise MessageTableError(f"{where}: expected a mapping")
    kind, pattern = entry.get("kind"), entry.get("pattern")
    if kind not in ALL_KINDS:
        raise MessageTableError(f"{where}: unknown kind {kind!r}")
    if not isinstance(pattern, str) or not pattern:
        raise MessageTableError(f"{where}: 'pattern' must be a regular expression")
    origin = entry.get("origin", "jax")
    if origin not in ORIGINS:
        raise MessageTableError(f"{where}: origin must be one of {ORIGINS}")
    jax = entry.get("jax", [])
    if isinstance(jax, str):
        jax = [jax]
    if (origin == "jax") != bool(jax):
        raise MessageTableError(f"{where}: 'jax' source fragments are required for origin jax, and only there")
    first, last = str(entry.get("first", "")), str(entry.get("last", ""))
    for value in (first, last):
        if value != PRE and not re.fullmatch(r"\d+(?:\.\d+){2,3}", value):
            raise MessageTableError(f"{where}: versions must look like 0.4.30 or {PRE!r}, not {value!r}")
    example = entry.get("example")
    if not isinstance(example, str) or not example:
        raise MessageTableError(f"{where}: 'example' must be the message as printed")
    try:
        compiled = re.compile(pattern.replace("{TRACER}", tracer))
    except re.error as exc:
        raise MessageTableError(f"{where}: bad pattern: {exc}") from exc
    refines = entry.get("refines")
    if refines is not None and refines not in ALL_KINDS:
        raise MessageTableError(f"{where}: unknown kind to refine {refines!r}")
    return MessageRow(
        kind=kind,
        pattern=compiled,
        origin=origin,
        jax=tuple(str(f) for f in jax),
        first=first,
        last=last,
        example=example,
        example_type=str(entry.get("example_type", "")),
        concretization_only=bool(entry.get("concretization_only", False)),
        inside_jax_only=bool(entry.get("inside_jax_only", False)),
        refines=refines,
    )


def parse_rows(data: object, tracer: str) -> tuple[MessageRow, ...]:
    """The rows of the YAML document ``data``; ``{TRACER}`` in a pattern becomes ``tracer``."""
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise MessageTableError(f"{MESSAGES_FILE}: expected a mapping with a list of 'rows'")
    return tuple(_row(n, entry, tracer) for n, entry in enumerate(data["rows"], 1))


@functools.lru_cache(maxsize=1)
def _document() -> dict[str, object]:
    text = resources.files("jittutor.diagnosis").joinpath(MESSAGES_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise MessageTableError(f"{MESSAGES_FILE}: expected a mapping")
    return data


def scanned_releases() -> tuple[str, str]:
    """The oldest and newest JAX release the table's version claims were checked against."""
    scanned = _document().get("scanned", {})
    if not isinstance(scanned, dict):
        raise MessageTableError(f"{MESSAGES_FILE}: 'scanned' must map first/last to versions")
    return str(scanned["first"]), str(scanned["last"])


@functools.lru_cache(maxsize=1)
def load_rows() -> tuple[MessageRow, ...]:
    """Every row of the bundled table, in order, read once."""
    from jittutor.diagnosis.classify import TRACER_RE  # the one definition of a printed tracer

    return parse_rows(_document(), TRACER_RE.pattern)
