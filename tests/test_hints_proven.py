"""A hint is a promise: the code a lesson's last rung shows is code the lesson contract runs.

The last rung of a lesson's ladder is the fix in code. Every code span it shows
must stand in the lesson's solution (or setup), which tests/test_lesson_contract.py
runs in a real worker and requires to pass, on two devices. So a student who
types the last hint gets code the tutor has run.
"""

from __future__ import annotations

import re

import pytest

from jittutor.lessons.catalogue import load_catalogue

CATALOGUE = load_catalogue()
_SPAN = re.compile(r"`([^`]+)`")


def _normal(code: str) -> str:
    """Code without comments, white space or statement separators, so a one-line hint matches a block."""
    code = re.sub(r"#[^\n]*", "", code)
    return re.sub(r"[\s;]+", "", code).replace(",)", ")")


def _code_spans(rung: str) -> list[str]:
    """Spans that are code a student would type (a call or an assignment), not a name or a value."""
    return [s for s in _SPAN.findall(rung) if len(s) > 12 and ("(" in s or "=" in s)]


@pytest.mark.parametrize("lesson", CATALOGUE.lessons, ids=lambda lesson: lesson.id)
def test_the_fix_in_code_is_the_solutions_code(lesson) -> None:  # type: ignore[no-untyped-def]
    last = lesson.hints[-1]
    spans = _code_spans(last)
    solution = _normal(lesson.solution + "\n" + lesson.setup)
    missing = [s for s in spans if _normal(s) not in solution]
    assert not missing, f"{lesson.id}: the last hint shows code the solution does not run: {missing}"
