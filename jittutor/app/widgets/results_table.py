"""The results of a run side by side: per case, eager against jit, values and times."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from jittutor.engine.protocol import CaseReport, RunReport
from jittutor.present.cells import ARGS_WIDTH, COLUMNS, LEGEND, VALUE_WIDTH, case_cells, results_summary, shorten

#: The columns that give up width when the pane is narrow (the times and the speed-up never do).
ARGS, VALUES = 0, (1, 2)
#: No cell is cut below this many characters.
MIN_CELL = 6


def fit_rows(cases: list[CaseReport], width: int, padding: int = 1) -> list[tuple[str, ...]]:
    """The rows of ``cases`` cut to fit ``width`` columns: the values shrink first, then the args."""
    full = [case_cells(case) for case in cases]
    widths = [
        max([len(line) for line in label.split("\n")] + [len(row[i]) for row in full])
        for i, (label, _k) in enumerate(COLUMNS)
    ]
    fixed = sum(w for i, w in enumerate(widths) if i != ARGS and i not in VALUES) + 2 * padding * len(COLUMNS) + 2
    room = width - fixed
    values = max(widths[i] for i in VALUES)
    args = widths[ARGS]
    if args + 2 * values > room:
        values = max(MIN_CELL, min(values, VALUE_WIDTH, (room - min(args, MIN_CELL * 2)) // 2))
        args = max(MIN_CELL, min(args, ARGS_WIDTH, room - 2 * values))
    rows = [case_cells(case, value_width=values) for case in cases]
    return [(shorten(row[ARGS], args), *row[1:]) for row in rows]


def notes_content(notes: list[str]) -> Content:
    """ "What the numbers mean" as bullet lines (plain Content: notes quote code with brackets)."""
    if not notes:
        return Content("")
    parts: list[Content | str | tuple[str, str]] = [("What the numbers mean", "bold")]
    for note in notes:
        parts += ["\n", "- ", note.replace("`", "")]
    return Content.assemble(*parts)


class ResultsTable(Vertical):
    """A summary line (compilations, device, wall time) over a table with one row per case.

    Times: ``eager`` is the steady-state median of an eager call; ``jit compile``
    is trace + lower + backend compile of the first jit call; ``jit steady`` the
    steady-state median of a jit call; ``speed-up`` is eager steady / jit steady.
    """

    DEFAULT_CSS = """
    ResultsTable {
        height: 1fr;
    }
    ResultsTable > #results-summary {
        height: auto;
        padding: 0 1;
    }
    ResultsTable > DataTable {
        height: 1fr;
    }
    ResultsTable > #results-notes {
        height: auto;
        max-height: 50%;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.report: RunReport | None = None
        self.notes: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(Content("No run yet. Run your code with F5."), id="results-summary")
        table: DataTable[str] = DataTable(id="results-data", zebra_stripes=True, cursor_type="row", header_height=2)
        self._add_columns(table)
        yield table
        notes = Static(Content(""), id="results-notes")
        notes.display = False
        yield notes

    @staticmethod
    def _add_columns(table: DataTable[str]) -> None:
        for label, key in COLUMNS:
            table.add_column(Text(label), key=key)

    def show(self, report: RunReport | None, notes: list[str] | None = None) -> None:
        """The run's table, and under it what the numbers mean (``notes``, from the core's verdict)."""
        if notes is not None:
            self.notes = list(notes)
        shown = self.notes if report is not None else []
        notes_view = self.query_one("#results-notes", Static)
        notes_view.update(notes_content(shown))
        notes_view.display = bool(shown)
        summary = self.query_one("#results-summary", Static)
        table: DataTable[str] = self.query_one(DataTable)
        self.report = report
        table.clear(columns=True)  # columns too: their widths would remember the last run's longest cell
        self._add_columns(table)
        if report is None:
            summary.update(Content("No run yet. Run your code with F5."))
            return
        for row in fit_rows(report.cases, self.size.width or 80, table.cell_padding):
            # Text, not str: a str cell would be parsed as markup, and values hold brackets.
            table.add_row(*(Text(cell) for cell in row))
        summary.update(Content.assemble(results_summary(report) + "\n", (LEGEND, "dim")))

    def on_resize(self) -> None:
        if self.report is not None:
            self.show(self.report)

    @property
    def plain_rows(self) -> list[list[str]]:
        """The table's cells as text (for tests and screen readers)."""
        table: DataTable[str] = self.query_one(DataTable)
        return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
