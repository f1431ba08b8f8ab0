"""The results of a run side by side: per case, eager against jit, values and times."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from jittutor.engine.protocol import RunReport
from jittutor.present.cells import COLUMNS, LEGEND, case_cells, results_summary


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
    """

    def compose(self) -> ComposeResult:
        yield Static(Content("No run yet. Run your code with F5."), id="results-summary")
        table: DataTable[str] = DataTable(id="results-data", zebra_stripes=True, cursor_type="row", header_height=2)
        self._add_columns(table)
        yield table

    @staticmethod
    def _add_columns(table: DataTable[str]) -> None:
        for label, key in COLUMNS:
            table.add_column(Text(label), key=key)

    def show(self, report: RunReport | None) -> None:
        summary = self.query_one("#results-summary", Static)
        table: DataTable[str] = self.query_one(DataTable)
        table.clear(columns=True)  # columns too: their widths would remember the last run's longest cell
        self._add_columns(table)
        if report is None:
            summary.update(Content("No run yet. Run your code with F5."))
            return
        for case in report.cases:
            # Text, not str: a str cell would be parsed as markup, and values hold brackets.
            table.add_row(*(Text(cell) for cell in case_cells(case)))
        summary.update(Content.assemble(results_summary(report) + "\n", (LEGEND, "dim")))

    @property
    def plain_rows(self) -> list[list[str]]:
        """The table's cells as text (for tests and screen readers)."""
        table: DataTable[str] = self.query_one(DataTable)
        return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
