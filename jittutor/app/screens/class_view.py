"""The instructor's live view of a room: one row per student, stuck longest first; Enter shows one student's attempts.

The directory is re-read by a timer in a thread worker (a shared file system
can be slow); the rows come back as a :class:`ClassScreen.RoomRead` message.
Everything about the rows (order, cells, widths) is
:mod:`jittutor.present.classroom`'s, shared with ``jittutor class --csv/--json``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState, get_current_worker

from jittutor.present.classroom import (
    COLUMNS,
    LESSON_COLUMNS,
    STUDENT_END,
    Room,
    StudentRow,
    clip,
    column_widths,
    read_room,
)

SCROLLBAR = 2  # cells kept free for the table's vertical scrollbar, when it shows
PROBLEMS_SHOWN = 3  # lines of unreadable files under the table; the rest are counted


class ClassScreen(Screen[None]):
    """The room, re-read every ``every`` seconds."""

    BINDINGS = [
        Binding("r", "reread", "Re-read now", id="class-reread"),
        Binding("q", "app.quit", "Quit", id="class-quit"),
    ]

    @dataclass
    class RoomRead(Message):
        """A fresh read of the progress directory, from the reading thread."""

        room: Room

    def __init__(self, directory: Path, every: float = 5.0, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.directory = directory
        self.every = every
        self.clock = clock
        self.room: Room | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="class-title")
        yield DataTable(id="class-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="class-problems")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#class-title", Static).update(Content(f"reading {self.directory} ..."))
        self.reread()
        self.set_interval(self.every, self.reread)

    def action_reread(self) -> None:
        self.reread()

    def reread(self) -> None:
        """Start a read unless one is going: a slow disk skips ticks rather than cancelling every read."""
        if any(w.group == "class-read" and not w.is_finished for w in self.workers):
            return
        self._read()

    @work(thread=True, exit_on_error=False, group="class-read")
    def _read(self) -> None:
        """Read the directory in a thread; the rows come back as :class:`RoomRead`."""
        room = read_room(self.directory, self.clock())
        if not get_current_worker().is_cancelled:
            self.post_message(self.RoomRead(room))

    @on(RoomRead)
    def _show_room(self, event: RoomRead) -> None:
        self.room = event.room
        self._fill()
        top = self.app.screen
        if isinstance(top, StudentScreen):
            row = event.room.student(top.row.file)
            if row is not None:
                top.show(row, event.room.read_at)

    @on(Worker.StateChanged)
    def _read_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "class-read" and event.state == WorkerState.ERROR:
            self.query_one("#class-problems", Static).update(
                Content(f"could not read {self.directory}: {event.worker.error}")
            )
            self.query_one("#class-problems", Static).display = True

    def on_resize(self) -> None:
        if self.room is not None:
            self._fill()

    def _fill(self) -> None:
        room = self.room
        assert room is not None
        table = self.query_one("#class-table", DataTable)
        kept = self.selected_file()
        rows = [(row.file, row.cells(room.read_at)) for row in room.students]
        # Room for a vertical scrollbar only when the rows will not fit (the header takes a line).
        scrollbar = SCROLLBAR if len(rows) >= table.size.height - 1 else 0
        width = max(table.size.width, self.size.width) - scrollbar
        widths = column_widths(width, [cells for _, cells in rows], padding=2 * table.cell_padding)
        table.clear(columns=True)
        for header, key in COLUMNS:
            table.add_column(header, key=key, width=widths[key])
        for file, cells in rows:
            shown = [clip(cells[key], widths[key], STUDENT_END if key == "student" else 0) for _, key in COLUMNS]
            table.add_row(*shown, key=file)
        files = [row.file for row in room.students]
        if kept in files:
            table.move_cursor(row=files.index(kept))
        stamp = time.strftime("%H:%M:%S", time.localtime(room.read_at))
        count = len(room.students)
        title = f"{count} student{'s' if count != 1 else ''}, stuck longest first (read {stamp}) in {self.directory}"
        self.query_one("#class-title", Static).update(Content(title))
        problems = self.query_one("#class-problems", Static)
        # The title names the directory: each problem names its file alone, so it fits a line.
        prefix = f"{self.directory}{os.sep}"
        lines = [problem.removeprefix(prefix) for problem in room.problems[:PROBLEMS_SHOWN]]
        if len(room.problems) > PROBLEMS_SHOWN:
            lines.append(f"... and {len(room.problems) - PROBLEMS_SHOWN} more (jittutor class DIR --json lists them)")
        problems.update(Content("\n".join(lines)))
        problems.display = bool(lines)

    def selected_file(self) -> str | None:
        """The export file of the student under the cursor, or None."""
        table = self.query_one("#class-table", DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # noqa: BLE001 - no row under the cursor (an empty table)
            return None
        return str(key.value) if key.value is not None else None

    @on(DataTable.RowSelected, "#class-table")
    def _open_student(self, event: DataTable.RowSelected) -> None:
        if self.room is None or event.row_key.value is None:
            return
        row = self.room.student(str(event.row_key.value))
        if row is not None:
            self.app.push_screen(StudentScreen(row, self.room.read_at))


class StudentScreen(Screen[None]):
    """One student's attempts per lesson (the lessons they touched, in teaching order)."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="student-back"),
        Binding("backspace", "app.pop_screen", "Back", show=False, id="student-back-alt"),
        Binding("q", "app.quit", "Quit", id="student-quit"),
    ]

    def __init__(self, row: StudentRow, now: float) -> None:
        super().__init__()
        self.row = row
        self.now = now

    def compose(self) -> ComposeResult:
        yield Static(id="student-title")
        yield DataTable(id="student-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="student-note")
        yield Footer()

    def on_mount(self) -> None:
        self.show(self.row, self.now)

    def show(self, row: StudentRow, now: float) -> None:
        """Show ``row`` as read at ``now`` (the room screen calls this after each read)."""
        self.row, self.now = row, now
        touched = [d for d in row.details if d.attempts or d.status != "not-started"]
        on_lesson = f"on {row.lesson}" if row.lesson else "no attempt yet"
        self.query_one("#student-title", Static).update(
            Content(f"{row.student} ({row.file}): {on_lesson}, {row.done}/{row.lessons} done, {row.hints_total} hints")
        )
        table = self.query_one("#student-table", DataTable)
        table.clear(columns=True)
        for header, key in LESSON_COLUMNS:
            table.add_column(header, key=key)
        for lesson in touched:
            cells = lesson.cells(now)
            table.add_row(*(cells[key] for _, key in LESSON_COLUMNS), key=lesson.lesson)
        untouched = len(row.details) - len(touched)
        note = f"{untouched} lesson{'s' if untouched != 1 else ''} not started. Escape: back to the room."
        self.query_one("#student-note", Static).update(Content(note))
