"""The lesson session: the one place where checking a lesson happens, for both fronts.

A student checks a lesson from the app (F5), from ``jittutor check`` or from
``jittutor watch``; a grader from ``check --json``. Each of them asks a
:class:`LessonSession` to pick the code (a file, the draft, the starter, the
solution), run it through the worker pool, grade it, move the hint ladder,
record the attempt and publish progress. It returns plain data
(:class:`Checked`) that the CLI prints and the app draws. A second path for
either front would drift: the hint count, the error that leads and the moment
the solution unlocks would differ between the terminal and the app, which is
exactly what this module exists to prevent.

Threads: :meth:`LessonSession.check` blocks while the worker runs, so the app
calls it from a thread worker; it touches no widget. No jax, no textual.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from jittutor.engine.devices import resolve_device
from jittutor.engine.protocol import RunReport, RunRequest
from jittutor.errors import UsageError
from jittutor.lessons.catalogue import Catalogue
from jittutor.lessons.model import Lesson
from jittutor.lessons.source import not_a_regular_file
from jittutor.state.export import publish
from jittutor.state.store import State
from jittutor.tutoring.grading import Verdict, grade
from jittutor.tutoring.ladder import HintLadder, Reveal, ladder_for, named_argument, solution_unlocked
from jittutor.tutoring.predict import PredictionNote, quotes_the_fix, save_prediction, saved_predictions, score
from jittutor.tutoring.requests import lesson_request

if TYPE_CHECKING:
    from jittutor.engine.pool import WorkerPool


MAX_SOURCE_BYTES = 1 << 20


@dataclass(frozen=True)
class Code:
    """The code a check runs, and where it came from."""

    source: str
    origin: str  # in words: "your saved draft", "the starter", "the solution", or the file's path
    filename: str  # how errors name it
    counts: bool = True  # an attempt of the student's (the starter and solution are not)


def read_source(path: str | Path) -> str:
    """A student's file as text; every way it can fail is a :class:`UsageError` naming the file.

    Only a regular file of at most :data:`MAX_SOURCE_BYTES` is read: a FIFO would block,
    ``/dev/zero`` would never end.
    """
    p = Path(path)
    problem = not_a_regular_file(p) if p.exists() and not p.is_dir() else None
    if problem is not None:
        raise UsageError(f"{path}: {problem}")
    if p.is_file() and p.stat().st_size > MAX_SOURCE_BYTES:
        size = p.stat().st_size
        raise UsageError(f"{path}: {size:,} bytes; a student's Python file is under 1 MiB (is this the right file?)")
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a Python file") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None


def run_on_device(pool: WorkerPool, request: RunRequest, device: str | None, timeout: float) -> RunReport:
    """Run ``request`` on the device the user named (``cpu:1``, ``gpu``, ...; None: the default).

    The one device resolver of both fronts: an unknown device is a
    :class:`~jittutor.engine.devices.DeviceNotFound` listing the devices there are.
    """
    info = pool.info()
    request.device = resolve_device(device, info.devices, info.default_device).name
    return pool.run(request, timeout=timeout)


@dataclass
class Checked:
    """One check of a lesson, judged: everything either front shows after a run."""

    lesson: Lesson
    code: Code
    request: RunRequest
    report: RunReport
    verdict: Verdict
    hints: list[str]  # the rungs revealed so far (with a failure, at least the first)
    total_hints: int
    next_lesson: str | None  # after a pass
    prediction: PredictionNote | None = None  # the answer to a prediction made before this run
    warnings: list[str] = field(default_factory=list)  # progress that could not be saved, ...

    @property
    def passed(self) -> bool:
        return self.verdict.passed


class LessonSession:
    """One student's work on one lesson: the code, the verdict, the hint ladder, the prediction."""

    def __init__(
        self,
        lesson: Lesson,
        state: State,
        catalogue: Catalogue,
        *,
        progress_dir: Path | None = None,
    ) -> None:
        self.lesson = lesson
        self.state = state
        self.catalogue = catalogue
        self.progress_dir = progress_dir
        self.last: Checked | None = None
        saved = state.lesson(lesson.id)
        # The ladder the student was on (in the app, `check` or `hint`): one count for all fronts.
        kind = saved.ladder
        self.ladder_kind: str | None = kind
        self.ladder_argument: str | None = saved.ladder_argument  # the rungs name it as the run that failed did
        self.ladder = HintLadder(self._rungs(kind), revealed=saved.ladder_revealed)
        self._predicted: int | None = None  # a prediction made before the next run
        self._asked = False  # the question was put (answered or skipped) in this session

    # -- which code --------------------------------------------------------------

    def code(self, *, file: str | Path | None = None, text: str | None = None, which: str | None = None) -> Code:
        """The code to check: ``text`` (the app's editor), a ``file``, ``which`` = "starter" or
        "solution", else the saved draft, else the starter."""
        lesson = self.lesson
        if which == "starter":
            return Code(lesson.starter, "the starter", f"{lesson.id}.py", counts=False)
        if which == "solution":
            return Code(lesson.solution, "the solution", f"{lesson.id}.py", counts=False)
        if text is not None:
            return Code(text, "your code", f"{lesson.id}.py")
        if file is not None:
            return Code(read_source(file), str(file), str(file))  # as typed: editors jump to "PATH, line N"
        draft = self.state.load_draft(lesson.id)
        if draft is not None:
            return Code(draft, "your saved draft", f"{lesson.id}.py")
        return Code(lesson.starter, "the starter", f"{lesson.id}.py")

    def request(self, code: Code, *, jaxpr: bool = False) -> RunRequest:
        return lesson_request(self.lesson, code.source, None, filename=code.filename, jaxpr=jaxpr)

    # -- checking ------------------------------------------------------------------

    def check(
        self, pool: WorkerPool, code: Code, *, device: str | None = None, timeout: float = 10.0, jaxpr: bool = False
    ) -> Checked:
        """Run ``code`` through ``pool`` on ``device`` and judge it (see :meth:`judge`)."""
        request = self.request(code, jaxpr=jaxpr)
        report = run_on_device(pool, request, device, timeout)
        return self.judge(code, request, report)

    def judge(self, code: Code, request: RunRequest, report: RunReport) -> Checked:
        """Grade a finished run, move the hint ladder, record the attempt and publish progress."""
        lesson = self.lesson
        verdict = grade(lesson, report, request)
        primary = verdict.primary
        if not verdict.passed:
            kind = primary.kind if primary is not None and primary.failing else None
            self.ladder_argument = named_argument(verdict.error.message) if verdict.error is not None else None
            if kind != self.ladder_kind:
                self.ladder_kind = kind
                self.ladder = HintLadder(list(verdict.hints))
            else:
                # The same failure is the same ladder: keep what was revealed (in any front), and take
                # the rungs as fitted to this run's code and message.
                self.ladder.rungs = list(verdict.hints)
                self.ladder.revealed = min(self.ladder.revealed, len(self.ladder.rungs))
            # A failure always comes with its first rung: the nudge is free.
            self.ladder.revealed = max(self.ladder.revealed, 1 if self.ladder.rungs else 0)
        warnings: list[str] = []
        # The scheduler ending the job (time limit, scancel) is nobody's attempt.
        scheduler_ended = report.error is not None and report.error.kind == "worker-ended"
        counts = code.counts and not scheduler_ended
        if counts:
            try:
                self.state.record_attempt(
                    lesson.id,
                    verdict.passed,
                    report.device,
                    report.jax_version,
                    failure=None if verdict.passed else (primary.kind if primary is not None else None),
                    ladder=(self.ladder_kind, self.ladder.revealed),
                    argument=self.ladder_argument,
                )
            except OSError as exc:
                warnings.append(f"Could not save your progress: {exc}")
            warnings += self.publish()
        prediction = None
        if self._predicted is not None and lesson.predict is not None:
            prediction = score(lesson.predict, self._predicted)
            self._predicted = None
        checked = Checked(
            lesson=lesson,
            code=code,
            request=request,
            report=report,
            verdict=verdict,
            hints=self.ladder.shown if not verdict.passed else [],
            total_hints=len(self.ladder.rungs) if not verdict.passed else 0,
            next_lesson=self.catalogue.next_id(lesson.id) if verdict.passed else None,
            prediction=prediction,
            warnings=warnings,
        )
        self.last = checked
        return checked

    def publish(self) -> list[str]:
        """Refresh the instructor's copy of this student's progress, when a progress directory is set."""
        if self.progress_dir is None:
            return []
        try:
            publish(self.state, self.catalogue, self.progress_dir)
        except OSError as exc:
            return [f"Could not update the shared progress file in {self.progress_dir}: {exc}"]
        return []

    # -- the hint ladder -------------------------------------------------------------

    def _rungs(self, kind: str | None) -> list[str]:
        return ladder_for(self.lesson, kind, argument=self.ladder_argument)

    @property
    def passed(self) -> bool:
        return self.last is not None and self.last.passed

    @property
    def done_before(self) -> bool:
        return self.state.status(self.lesson.id) == "done"

    def solution_available(self) -> bool:
        return solution_unlocked(self.ladder, passed=self.passed, done_before=self.done_before)

    def reveal_next(self) -> Reveal:
        """The next rung of the current ladder (recorded in progress), then the solution, then the end."""
        solution = self.lesson.solution if self.solution_available() else None
        before = self.ladder.revealed
        reveal = self.ladder.reveal(solution=solution)
        if self.ladder.revealed != before:
            try:
                self.state.record_hint(self.lesson.id, self.ladder.revealed, self.ladder_kind)
            except OSError as exc:  # the rung is shown all the same
                return replace(
                    reveal,
                    warning=f"Could not save that hint {self.ladder.revealed} was shown ({exc.strerror or exc}); "
                    "the next session starts from the hint before it",
                )
        return reveal

    def solution_diff(self, student: str) -> str:
        """A unified diff from the student's code to the lesson's solution."""
        lines = difflib.unified_diff(
            student.splitlines(),
            self.lesson.solution.splitlines(),
            fromfile="your code",
            tofile="solution",
            lineterm="",
        )
        return "\n".join(lines) or "(your code is the same as the solution)"

    # -- the predict question ----------------------------------------------------------

    def prediction_due(self) -> bool:
        """Ask the lesson's question before this run? Once, unless answered in an earlier session.

        A question that quotes the fix (code the solution has and the starter
        lacks, e.g. static-args' ``static_argnums``) would hand it over before
        the student has met the error the lesson is about: it waits until a run
        has failed and is asked before the next one. Any other question comes
        before the first run, while predicting is still a guess.
        """
        if self.lesson.predict is None or self._asked or self.lesson.id in saved_predictions(self.state):
            return False
        if quotes_the_fix(self.lesson):
            return self.last is not None and not self.last.passed
        return True

    def predict(self, choice: int | None) -> list[str]:
        """The student answered (``choice``) or skipped (None); the next run's result scores it."""
        self._asked = True
        if choice is None or self.lesson.predict is None:
            return []
        self._predicted = choice
        try:
            save_prediction(self.state, self.lesson.id, self.lesson.predict, choice)
        except OSError as exc:
            return [f"Could not save your prediction: {exc}"]
        return []
