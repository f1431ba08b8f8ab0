"""The tutoring core both fronts call: grading, which error leads, the hint ladder, the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from jittutor.diagnosis import kind_info
from jittutor.engine.protocol import CaseReport, ErrorInfo, ModeReport, RunReport, RunRequest, ValueSummary
from jittutor.lessons.catalogue import load_catalogue
from jittutor.state.store import State
from jittutor.tutoring.grading import assess, grade
from jittutor.tutoring.ladder import MAX_RUNGS, HintLadder, ladder_for, solution_unlocked
from jittutor.tutoring.session import LessonSession

CATALOGUE = load_catalogue()
STATIC_ARGS = CATALOGUE.get("static-args")

BOOL_ERROR = "Attempted boolean conversion of traced array with shape bool[]."


def _value(text: str) -> ValueSummary:
    return ValueSummary(repr=text, type="float")


def _failing_report() -> RunReport:
    """static-args' starter as the worker reports it: eager fine, jit raises a tracer-bool error."""
    cases = []
    for args in ("-2.0", "3.0"):
        jit_error = ErrorInfo(
            type="TracerBoolConversionError",
            message=BOOL_ERROR,
            mro=["TracerBoolConversionError", "ConcretizationTypeError", "TypeError", "Exception"],
            line=7,
            code="if x < 0.0:",
        )
        cases.append(
            CaseReport(
                args=args,
                eager=ModeReport(mode="eager", ok=True, value=_value("1.0"), seconds=1e-6),
                jit=ModeReport(mode="jit", error=jit_error),
            )
        )
    return RunReport(device="cpu:0", jax_version="0.10.2", cases=cases)


def _passing_report() -> RunReport:
    cases = [
        CaseReport(
            args=a,
            eager=ModeReport(mode="eager", ok=True, value=_value(v), seconds=2e-6),
            jit=ModeReport(mode="jit", ok=True, value=_value(v), seconds=1e-6, compiles=1),
            match=True,
        )
        for a, v in (("-2.0", "-24.0"), ("3.0", "9.0"), ("0.5", "1.5"))
    ]
    return RunReport(device="cpu:0", jax_version="0.10.2", cases=cases, compiles=3)


# --- grading and the error that leads ---------------------------------------------------


def test_the_error_that_leads_is_the_primary_diagnosis_one() -> None:
    verdict = grade(STATIC_ARGS, _failing_report())
    assert not verdict.passed and verdict.primary is not None and verdict.primary.kind == "tracer-bool"
    assert verdict.error is not None and verdict.error.message == BOOL_ERROR
    assert verdict.where == "case (-2.0), under jit"
    assert verdict.summary.startswith("not yet: tracer-bool")


def test_a_run_error_leads_over_case_errors() -> None:
    report = _failing_report()
    report.error = ErrorInfo(type="SyntaxError", message="invalid syntax", kind="syntax-error", line=3)
    verdict = grade(STATIC_ARGS, report)
    assert verdict.error is report.error and verdict.where == ""


def test_a_pass_has_no_ladder_and_no_error() -> None:
    verdict = grade(STATIC_ARGS, _passing_report())
    assert verdict.passed and verdict.hints == [] and verdict.error is None


def test_assess_without_a_lesson_uses_the_kinds_ladder() -> None:
    verdict = assess(_failing_report())
    assert not verdict.passed
    assert verdict.hints == list(kind_info("tracer-bool").hints)[:MAX_RUNGS]


# --- the ladder -----------------------------------------------------------------------


def test_the_lessons_own_ladder_for_the_failure_it_teaches_and_never_two_appended() -> None:
    ladder = ladder_for(STATIC_ARGS, "tracer-bool")
    assert ladder == list(STATIC_ARGS.hints)[:MAX_RUNGS]
    assert not set(kind_info("tracer-bool").hints) & set(ladder) - set(STATIC_ARGS.hints), "no generic rung appended"


def test_another_failure_gets_the_kinds_ladder_or_the_lessons_hints_by_kind() -> None:
    for kind, rungs in STATIC_ARGS.hints_by_kind.items():
        if kind == STATIC_ARGS.starter_fails_with:
            continue  # the failure the lesson teaches: its main ladder (above)
        ladder = ladder_for(STATIC_ARGS, kind)
        assert ladder[-len(rungs) :] == rungs, "the lesson's own fix for that failure ends the ladder"
        assert len(ladder) <= MAX_RUNGS and len(set(ladder)) == len(ladder)
    assert ladder_for(STATIC_ARGS, "out-of-memory") == list(kind_info("out-of-memory").hints)[:MAX_RUNGS]


