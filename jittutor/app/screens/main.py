"""The main screen: lesson list, lesson text, editor, and the result of the last check."""

from __future__ import annotations

from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.timer import Timer
from textual.widgets import Footer, TextArea

from jittutor.app import keys
from jittutor.app.messages import RunDone
from jittutor.app.screens.confirm import ConfirmScreen
from jittutor.app.screens.lesson_picker import LessonPickerScreen
from jittutor.app.screens.predict import PredictScreen
from jittutor.app.screens.run_screen import RunScreen
from jittutor.app.widgets.code_editor import CodeEditor
from jittutor.app.widgets.lesson_list import LessonList
from jittutor.app.widgets.result_panes import ResultPanes
from jittutor.app.widgets.status_line import StatusLine
from jittutor.app.widgets.verdict_line import VerdictLine
from jittutor.engine.protocol import RunReport, RunRequest
from jittutor.lessons.catalogue import UnknownLessonError
from jittutor.lessons.model import Lesson
from jittutor.tutoring.grading import Verdict
from jittutor.tutoring.ladder import HintLadder, Reveal
from jittutor.tutoring.session import Checked, Code, LessonSession

#: Seconds after the last keystroke before the draft is written.
AUTOSAVE_DELAY = 1.0


class MainScreen(RunScreen):
    """One lesson at a time: read it, edit the code, run (F5), follow the hints."""

    BINDINGS = [
        keys.HELP,
        keys.RUN,
        keys.CANCEL,
        keys.HINT,
        keys.PICK_LESSON,
        keys.NEXT_LESSON,
        keys.PREVIOUS_LESSON,
        keys.DEVICE,
        keys.JAXPR,
        keys.PLAYGROUND,
        keys.LESSON_LIST,
        keys.ZOOM,
        keys.EDITOR,
        *keys.PANE_KEYS,
        keys.SCROLL_LESSON_DOWN,
        keys.SCROLL_LESSON_UP,
        keys.SELECT_ALL,
    ]

    def __init__(self, lesson_id: str | None = None) -> None:
        super().__init__(id="main")
        self.initial_lesson_id = lesson_id
        self.lesson: Lesson | None = None
        self._text = ""  # the editor's text as of the last change (readable while shutting down)
        self._saved_text = ""  # what the draft file (or the starter) holds
        self._save_timer: Timer | None = None
        self.session: LessonSession | None = None  # the open lesson's session (its ladder, its prediction)
        self._sessions: dict[str, LessonSession] = {}
        self._run_session: LessonSession | None = None  # the session the run in progress checks
        self._run_code: Code | None = None
        self._run_request: RunRequest | None = None
        self._checked: Checked | None = None  # the last run's result, as the session judged it

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="body"):
            yield LessonList(self.tutor.catalogue, id="lessons")
            with Vertical(id="work"):
                yield CodeEditor.python(id="editor", blink=self.tutor.blink)
                yield VerdictLine(id="verdict")
                yield ResultPanes(lesson=True, id="tabs")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        catalogue = self.tutor.catalogue
        for warning in self.tutor.state.warnings:  # a read-only home stays said in the status line
            self.notify(warning, severity="warning", markup=False, timeout=10)
        if catalogue.broken:
            self.notify(
                f"{len(catalogue.broken)} lesson file(s) could not be loaded; they are marked [!] in the list.",
                severity="warning",
                markup=False,
            )
        lesson_id = self._first_lesson_id()
        if lesson_id is None:
            self.verdict_line.set_verdict("error", "No lessons found. F12 opens the playground.")
            self.query_one("#lessons", LessonList).show({}, None)
            return
        self.open_lesson(lesson_id)

    def _first_lesson_id(self) -> str | None:
        catalogue = self.tutor.catalogue
        if self.initial_lesson_id is not None:
            if self.initial_lesson_id in catalogue:
                return self.initial_lesson_id
            try:
                catalogue.get(self.initial_lesson_id)
            except UnknownLessonError as exc:
                self.notify(str(exc), severity="error", markup=False)
        remembered = self.tutor.state.remembered().get("lesson")
        if isinstance(remembered, str) and remembered in catalogue:
            return remembered
        for lesson in catalogue.lessons:
            if self.tutor.state.status(lesson.id) != "done":
                return lesson.id
        return catalogue.lessons[0].id if catalogue.lessons else None

    # -- lessons -------------------------------------------------------------------

    def statuses(self) -> dict[str, str]:
        state = self.tutor.state
        return {lesson.id: state.status(lesson.id) for lesson in self.tutor.catalogue.lessons}

    def refresh_lesson_list(self) -> None:
        self.query_one("#lessons", LessonList).show(self.statuses(), self.lesson.id if self.lesson else None)
        if self.lesson is not None:
            catalogue = self.tutor.catalogue
            n = catalogue.ids().index(self.lesson.id) + 1
            mark = {"done": " (done)", "in-progress": ""}.get(self.tutor.state.status(self.lesson.id), "")
            self.query_one("#status", StatusLine).context = f"lesson {n}/{len(catalogue)}: {self.lesson.title}{mark}"

    def open_lesson(self, lesson_id: str) -> None:
        """Show a lesson with the student's draft (or the starter); the current draft is saved first."""
        if self.lesson is not None and self.lesson.id == lesson_id:
            return
        self.save_draft_now()
        lesson = self.tutor.catalogue.get(lesson_id)
        self.lesson = lesson
        self.session = self._sessions.get(lesson.id)
        if self.session is None:
            self.session = self._sessions[lesson.id] = LessonSession(
                lesson, self.tutor.state, self.tutor.catalogue, progress_dir=self.tutor.settings.progress_dir
            )
        state = self.tutor.state
        try:
            draft = state.load_draft(lesson.id)
        except OSError as exc:
            self.notify(f"Cannot read the draft of {lesson.id}: {exc}", severity="error", markup=False)
            draft = None
        text = lesson.starter if draft is None else draft
        self._saved_text = self._text = text
        editor = self.editor
        editor.load_text(text)
        editor.set_title(f"{lesson.id}.py")
        editor.border_subtitle = "your draft" if draft is not None else "starter code"
        if self.tutor.state.read_only:
            editor.border_subtitle += " (not saved: home is read-only)"
        editor.move_cursor((0, 0))
        self.panes.show_lesson(lesson)
        self.request = self.report = self.verdict = None
        self.panes.clear()
        self.refresh_hints()
        self.panes.show_pane("lesson")
        n = len(lesson.cases)
        if state.status(lesson.id) == "done":
            nxt = self.key_for("next_lesson")
            self.verdict_line.set_verdict("idle", f"You passed this lesson before. {nxt}: next lesson.")
        else:
            self.verdict_line.set_verdict(
                "idle",
                f"Read the lesson ({self.key_for('scroll_lesson(1)')}/{self.key_for('scroll_lesson(-1)')} scroll it), "
                f"fix the code, then {self.key_for('run')} checks it ({n} case{'s' if n != 1 else ''}).",
            )
        self.refresh_lesson_list()
        self.refresh_bindings()
        try:
            state.remember("lesson", lesson.id)
        except OSError:
            pass

    def action_previous_lesson(self) -> None:
        if self.lesson is not None and (prev := self.tutor.catalogue.previous_id(self.lesson.id)):
            self.open_lesson(prev)
        else:
            self.notify("This is the first lesson.")

    def action_next_lesson(self) -> None:
        if self.lesson is not None and (nxt := self.tutor.catalogue.next_id(self.lesson.id)):
            self.open_lesson(nxt)
        else:
            self.notify("This is the last lesson.")

    def action_pick_lesson(self) -> None:
        def chosen(lesson_id: str | None) -> None:
            if lesson_id:
                self.open_lesson(lesson_id)
                self.editor.focus()

        current = self.lesson.id if self.lesson else None
        self.app.push_screen(LessonPickerScreen(self.tutor.catalogue, self.statuses(), current), chosen)

    @on(LessonList.Chosen)
    def _lesson_chosen(self, event: LessonList.Chosen) -> None:
        self.open_lesson(event.lesson_id)
        self.editor.focus()

    @on(LessonList.BrokenChosen)
    def _broken_chosen(self, event: LessonList.BrokenChosen) -> None:
        errors = "\n".join(str(e) for e in event.broken.errors[:5]) or "cannot be loaded"
        self.notify(errors, title=f"{event.broken.path.name} is broken", severity="error", markup=False, timeout=15)

    def action_toggle_lesson_list(self) -> None:
        shown = self.query_one("#lessons", LessonList).display
        self.set_class(not shown, "-lessons-shown")
        self.set_class(shown, "-lessons-hidden")
        if not shown:
            self.query_one("#lessons", LessonList).focus()
        elif self.focused is None or isinstance(self.focused, LessonList):
            self.editor.focus()

    def action_playground(self) -> None:
        self.save_draft_now()
        self.tutor.open_playground()

    # -- drafts --------------------------------------------------------------------

    @on(TextArea.Changed, "#editor")
    def _editor_changed(self, event: TextArea.Changed) -> None:
        self._text = event.text_area.text
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        if self.lesson is not None and self._text != self._saved_text:
            self.editor.border_subtitle = "edited"
            self._save_timer = self.set_timer(AUTOSAVE_DELAY, self.save_draft_now)

    def save_draft_now(self) -> None:
        """Write the draft if the text changed since it was loaded or last saved."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        try:
            self._text = self.editor.text  # newer than the last Changed message, if one is pending
        except NoMatches:
            pass  # the widgets are gone (shutting down): the text of the last change is what there is
        if self.lesson is None or self._text == self._saved_text:
            return
        first = not self.tutor.state.has_draft(self.lesson.id)
        try:
            self.tutor.state.save_draft(self.lesson.id, self._text)
        except OSError as exc:
            self.notify(f"Could not save your draft: {exc}", severity="error", markup=False)
            return
        self._saved_text = self._text
        if not self.app.is_running or not self.is_attached:
            return  # shutting down: the file is written, the widgets are going away
        try:
            self.editor.border_subtitle = (
                "not saved: home is read-only" if self.tutor.state.read_only else "draft saved"
            )
            if first:
                self.refresh_lesson_list()
        except NoMatches:
            pass

    def on_unmount(self) -> None:
        self.save_draft_now()

    def action_reset_code(self) -> None:
        lesson = self.lesson
        if lesson is None:
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            self.save_draft_now()
            self.tutor.state.discard_draft(lesson.id)
            self._saved_text = self._text = lesson.starter
            self.editor.load_text(lesson.starter)
            self.editor.border_subtitle = "starter code"
            self.refresh_lesson_list()
            self.notify(f"Back to the starter code. Your old draft is kept as {lesson.id}.py.bak.", markup=False)

        self.app.push_screen(
            ConfirmScreen(
                "Replace your code with the lesson's starter code?",
                "Your current draft is kept as a .bak file next to the drafts.",
                yes="Reset",
            ),
            confirmed,
        )

    # -- running -------------------------------------------------------------------

    def build_request(self) -> RunRequest | None:
        if self.lesson is None or self.session is None:
            self.notify("No lesson is open.", severity="warning")
            return None
        self.save_draft_now()
        self._run_code = self.session.code(text=self.editor.text)
        request = self._run_request = self.session.request(self._run_code, jaxpr=self.show_jaxpr)
        request.device = self.tutor.device
        return request

    def action_run(self) -> None:
        session = self.session
        if session is not None and not self.running and not self.tutor.run_busy and self._ask_first(session):
            self.app.push_screen(PredictScreen(session.lesson.predict), partial(self._predicted, session))  # type: ignore[arg-type]
            return
        self._run_session = session
        super().action_run()

    def _ask_first(self, session: LessonSession) -> bool:
        """Ask the predict question before this run?

        When is the core's rule (:meth:`LessonSession.prediction_due`).
        """
        return self.tutor.ask_predictions and session.prediction_due()

    def _predicted(self, session: LessonSession, choice: int | None) -> None:
        """The question was answered (``choice``) or skipped (None): remember the answer, then run."""
        for warning in session.predict(choice):
            self.notify(warning, severity="warning", markup=False)
        if self.session is session:
            self.action_run()

    def judge(self, report: RunReport) -> Verdict:
        """In the run's thread: the session grades, records the attempt and moves the ladder."""
        session = self._run_session
        assert session is not None and self._run_code is not None and self._run_request is not None
        checked = session.judge(self._run_code, self._run_request, report)
        self._checked = checked
        return checked.verdict

    def show_result(self, message: RunDone) -> None:
        if self.session is not None and self._run_session is self.session:
            super().show_result(message)

    def update_ladder(self, verdict: Verdict) -> None:
        pass  # the session moved the ladder when it judged the run

    def current_ladder(self) -> HintLadder:
        return self.session.ladder if self.session is not None else HintLadder([])

    def reveal(self) -> Reveal:
        if self.session is None:
            return Reveal("end")
        reveal = self.session.reveal_next()
        if reveal.warning:
            self.notify(reveal.warning, severity="warning", markup=False)
        if reveal.what == "hint":
            self.refresh_lesson_list()
        return reveal

    def after_run(self, message: RunDone) -> None:
        session = self._run_session
        checked = self._checked
        if session is None or checked is None:
            return
        for warning in checked.warnings:
            self.notify(warning, severity="warning", markup=False)
        self.refresh_lesson_list()
        if checked.passed and self.session is session:
            then = (
                f"{self.key_for('next_lesson')}: next lesson." if checked.next_lesson else "That was the last lesson."
            )
            self.verdict_line.set_verdict("passed", f"{self.verdict_line.message.rstrip('.')}. {then}")
            self.refresh_hints()
        if checked.prediction is not None and self.session is session:
            # In the Feedback pane, beside the result that answers it (not a toast that hides the hints).
            self.panes.show_pane("feedback")
            self.refresh_hints()

    def prediction_markdown(self) -> str:
        checked = self._checked
        if checked is None or checked.prediction is None or self._run_session is not self.session:
            return ""
        return f"**{checked.prediction.title}.** {checked.prediction.text}"

    def solution_text(self) -> str | None:
        session = self.session
        return session.lesson.solution if session is not None and session.solution_available() else None

    def solution_diff(self) -> str:
        return self.session.solution_diff(self.editor.text) if self.session is not None else ""

    def docs_link(self) -> str:
        return self.lesson.docs if self.lesson is not None else ""

    def extra_commands(self) -> list[tuple[str, str, str]]:
        return [
            ("Reset the code to the starter", "Asks first; your draft is kept as a .bak file", "reset_code"),
            (
                "Show the solution",
                "As a diff against your code (after passing or after the last hint)",
                "show_solution",
            ),
            *super().extra_commands(),
        ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "previous_lesson" and self.lesson is not None:
            return True if self.tutor.catalogue.previous_id(self.lesson.id) else None
        if action == "select_all":
            return True
        if action == "next_lesson" and self.lesson is not None:
            return True if self.tutor.catalogue.next_id(self.lesson.id) else None
        return super().check_action(action, parameters)
