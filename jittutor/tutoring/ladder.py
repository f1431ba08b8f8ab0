"""The hint ladder: one ladder per failure, revealed one rung at a time, then the solution.

Which ladder: the lesson's own (``hints``) when the failure is the one the
lesson teaches (``starter_fails_with``); the kind's ladder otherwise, never
both appended. Where the lesson wrote ``hints_by_kind`` for another failure,
that rung is this lesson's fix for it and ends the kind's ladder (the nudge
and the concept come from the kind). A ladder climbs from a nudge to the fix
and stops: at most :data:`MAX_RUNGS` rungs, none repeated.

When the solution unlocks: after the student passed (now or before), or once
every rung of the current ladder is revealed. Both fronts ask this module; no
screen decides it. No jax, no textual.
"""

from __future__ import annotations

from dataclasses import dataclass

from jittutor.diagnosis import kind_info
from jittutor.lessons.model import MAX_HINTS, Lesson

MAX_RUNGS = MAX_HINTS


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in items if not (x in seen or seen.add(x))]  # type: ignore[func-returns-value]


def ladder_for(lesson: Lesson | None, kind: str | None, *, passed: bool = False) -> list[str]:
    """The rungs for ``kind`` (the failure that leads) in ``lesson``; ``[]`` once passed."""
    if passed:
        return []
    if lesson is not None:
        if kind is None or kind == lesson.starter_fails_with:
            return _unique(list(lesson.hints))[:MAX_RUNGS]
        if kind in lesson.hints_by_kind:
            own = _unique(list(lesson.hints_by_kind[kind]))[:MAX_RUNGS]
            generic = [h for h in kind_info(kind).hints if h not in own]
            return [*generic[: MAX_RUNGS - len(own)], *own]
    if kind is None:
        return []
    return _unique(list(kind_info(kind).hints))[:MAX_RUNGS]


@dataclass(frozen=True)
class Reveal:
    """What one press of "next hint" gave: a rung, the solution, or nothing more."""

    what: str  # "hint", "solution" or "end"
    number: int = 0  # the rung's number (1-based), for "hint"
    total: int = 0
    text: str = ""  # the rung's text, or the solution's source


@dataclass
class HintLadder:
    """The rungs of the current ladder and how many are revealed."""

    rungs: list[str]
    revealed: int = 0
    solution_shown: bool = False

    @property
    def shown(self) -> list[str]:
        return self.rungs[: self.revealed]

    @property
    def exhausted(self) -> bool:
        return bool(self.rungs) and self.revealed >= len(self.rungs)

    def reveal(self, *, solution: str | None) -> Reveal:
        """The next rung; after the last, ``solution`` (when unlocked and not yet shown); then the end."""
        if self.revealed < len(self.rungs):
            self.revealed += 1
            return Reveal("hint", self.revealed, len(self.rungs), self.rungs[self.revealed - 1])
        if solution is not None and not self.solution_shown:
            self.solution_shown = True
            return Reveal("solution", text=solution)
        return Reveal("end")


def solution_unlocked(ladder: HintLadder, *, passed: bool, done_before: bool) -> bool:
    """May the student see the reference solution now?"""
    return passed or done_before or ladder.exhausted