@pytest.mark.parametrize("lesson", CATALOGUE.lessons, ids=lambda lesson: lesson.id)
def test_every_ladder_is_short_and_never_repeats(lesson) -> None:  # type: ignore[no-untyped-def]
    for kind in [lesson.starter_fails_with, *lesson.hints_by_kind]:
        rungs = ladder_for(lesson, kind)
        assert rungs and len(rungs) <= MAX_RUNGS and len(set(rungs)) == len(rungs)


def test_reveal_climbs_then_offers_the_solution_then_stops() -> None:
    ladder = HintLadder(["a", "b"])
    assert not solution_unlocked(ladder, passed=False, done_before=False)
    assert ladder.reveal(solution=None).text == "a"
    second = ladder.reveal(solution=None)
    assert (second.what, second.number, second.total, second.text) == ("hint", 2, 2, "b")
    assert ladder.exhausted and solution_unlocked(ladder, passed=False, done_before=False)
    assert ladder.reveal(solution="SOL").what == "solution"
    assert ladder.reveal(solution="SOL").what == "end"


# --- the session ----------------------------------------------------------------------


def _session(home: Path) -> LessonSession:
    return LessonSession(STATIC_ARGS, State.load(home), CATALOGUE)


def _judge(session: LessonSession, report: RunReport, text: str = "def f(x): ...") -> object:
    code = session.code(text=text)
    return session.judge(code, session.request(code), report)


def test_a_failure_shows_the_first_rung_and_records_the_attempt(jittutor_home: Path) -> None:
    session = _session(jittutor_home)
    checked = _judge(session, _failing_report())
    assert checked.hints == [STATIC_ARGS.hints[0]] and checked.total_hints == len(
        ladder_for(STATIC_ARGS, "tracer-bool")
    )
    saved = State.load(jittutor_home).lesson("static-args")
    assert (saved.attempts, saved.status, saved.last_failure, saved.ladder, saved.ladder_revealed) == (
        1, "in-progress", "tracer-bool", "tracer-bool", 1,
    )  # fmt: skip
    assert saved.hints_used == 0, "the first rung comes with the failure; it is not a hint asked for"


def test_hints_revealed_anywhere_are_one_count(jittutor_home: Path) -> None:
    app_session = _session(jittutor_home)
    _judge(app_session, _failing_report())
    assert app_session.reveal_next().number == 2
    # Another front (`jittutor hint`, `check`) opens its own session and continues the same ladder.
    cli_session = _session(jittutor_home)
    assert cli_session.ladder.revealed == 2
    assert cli_session.reveal_next().number == 3
    assert State.load(jittutor_home).lesson("static-args").hints_used == 3
    again = _judge(cli_session, _failing_report())
    assert len(again.hints) == 3, "the same failure keeps the rungs already revealed"


