"""The CLI's table and the app's results table show the same cells for the same run."""

from __future__ import annotations

from app_support import run_async
from textual.app import App, ComposeResult

from jittutor.app.widgets.results_table import ResultsTable
from jittutor.engine.protocol import CaseReport, ModeReport, RunReport, ValueSummary
from jittutor.present.tables import HEADERS, format_report
from jittutor.tutoring.grading import assess


def _report() -> RunReport:
    value = ValueSummary(repr="Array(-24., dtype=float32)", type="ArrayImpl", shape=[], dtype="float32")
    case = CaseReport(
        args="-2.0",
        eager=ModeReport(mode="eager", ok=True, value=value, seconds=1.2e-5),
        jit=ModeReport(mode="jit", ok=True, value=value, seconds=2.5e-6, trace_seconds=0.002, compiles=1),
        match=True,
    )
    case.jit.backend_compile_seconds = 0.009
    return RunReport(device="cpu:0", jax_version="0.10.2", cases=[case], compiles=1, seconds=0.03)


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield ResultsTable(id="results")


@run_async
async def test_cli_table_and_app_table_have_the_same_cells() -> None:
    report = _report()
    text = format_report(report, assess(report), micro=True)
    lines = text.splitlines()
    header = next(n for n, line in enumerate(lines) if line.startswith("case "))
    cli_row = lines[header + 2].split("  ")
    cli_cells = [cell.strip() for cell in cli_row if cell.strip()]
    app = _Host()
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(ResultsTable)
        table.show(report)
        await pilot.pause()
        [app_cells] = table.plain_rows
    assert len(HEADERS) == len(app_cells)
    assert cli_cells == app_cells
    assert app_cells[4] == "12.0 µs" and app_cells[5] == "11.00 ms" and app_cells[-1] == "4.8x"
