"""The lesson's text: its Markdown explanation and a link to the JAX docs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from jittutor.app.widgets.hints_panel import docs_content
from jittutor.lessons.model import Lesson


def lesson_markdown(lesson: Lesson) -> str:
    text = lesson.explanation.rstrip()
    if not text.lstrip().startswith("#"):
        text = f"# {lesson.title}\n\n{text}"
    return f"{text}\n\n---\n"


class LessonPane(VerticalScroll):
    """Scrollable Markdown (code blocks highlighted by Textual's Markdown), then the docs hyperlink."""

    DEFAULT_CSS = """
    LessonPane {
        height: 1fr;
    }
    LessonPane > Markdown {
        margin: 0 1;
    }
    LessonPane > #lesson-docs {
        margin: 0 1 1 1;
        height: auto;
    }
    """

    def compose(self) -> ComposeResult:
        yield Markdown(id="lesson-text")
        yield Static(id="lesson-docs")

    def show(self, lesson: Lesson) -> None:
        self.query_one(Markdown).update(lesson_markdown(lesson))
        self.query_one("#lesson-docs", Static).update(docs_content(lesson.docs))
        self.scroll_home(animate=False)