def test_a_hint_that_cannot_be_saved_is_shown_with_a_warning(
    jittutor_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _session(jittutor_home)
    _judge(session, _failing_report())

    def full_disk(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(session.state, "record_hint", full_disk)
    reveal = session.reveal_next()
    assert (reveal.what, reveal.number) == ("hint", 2) and reveal.text == STATIC_ARGS.hints[1]
    assert reveal.warning == (
        "Could not save that hint 2 was shown (No space left on device); the next session starts from the hint before it"
    )
    assert session.state.warnings == [], "said once, by whoever shows the rung, not again at the next load"
    monkeypatch.undo()
    assert session.reveal_next().warning == ""


def test_the_solution_unlocks_after_the_last_rung_or_a_pass(jittutor_home: Path) -> None:
    session = _session(jittutor_home)
    _judge(session, _failing_report())
    assert not session.solution_available()
    while session.ladder.revealed < len(session.ladder.rungs):
        session.reveal_next()
    assert session.reveal_next().what == "solution"
    other = _session(Path(str(jittutor_home) + "-2"))
    checked = _judge(other, _passing_report())
    assert checked.passed and checked.next_lesson == CATALOGUE.next_id("static-args")
    assert other.solution_available()
    assert "+" in other.solution_diff("def f(x):\n    return x\n")


def test_the_starter_and_solution_are_not_attempts(jittutor_home: Path) -> None:
    session = _session(jittutor_home)
    code = session.code(which="solution")
    session.judge(code, session.request(code), _passing_report())
    assert State.load(jittutor_home).lesson("static-args").attempts == 0


def test_a_job_the_scheduler_ended_is_not_an_attempt(jittutor_home: Path) -> None:
    session = _session(jittutor_home)
    ended = RunReport(
        device="cpu:0",
        jax_version="0.10.2",
        error=ErrorInfo(
            type="WorkerEnded", message="*** STEP 7.0 ON n1 CANCELLED AT now DUE TO TIME LIMIT ***", kind="worker-ended"
        ),
    )
    checked = _judge(session, ended)
    assert not checked.passed
    assert State.load(jittutor_home).lesson("static-args").attempts == 0
    _judge(session, _failing_report())
    assert State.load(jittutor_home).lesson("static-args").attempts == 1


def test_which_code_a_check_runs(jittutor_home: Path, tmp_path: Path) -> None:
    session = _session(jittutor_home)
    assert session.code().origin == "the starter"
    session.state.save_draft("static-args", "draft\n")
    assert (session.code().origin, session.code().source) == ("your saved draft", "draft\n")
    mine = tmp_path / "mine.py"
    mine.write_text("mine\n")
    code = session.code(file=mine)
    assert (code.source, code.filename) == ("mine\n", str(mine))
    request: RunRequest = session.request(code)
    assert request.filename == str(mine), "errors name the student's own file, as typed"


def test_a_prediction_is_scored_by_the_next_run_and_asked_once(jittutor_home: Path) -> None:
    lesson = next(lesson for lesson in CATALOGUE.lessons if lesson.predict is not None)
    session = LessonSession(lesson, State.load(jittutor_home), CATALOGUE)
    assert session.prediction_due()
    session.predict(lesson.predict.answer)  # type: ignore[union-attr]
    assert not session.prediction_due()
    code = session.code(text="x")
    checked = session.judge(code, session.request(code), _failing_report())
    assert checked.prediction is not None and checked.prediction.correct
    assert not LessonSession(lesson, State.load(jittutor_home), CATALOGUE).prediction_due(), "answered before"


def test_progress_is_published_for_the_instructor(jittutor_home: Path, tmp_path: Path) -> None:
    shared = tmp_path / "class"
    session = LessonSession(STATIC_ARGS, State.load(jittutor_home), CATALOGUE, progress_dir=shared)
    _judge(session, _failing_report())
    (export,) = shared.glob("*.json")
    assert '"static-args"' in export.read_text()


def test_generic_rungs_name_the_argument_jax_blamed_never_an_example_name() -> None:
    from jittutor.tutoring.ladder import fit_to_code, named_argument

    message = (
        "Attempted boolean conversion of traced array with shape bool[].\nThe error occurred while tracing the "
        "function cond_func at x.py:3 for jit. This concrete value was not available in Python because it "
        "depends on the value of the argument x."
    )
    assert named_argument(message) == "x"
    rung = 'mark it static: `jax.jit(f, static_argnames="mode")` (or `static_argnums`).'
    assert fit_to_code([rung], argument="x", source="") == [rung.replace('"mode"', '"x"')]
    # No argument named, and the example's name is not in the code: a placeholder, not a wrong name.
    source = "def sum_squared_error(a, b):\n    return a\n"
    assert '"<the argument>"' in fit_to_code([rung], argument=None, source=source)[0]
    assert fit_to_code([rung], argument=None, source="def f(mode):\n    pass\n") == [rung]
    verdict = assess(_failing_report_with(message))
    assert any('static_argnames="x"' in h for h in verdict.hints)


def _failing_report_with(message: str) -> RunReport:
    report = _failing_report()
    for case in report.cases:
        case.jit.error.message = message  # type: ignore[union-attr]
    return report


def test_a_ladder_fitted_to_the_code_keeps_its_count_across_sessions(jittutor_home: Path) -> None:
    """A generic ladder names the argument JAX blamed; a new session (another front) must not reset it."""
    jit_basics = CATALOGUE.get("jit-basics")  # teaches not-jitted: tracer-bool gets the kind's ladder
    message = BOOL_ERROR + " This concrete value was not available because it depends on the value of the argument x."
    report = _failing_report_with(message)
    first = LessonSession(jit_basics, State.load(jittutor_home), CATALOGUE)
    code = first.code(text="def sum_squared_error(x):\n    return x\n")
    first.judge(code, first.request(code), report)
    assert first.reveal_next().number == 2
    again = LessonSession(jit_basics, State.load(jittutor_home), CATALOGUE)
    checked = again.judge(code, again.request(code), _failing_report_with(message))
    assert len(checked.hints) == 2, "the count revealed in the other session is kept"
    assert checked.hints == first.ladder.rungs[:2]


def test_a_new_session_words_a_fitted_ladder_as_the_failed_run_did(jittutor_home: Path) -> None:
    """`jittutor hint` in a new process has no run: the saved blamed argument fits its rungs the same way."""
    jit_basics = CATALOGUE.get("jit-basics")
    message = BOOL_ERROR + " This concrete value was not available because it depends on the value of the argument x."
    first = LessonSession(jit_basics, State.load(jittutor_home), CATALOGUE)
    code = first.code(text="def sum_squared_error(x):\n    return x\n")
    first.judge(code, first.request(code), _failing_report_with(message))
    assert any('static_argnames="x"' in rung for rung in first.ladder.rungs)
    assert State.load(jittutor_home).lesson("jit-basics").ladder_argument == "x"
    later = LessonSession(jit_basics, State.load(jittutor_home), CATALOGUE)
    assert later.ladder.rungs == first.ladder.rungs
