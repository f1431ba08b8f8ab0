"""The teacher's texts for every diagnosis kind, read from the bundled ``kinds.yaml``.

The YAML ships inside the package, so explanations, hints and docs links work
offline. It is read once, on first use, and checked against
:data:`jittutor.diagnosis.kinds.ALL_KINDS` so a missing or misspelt kind fails
loudly in the tests rather than quietly in front of a student.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import yaml

from jittutor.diagnosis.kinds import ALL_KINDS

TEXTS_FILE = "kinds.yaml"


@dataclass(frozen=True)
class KindInfo:
    """What the tutor says about one kind of problem.

    ``explanation`` is a short Markdown paragraph (what happened and why);
    ``hints`` are ordered fix steps, from a nudge to the near-answer; ``docs`` is
    the URL of the JAX (or Python) docs section that covers it.
    """

    kind: str
    title: str
    explanation: str
    hints: tuple[str, ...]
    docs: str
    examples: tuple[KindExample, ...] = ()
    """Code that shows the kind and its fix; tests run both in a real worker (a hint is a promise)."""


@dataclass(frozen=True)
class KindExample:
    """A small failing program and the fixed version the hints lead to.

    ``failing`` must fail with the kind; ``fixed`` must run eagerly and under
    jit, agree, and return ``expect`` (an expression) for ``args``.
    """

    entry: str
    args: tuple[str, ...]
    failing: str
    fixed: str
    expect: tuple[str, ...] | None = None  # one expression per argument list


class KindTextsError(ValueError):
    """The bundled ``kinds.yaml`` is malformed (a packaging bug, not a user error)."""


def _text(kind: str, entry: dict[str, object], key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise KindTextsError(f"{TEXTS_FILE}: kind {kind!r}: {key!r} must be a non-empty string")
    return " ".join(value.split()) if key != "docs" else value.strip()


def _examples(kind: str, value: object) -> tuple[KindExample, ...]:
    if value is None:
        return ()
    where = f"{TEXTS_FILE}: kind {kind!r}: examples"
    if not isinstance(value, list):
        raise KindTextsError(f"{where} must be a list")
    out = []
    for n, item in enumerate(value):
        if not isinstance(item, dict) or not {"entry", "args", "failing", "fixed"} <= set(item):
            raise KindTextsError(f"{where}[{n}] needs entry, args, failing and fixed")
        args = item["args"]
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise KindTextsError(f"{where}[{n}]: args must be a list of argument lists (strings)")
        expect = item.get("expect")
        if expect is not None and (not isinstance(expect, list) or len(expect) != len(args)):
            raise KindTextsError(f"{where}[{n}]: expect must be a list with one expression per argument list")
        out.append(KindExample(str(item["entry"]), tuple(args), str(item["failing"]), str(item["fixed"]),
                               None if expect is None else tuple(str(e) for e in expect)))  # fmt: skip
    return tuple(out)


def parse_kind_texts(data: object) -> dict[str, KindInfo]:
    """Build the kind -> :class:`KindInfo` table from the YAML document ``data``."""
    if not isinstance(data, dict):
        raise KindTextsError(f"{TEXTS_FILE}: expected a mapping of kind names")
    unknown = sorted(set(data) - set(ALL_KINDS))
    missing = [k for k in ALL_KINDS if k not in data]
    if unknown or missing:
        raise KindTextsError(f"{TEXTS_FILE}: unknown kinds {unknown}, missing kinds {missing}")
    table: dict[str, KindInfo] = {}
    for kind in ALL_KINDS:
        entry = data[kind]
        if not isinstance(entry, dict):
            raise KindTextsError(f"{TEXTS_FILE}: kind {kind!r} must be a mapping")
        hints = entry.get("hints")
        if not isinstance(hints, list) or not all(isinstance(h, str) and h.strip() for h in hints):
            raise KindTextsError(f"{TEXTS_FILE}: kind {kind!r}: 'hints' must be a list of strings")
        table[kind] = KindInfo(
            kind=kind,
            title=_text(kind, entry, "title"),
            explanation=_text(kind, entry, "explanation"),
            hints=tuple(" ".join(h.split()) for h in hints),
            docs=_text(kind, entry, "docs"),
            examples=_examples(kind, entry.get("examples")),
        )
    return table


@functools.lru_cache(maxsize=1)
def kind_texts() -> dict[str, KindInfo]:
    """Every kind's :class:`KindInfo`, loaded once from the package data."""
    text = resources.files("jittutor.diagnosis").joinpath(TEXTS_FILE).read_text(encoding="utf-8")
    return parse_kind_texts(yaml.safe_load(text))


def kind_info(kind: str) -> KindInfo:
    """The texts for ``kind``; ``KeyError`` for a name not in ``ALL_KINDS``."""
    table = kind_texts()
    if kind not in table:
        raise KeyError(f"unknown diagnosis kind {kind!r}")
    return table[kind]
