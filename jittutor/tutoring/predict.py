"""A lesson's "predict" question: whether to ask it, remembering the answer, and scoring it.

The answers are remembered state (``ui-state.json`` under ``predictions``:
``{lesson id: {"choice": i, "correct": bool}}``). No jax, no textual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jittutor.lessons.model import Lesson, Predict
from jittutor.state.store import State

PREDICTIONS_KEY = "predictions"
_CODE_SPAN = re.compile(r"`([^`]+)`")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class PredictionNote:
    """Whether a prediction was right, in words (Markdown), after the run that answers it."""

    correct: bool
    title: str
    text: str


def score(predict: Predict, choice: int) -> PredictionNote:
    """The note that says whether ``choice`` was right, with the lesson's explanation."""
    right = choice == predict.answer
    picked = f"You predicted **{choice + 1}. {predict.choices[choice]}**"
    if right:
        text = f"{picked}: right."
    else:
        text = f"{picked}; the answer is **{predict.answer + 1}. {predict.choices[predict.answer]}**."
    if predict.explanation.strip():
        text += f"\n\n{predict.explanation.strip()}"
    return PredictionNote(right, "Prediction: right" if right else "Prediction: not quite", text)


def saved_predictions(state: State) -> dict[str, Any]:
    """The answers given so far: ``{lesson id: {"choice": i, "correct": b}}``."""
    saved = state.remembered().get(PREDICTIONS_KEY)
    return saved if isinstance(saved, dict) else {}


def save_prediction(state: State, lesson_id: str, predict: Predict, choice: int) -> None:
    """Remember the student's answer to a lesson's question (and whether it was right)."""
    answers = {**saved_predictions(state), lesson_id: {"choice": choice, "correct": choice == predict.answer}}
    state.remember(PREDICTIONS_KEY, answers)


def quotes_the_fix(lesson: Lesson) -> bool:
    """Whether the predict question quotes code of the fix: a name the solution uses and the starter
    does not, and that the lesson's title and summary do not already announce (``jit`` in "Your first
    jax.jit" gives nothing away; ``static_argnums`` in static-args does)."""
    if lesson.predict is None:
        return False
    starter, solution = set(_NAME.findall(lesson.starter)), set(_NAME.findall(lesson.solution))
    announced = set(_NAME.findall(f"{lesson.title} {lesson.summary}"))
    quoted = {name for span in _CODE_SPAN.findall(lesson.predict.question) for name in _NAME.findall(span)}
    return bool(quoted & (solution - starter - announced))
