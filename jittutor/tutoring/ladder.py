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

import ast
import re
from dataclasses import dataclass

from jittutor.diagnosis import kind_info
from jittutor.lessons.model import MAX_HINTS, Lesson

MAX_RUNGS = MAX_HINTS


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in items if not (x in seen or seen.add(x))]  # type: ignore[func-returns-value]


#: JAX names the argument a traced value came from: "... because it depends on the value of the argument x".
_NAMED_ARGUMENT = re.compile(r"depends on the values? of the arguments? [`'\"]?([A-Za-z_]\w*)")
_STATIC_NAME = re.compile(r"""static_argnames=(["'])\w+\1""")


def named_argument(message: str) -> str | None:
    """The argument JAX's message blames, if it names one."""
    match = _NAMED_ARGUMENT.search(message)
    return match.group(1) if match else None


def _parameters(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {
        a.arg
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
    }


def fit_to_code(rungs: list[str], *, argument: str | None, source: str) -> list[str]:
    """Generic rungs made to fit this code: ``static_argnames="n"`` names the argument JAX blamed.

    A kind's texts show example names; a rung must never name an argument this
    code does not have. With no argument named (and the example's not in the
    code), the example name becomes a placeholder the student fills in.
    """
    params = _parameters(source) if source else set()

    def name(match: re.Match[str]) -> str:
        quote = match.group(1)
        example = match.group(0).split(quote)[1]
        if argument:
            return f"static_argnames={quote}{argument}{quote}"
        if not params or example in params:
            return match.group(0)
        return f"static_argnames={quote}<the argument>{quote}"

    return [_STATIC_NAME.sub(name, rung) for rung in rungs]


def ladder_for(
    lesson: Lesson | None,
    kind: str | None,
    *,
    passed: bool = False,
    message: str = "",
    source: str = "",
    argument: str | None = None,
) -> list[str]:
    """The rungs for ``kind`` (the failure that leads) in ``lesson``; ``[]`` once passed.

    ``message`` (JAX's, for the error that leads) and ``source`` (the student's
    code) fit the kind's generic rungs to this code; a lesson's own rungs are
    written for it already. ``argument`` is the blamed argument when the
    message is not at hand (a new session goes on with a saved ladder).
    """
    if passed:
        return []
    argument = named_argument(message) or argument

    def kind_rungs(exclude: list[str]) -> list[str]:
        rungs = [h for h in _unique(list(kind_info(kind).hints)) if h not in exclude]  # type: ignore[arg-type]
        return fit_to_code(rungs, argument=argument, source=source)

    if lesson is not None:
        if kind is None or kind == lesson.starter_fails_with:
            return _unique(list(lesson.hints))[:MAX_RUNGS]
        if kind in lesson.hints_by_kind:
            own = _unique(list(lesson.hints_by_kind[kind]))[:MAX_RUNGS]
            return [*kind_rungs(own)[: MAX_RUNGS - len(own)], *own]
    if kind is None:
        return []
    return kind_rungs([])[:MAX_RUNGS]


@dataclass(frozen=True)
class Reveal:
    """What one press of "next hint" gave: a rung, the solution, or nothing more."""

    what: str  # "hint", "solution" or "end"
    number: int = 0  # the rung's number (1-based), for "hint"
    total: int = 0
    text: str = ""  # the rung's text, or the solution's source
    warning: str = ""  # set when the reveal could not be saved (the rung is shown all the same)


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
