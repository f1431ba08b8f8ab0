"""Lessons: the schema, as dataclasses and the field names a lesson file may use.

One lesson is one YAML file whose top-level fields are :data:`TOP_FIELDS` (the
fields of :class:`Lesson`). :mod:`jittutor.lessons.source` reads the file into
plain values and a line map; :mod:`jittutor.lessons.validate` checks them
against this schema and builds the :class:`Lesson`. No jax, no textual here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from jittutor.engine.protocol import CaseSpec

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: Rungs in one hint ladder at most: nudge, concept, the fix in words, the fix in code (and room for two more).
MAX_HINTS = 6

TOP_FIELDS = tuple(
    "id title order summary docs tags explanation setup entry starter solution "
    "starter_fails_with cases checks hints hints_by_kind predict".split()
)
REQUIRED_FIELDS = frozenset(
    "id title order docs explanation entry starter solution starter_fails_with cases hints".split()
)
CASE_FIELDS = ("args", "expect", "rtol", "atol")
CHECK_FIELDS = ("max_compiles", "require_jit", "forbid_tracer_print", "wrap_entry")
PREDICT_FIELDS = ("question", "choices", "answer", "explanation")


# --- the lesson ----------------------------------------------------------------


@dataclass
class Checks:
    """Extra checks on a run, beyond the cases' values."""

    max_compiles: int | None = None  # more compilations than this fails ("recompiles")
    require_jit: bool = False  # the entry must itself be a jax.jit function ("not-jitted")
    forbid_tracer_print: bool = False  # printing a tracer inside jit fails ("print-in-jit")
    # False: the jit column calls the entry as written instead of jax.jit(entry), for lessons
    # whose entry does its own jitting (and so can re-jit on every call).
    wrap_entry: bool = True


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
