"""The words and cells both fronts use for numbers."""

from __future__ import annotations

from jittutor.engine.protocol import ModeReport, ValueSummary
from jittutor.present.cells import bytes_text as format_bytes
from jittutor.present.cells import memory_text, mode_cell, value_text
from jittutor.present.cells import seconds_text as format_seconds


def test_format_seconds() -> None:
    assert format_seconds(None) == "-"
    assert format_seconds(1.2e-5) == "12.0 µs"
    assert format_seconds(1.2e-5, micro=False) == "12.0 us"
    assert format_seconds(3.4e-3) == "3.40 ms"
    assert format_seconds(1.2) == "1.20 s"


def test_memory_text() -> None:
    assert format_bytes(512) == "512 B"
    assert format_bytes(1536) == "1.5 KB"
    assert format_bytes(3 * 2**29) == "1.5 GB"
    assert memory_text(None, None) == ""  # CPUs: jax reports nothing, the status line shows nothing
    assert memory_text(3 * 2**29, 80 * 2**30) == "mem 1.5 GB / 80.0 GB"
    assert memory_text(2**20, None) == "mem 1.0 MB"


def test_value_cells_read_like_a_jaxpr() -> None:
    array = ValueSummary(repr="Array(-24., dtype=float32)", type="ArrayImpl", shape=[], dtype="float32")
    assert value_text(array) == "f32[] -24."
    assert mode_cell(ModeReport("jit", ok=True, value=array)) == "f32[] -24."
    assert mode_cell(ModeReport("jit")) == "not run"
