"""The list of lessons with progress marks; broken lesson files are listed too, with their error."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from jittutor.app.widgets.code_editor import FOCUS_MARK
from jittutor.lessons.catalogue import BrokenLesson, Catalogue
from jittutor.present.cells import MARKS


def lesson_prompt(number: int, title: str, status: str) -> Content:
    mark = MARKS.get(status, MARKS["not-started"])
    head: Content | tuple[str, str] = (mark, "bold") if status == "done" else Content(mark)
    return Content.assemble(head, f" {number}. {title}")


def broken_prompt(broken: BrokenLesson) -> Content:
    first = str(broken.errors[0]) if broken.errors else "cannot be loaded"
    return Content.assemble((MARKS["broken"], "bold"), f" {broken.path.name} (broken)\n    {first}")


class LessonList(OptionList):
    """Lessons in teaching order; ``[x]`` done, ``[~]`` in progress, ``[ ]`` not started, ``[!]`` broken."""

    @dataclass
    class Chosen(Message):
        """The student chose a lesson (Enter or click)."""

        lesson_list: LessonList
        lesson_id: str

        @property
        def control(self) -> LessonList:
            return self.lesson_list

    @dataclass
    class BrokenChosen(Message):
        """The student chose a broken lesson file."""

        lesson_list: LessonList
        broken: BrokenLesson

        @property
        def control(self) -> LessonList:
            return self.lesson_list

    def __init__(self, catalogue: Catalogue, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.catalogue = catalogue
        self.border_title = "Lessons"

    def on_focus(self) -> None:
        self.border_title = f"{FOCUS_MARK}Lessons"

    def on_blur(self) -> None:
        self.border_title = "Lessons"

    def show(self, statuses: dict[str, str], current: str | None) -> None:
        """Redraw the marks and highlight ``current``."""
        options: list[Option] = [
            Option(lesson_prompt(n, lesson.title, statuses.get(lesson.id, "not-started")), id=lesson.id)
            for n, lesson in enumerate(self.catalogue.lessons, start=1)
        ]
        options += [Option(broken_prompt(b), id=f"broken:{i}") for i, b in enumerate(self.catalogue.broken)]
        highlighted = self.highlighted
        self.set_options(options)
        if current is not None and current in self.catalogue:
            self.highlighted = self.get_option_index(current)
        elif highlighted is not None and highlighted < len(options):
            self.highlighted = highlighted

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        if option_id.startswith("broken:"):
            self.post_message(self.BrokenChosen(self, self.catalogue.broken[int(option_id.split(":", 1)[1])]))
        else:
            self.post_message(self.Chosen(self, option_id))
