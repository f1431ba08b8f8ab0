"""One spelling of every number and mark the tutor shows, for the CLI and the app alike.

Times are ``12.0 µs``, ``3.40 ms``, ``1.20 s`` (``us`` only where the output
cannot encode ``µ``); speed-ups ``7.5x``; memory in powers of 1024; agreement
``yes``/``NO``; progress marks ``[x] [~] [ ] [!]``; text is shortened in one
way, with ``...``. :func:`case_cells` is the results row both fronts draw.
Plain functions over protocol objects: no jax, no textual.
"""

from __future__ import annotations

import sys

from jittutor.engine.protocol import CaseReport, ModeReport, RunReport, ValueSummary

MARKS = {"done": "[x]", "in-progress": "[~]", "not-started": "[ ]", "broken": "[!]"}
VALUE_WIDTH = 22
ARGS_WIDTH = 18
#: The results table's columns: (two-line header, key).
COLUMNS = (
    ("args\n", "args"),
    ("eager\nvalue", "eager-value"),
    ("jit\nvalue", "jit-value"),
    ("agree\n", "agree"),
    ("eager\ntime", "eager-time"),
    ("jit\ncompile", "jit-compile"),
    ("jit\nsteady", "jit-steady"),
    ("speed-\nup", "speed-up"),
)
LEGEND = (
    "eager time and jit steady: median of repeated calls; jit compile: trace + lower + compile "
    "of the first call; speed-up: eager time / jit steady."
)
#: jaxpr-style dtype names: what the student will also read in a jaxpr.
SHORT_DTYPES = {
    "float16": "f16",
    "bfloat16": "bf16",
    "float32": "f32",
    "float64": "f64",
    "int8": "i8",
    "int16": "i16",
    "int32": "i32",
    "int64": "i64",
    "uint8": "u8",
    "uint32": "u32",
    "complex64": "c64",
    "complex128": "c128",
}


def can_draw_micro(stream: object = None) -> bool:
    """Whether ``stream`` (default: stdout) can encode ``µ``; an ASCII terminal gets ``us``."""
    encoding = getattr(stream if stream is not None else sys.stdout, "encoding", None) or "ascii"
    try:
        "µ".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def shorten(text: str, width: int) -> str:
    """One line of at most ``width`` characters, cut with ``...``."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 3, 0)] + "..."


def seconds_text(seconds: float | None, *, micro: bool = True) -> str:
    """``0.000012`` -> ``12.0 µs``; ``None`` -> ``-``."""
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} {'µs' if micro else 'us'}"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def bytes_text(count: int) -> str:
    """``1536`` -> ``1.5 KB``; powers of 1024, as GPU tools show memory."""
    value = float(count)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def memory_text(in_use: int | None, limit: int | None) -> str:
    """``mem 1.5 GB / 80.0 GB`` for a device, or ``""`` where jax does not report memory."""
    if in_use is None:
        return ""
    text = f"mem {bytes_text(in_use)}"
    return f"{text} / {bytes_text(limit)}" if limit else text


def speedup(case: CaseReport) -> float | None:
    """Eager steady time over jit steady time, when both ran."""
    e, j = case.eager.seconds, case.jit.seconds
    if e is None or j is None or j <= 0:
        return None
    return e / j


def speedup_text(case: CaseReport) -> str:
    """``7.5x`` (eager steady / jit steady), ``-`` when either did not run."""
    ratio = speedup(case)
    if ratio is None:
        return "-"
    return f"{ratio:.1f}x" if ratio < 100 else f"{ratio:.0f}x"


def agree_text(case: CaseReport) -> str:
    """``yes``, ``NO`` (eager and jit disagree), ``-`` (either failed); `` (wrong)`` against the expected value."""
    text = {True: "yes", False: "NO", None: "-"}[case.match]
    if case.expected_ok is False:
        text += " (wrong)"
    return text


def value_text(value: ValueSummary | None, width: int = VALUE_WIDTH) -> str:
    """A value as a short cell, type first as in a jaxpr: ``Array(-24., dtype=float32)`` is ``f32[] -24.``."""
    if value is None:
        return "-"
    text = value.repr
    if text.startswith("Array(") and text.endswith(")") and value.dtype and value.shape is not None:
        number = text[len("Array(") : -1].split(", dtype=")[0]
        shape = ",".join(str(n) for n in value.shape)
        text = f"{SHORT_DTYPES.get(value.dtype, value.dtype)}[{shape}] {number}"
    return shorten(text, width)


def mode_cell(mode: ModeReport, width: int = VALUE_WIDTH) -> str:
    """The value a mode returned, or the name of the error it raised."""
    if mode.ok:
        return value_text(mode.value, width)
    if mode.error is not None:
        return shorten(f"error: {mode.error.type}", width)
    return "not run"


def case_cells(case: CaseReport, *, micro: bool = True, value_width: int = VALUE_WIDTH) -> tuple[str, ...]:
    """One row of the results table (see :data:`COLUMNS`), the same in the CLI and the app."""
    return (
        shorten(case.args, ARGS_WIDTH),
        mode_cell(case.eager, value_width),
        mode_cell(case.jit, value_width),
        agree_text(case),
        seconds_text(case.eager.seconds, micro=micro),
        seconds_text(case.jit.compile_seconds, micro=micro),
        seconds_text(case.jit.seconds, micro=micro),
        speedup_text(case),
    )


def compiles_text(report: RunReport) -> str:
    """``3 compilations under jit``, saying so when the same call recompiled."""
    n = report.compiles
    text = f"{n} compilation{'s' if n != 1 else ''} under jit"
    steady = sum(c.jit.steady_compiles for c in report.cases)
    if steady:
        text += f" ({steady} while re-running the same call: it recompiles every time)"
    return text


def results_summary(report: RunReport, *, micro: bool = True) -> str:
    """The line above the results table: cases, device, compilations, wall time."""
    n = len(report.cases)
    return (
        f"{n} case{'s' if n != 1 else ''} on {report.device or '?'} | {compiles_text(report)} | "
        f"run took {seconds_text(report.seconds, micro=micro)}"
    )


def output_note(report: RunReport) -> str:
    """The one note that says printed output was cut (the worker caps it)."""
    return f"[output cut: {report.output_bytes} bytes printed in all]" if report.output_truncated else ""


def output_sections(report: RunReport) -> list[tuple[str, str]]:
    """What the code printed, labelled per case and mode (first call; repeats only noted)."""
    pieces = [
        (f"case {n + 1} ({case.args}), {mode.mode}", mode.output)
        for n, case in enumerate(report.cases)
        for mode in (case.eager, case.jit)
        if mode.output.strip()
    ]
    if not pieces and report.output.strip():
        pieces = [("", report.output)]
    return pieces


def progress_bar(done: int, total: int, width: int = 20) -> str:
    """``[#######-------------] 7/25 done``."""
    filled = round(width * done / total) if total else 0
    return f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total} done"
