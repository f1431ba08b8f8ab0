"""Every shipped lesson keeps its promise: the starter fails as declared, the solution passes."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from jittutor.engine.pool import WorkerPool
from jittutor.lessons.catalogue import load_catalogue
from jittutor.tutoring.grading import grade
from jittutor.tutoring.requests import lesson_request

CATALOGUE = load_catalogue()

_JAX = tuple(int(p) for p in version("jax").split(".")[:3] if p.isdigit())

LESSONS = CATALOGUE.lessons


def test_builtin_catalogue_has_no_broken_lessons() -> None:
    assert CATALOGUE.broken == []
    assert len(LESSONS) >= 3


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_starter_fails_as_declared(pool: WorkerPool, lesson) -> None:  # type: ignore[no-untyped-def]
    report = pool.run(lesson_request(lesson, lesson.starter, "cpu:0"), timeout=60)
    verdict = grade(lesson, report)
    assert not verdict.passed, f"{lesson.id}: the starter passes"
    failing = [d.kind for d in verdict.diagnoses if d.failing]
    assert failing and failing[0] == lesson.starter_fails_with, (
        f"{lesson.id}: starter shows {verdict.kinds}, lesson declares {lesson.starter_fails_with}"
    )
    assert verdict.hints, f"{lesson.id}: no hints for a failing starter"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_solution_passes(pool: WorkerPool, lesson) -> None:  # type: ignore[no-untyped-def]
    report = pool.run(lesson_request(lesson, lesson.solution, "cpu:0"), timeout=60)
    verdict = grade(lesson, report)
    assert verdict.passed, f"{lesson.id}: {verdict.summary}; {[(d.kind, d.detail, d.error) for d in verdict.diagnoses]}"
    assert all(c.match for c in report.cases)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_solution_passes_on_the_second_device(pool: WorkerPool, lesson) -> None:  # type: ignore[no-untyped-def]
    report = pool.run(lesson_request(lesson, lesson.solution, "cpu:1"), timeout=60)
    assert report.device == "cpu:1"
    assert grade(lesson, report).passed
    for case in report.cases:
        for mode in (case.eager, case.jit):
            if mode.value is not None and mode.value.device:
                assert mode.value.device == "cpu:1"


def test_the_curriculum_covers_the_common_pitfalls() -> None:
    assert len(LESSONS) >= 20
    kinds = {lesson.starter_fails_with for lesson in LESSONS}
    assert len(kinds) >= 14, sorted(kinds)
    assert [lesson.id for lesson in LESSONS[:3]] == ["jit-basics", "static-args", "static-ops"]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_every_lesson_links_the_jax_docs_and_has_a_hint_ladder(lesson) -> None:  # type: ignore[no-untyped-def]
    assert lesson.docs.startswith("https://docs.jax.dev/")
    assert len(lesson.hints) >= 2
