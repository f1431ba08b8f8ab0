"""The lesson's text: its Markdown explanation and a link to the JAX docs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from jittutor.lessons.model import Lesson


def lesson_markdown(lesson: Lesson) -> str:
    text = lesson.explanation.rstrip()
    if not text.lstrip().startswith("#"):
        text = f"# {lesson.title}\n\n{text}"
    return f"{text}\n\n---\n\nJAX docs: [{lesson.docs}]({lesson.docs})\n"


class LessonPane(VerticalScroll):
    """Scrollable Markdown; code blocks are highlighted by Textual's Markdown."""

    DEFAULT_CSS = """
    LessonPane {
        height: 1fr;
    }
    LessonPane > Markdown {
        margin: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield Markdown(id="lesson-text")

    def show(self, lesson: Lesson) -> None:
        self.query_one(Markdown).update(lesson_markdown(lesson))
        self.scroll_home(animate=False)
