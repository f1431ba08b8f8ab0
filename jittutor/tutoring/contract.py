"""The lesson contract, checked for a pack: the starter fails as declared, the solution passes.

``jittutor validate DIR --contract`` runs both through a real worker, the way
CI checks the built-in lessons. No jax, no textual here.
"""

from __future__ import annotations

from dataclasses import dataclass

from jittutor.engine.pool import WorkerPool
from jittutor.lessons.model import Lesson
from jittutor.tutoring.grading import grade
from jittutor.tutoring.requests import lesson_request


@dataclass
class ContractResult:
    """What one lesson's starter and solution did."""

    lesson_id: str
    ok: bool
    message: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.lesson_id}: {self.message}"


def check_contract(
    lesson: Lesson, pool: WorkerPool, device: str | None = None, timeout: float = 60.0
) -> ContractResult:
    """Run the lesson's starter and solution and compare with what the lesson promises."""
    problems: list[str] = []
    starter = grade(lesson, pool.run(lesson_request(lesson, lesson.starter, device), timeout=timeout))
    failing = [d.kind for d in starter.diagnoses if d.failing]
    if starter.passed:
        problems.append(f"the starter passes, but it should fail with {lesson.starter_fails_with}")
    elif not failing or failing[0] != lesson.starter_fails_with:
        shown = ", ".join(failing) or starter.summary
        problems.append(f"the starter fails with {shown}, but the lesson declares {lesson.starter_fails_with}")
    solution = grade(lesson, pool.run(lesson_request(lesson, lesson.solution, device), timeout=timeout))
    if not solution.passed:
        detail = next((d for d in solution.diagnoses if d.failing), None)
        why = f"{detail.kind}: {detail.title}" if detail is not None else solution.summary
        problems.append(f"the solution does not pass ({why})")
    if problems:
        return ContractResult(lesson.id, False, "; ".join(problems))
    return ContractResult(lesson.id, True, f"starter fails with {lesson.starter_fails_with}, solution passes")
