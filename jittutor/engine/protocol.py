"""Data that crosses the worker boundary, and its one serialisation point.

Everything here is a plain dataclass of JSON-friendly fields. The worker builds
a :class:`RunReport`; the front (CLI or app) receives it over the channel, hands
it to :mod:`jittutor.diagnosis`, and draws it. ``to_dict``/``from_dict`` are the
only encoder/decoder; ``encode_message``/``decode_message`` frame one JSON
object per line.

No jax, no textual: this module is imported on both sides.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any

PROTOCOL_VERSION = 1

#: Modes a case is run in, in the order they run.
MODES = ("eager", "jit")


@dataclass
class CaseSpec:
    """One call of the entry: an argument expression and what to expect.

    ``args`` is the text of a call's argument list (``"a, b"``,
    ``"jnp.ones(3), flag=True"``), evaluated in the student's module namespace.
    ``expect`` is an optional expression for the expected value, compared with
    ``rtol``/``atol``.
    """

    args: str
    expect: str | None = None
    rtol: float | None = None
    atol: float | None = None


@dataclass
class RunRequest:
    """What the front asks the worker to run."""

    source: str
    entry: str
    cases: list[CaseSpec]
    device: str | None = None  # canonical name such as "cpu:0"; None: the worker's default
    filename: str = "student.py"
    setup: str = ""  # lesson code run first in the same namespace (read-only for the student)
    jaxpr: bool = False  # also return jax.make_jaxpr of the entry for the first case
    wrap_entry: bool = True  # jit mode runs jax.jit(entry); False: the entry as written (it jits itself)
    repeats: int = 7  # upper bound on steady-state repeats per mode and case
    min_repeats: int = 3
    time_per_mode: float = 0.25  # seconds of steady-state timing per mode and case, at most
    output_limit: int = 1_000_000  # bytes of captured student output kept


@dataclass
class ErrorInfo:
    """An error, as the student should see it.

    ``message`` is the exception's own text, unchanged. ``line``/``code`` point at
    the student's innermost frame; ``traceback`` holds student frames only
    (JAX-internal frames hidden). ``kind`` is filled by the worker for faults it
    knows for sure (``syntax-error``, ``missing-entry``, ``timeout``...) and by
    :mod:`jittutor.diagnosis` otherwise.
    """

    type: str
    message: str
    mro: list[str] = field(default_factory=list)
    line: int | None = None
    column: int | None = None
    code: str | None = None
    filename: str | None = None
    traceback: str = ""
    kind: str | None = None


@dataclass
class ValueSummary:
    """A short description of a value; never the whole array."""

    repr: str
    type: str
    shape: list[int] | None = None
    dtype: str | None = None
    device: str | None = None
    weak_type: bool | None = None


@dataclass
class ModeReport:
    """One case run in one mode (eager or jit)."""

    mode: str
    ok: bool = False
    value: ValueSummary | None = None
    error: ErrorInfo | None = None
    first_seconds: float | None = None  # first call; for jit it includes tracing and compiling
    seconds: float | None = None  # steady-state median per call
    repeats: int = 0
    # jit only: phases of the first call, from jax.monitoring events
    trace_seconds: float | None = None
    lower_seconds: float | None = None
    backend_compile_seconds: float | None = None
    compiles: int = 0  # compilations in this mode: first call and repeats (jit only)
    steady_compiles: int = 0  # compilations during the steady-state repeats: a retrace every call
    output: str = ""  # what the student's code printed during this mode

    @property
    def compile_seconds(self) -> float | None:
        """Trace + lower + backend compile, as the JSON reports it."""
        parts = [self.trace_seconds, self.lower_seconds, self.backend_compile_seconds]
        if all(p is None for p in parts):
            return None
        return sum(p or 0.0 for p in parts)


@dataclass
class CaseReport:
    """A case run eagerly and under jit, and how the two compare."""

    args: str
    eager: ModeReport
    jit: ModeReport
    match: bool | None = None  # eager and jit agree (allclose); None if either failed or it could not be told
    max_abs_diff: float | None = None
    match_note: str | None = (
        None  # why ``match`` is None although both modes ran (e.g. the comparison ran out of memory)
    )
    expected_ok: bool | None = None  # None when the case has no expected value
    expected: str | None = None  # summary of the expected value
    args_error: ErrorInfo | None = None  # the argument expression itself failed


@dataclass
class DeviceInfo:
    """A device as the worker sees it."""

    name: str  # canonical: "cpu:0", "gpu:1"
    platform: str  # "cpu", "gpu", "tpu"
    id: int
    kind: str = ""  # jax's device_kind, e.g. "cpu", "NVIDIA H100 80GB HBM3"
    memory_in_use: int | None = None  # bytes, where jax can tell
    memory_limit: int | None = None


@dataclass
class WorkerInfo:
    """What a worker says when it is ready."""

    pid: int
    jax_version: str
    python: str
    devices: list[DeviceInfo]
    default_device: str
    host: str = ""
    job: str = ""  # the scheduler job the worker holds alone ("" outside one, or inside the student's salloc)


@dataclass
class RecompileInfo:
    """One compilation that a plain entry, run as written, did not need.

    ``line``/``code`` point at the student line that creates the fresh jit (or,
    when the tutor could not see it created, the line that called it);
    ``reason`` is JAX's cache-miss explanation in short, or the tutor's own.
    """

    case: int
    call: int  # 0: the case's first call; 1, 2, ...: the timing repeats
    reason: str
    line: int | None = None
    code: str | None = None
    function: str | None = None  # the jitted function's name, as JAX reports it


@dataclass
class AsWrittenReport:
    """A plain (un-jitted) entry run as written: no ``disable_jit``, no outer ``jax.jit``.

    Counts the compilations its own jits cause across the cases and the timing
    repeats. ``needed`` is how many the cases call for (one per new argument
    signature, e.g. per value of a static argument); the rest is ``excess``.
    """

    calls: int = 0  # calls of the entry, first calls and repeats of every case
    compiles: int = 0
    needed: int = 0
    excess: int = 0
    recompiles: list[RecompileInfo] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # "one compile per value of the static `n`"
    error: str | None = None  # the measurement itself failed (the modes report the student's errors)


@dataclass
class RunReport:
    """The whole result of one run, as plain data."""

    device: str
    jax_version: str
    cases: list[CaseReport] = field(default_factory=list)
    error: ErrorInfo | None = None  # the run as a whole failed (syntax, missing entry, timeout, crash)
    compiles: int = 0  # compilations across all cases in jit mode
    output: str = ""  # all captured output, capped
    output_truncated: bool = False
    output_bytes: int = 0  # how much was printed in all, before the cap
    jaxpr: str | None = None
    jaxpr_error: str | None = None
    memory_in_use: int | None = None  # bytes on the run's device after the run, where jax can tell (GPUs)
    memory_limit: int | None = None
    interrupted: bool = False  # stopped by a cancel (deadline or user); error says where
    entry_jitted: bool | None = None  # the student's entry was already a jax.jit function
    seconds: float = 0.0  # wall time of the run inside the worker
    worker_pid: int | None = None
    as_written: AsWrittenReport | None = None  # a plain entry measured as written (its own jits)
    # Set when the run left the worker changed in a way it cannot undo, e.g. "a thread the code
    # started is still running (Thread-1)": the pool replaced the worker, so the next run gets a fresh one.
    worker_retired: str | None = None
    restored: list[str] = field(default_factory=list)  # settings the run changed and the worker put back
    processes_ended: int = 0  # processes the code started that were still running at the end and were killed

    @property
    def all_ran(self) -> bool:
        """Every case ran in both modes without error."""
        return self.error is None and all(c.eager.ok and c.jit.ok for c in self.cases)

    @property
    def all_agree(self) -> bool:
        return self.all_ran and all(c.match for c in self.cases)


# --- serialisation -----------------------------------------------------------


def to_dict(obj: Any) -> Any:
    """Encode a protocol dataclass (or nested containers of them) as JSON data."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_dict(v) for k, v in obj.items()}
    return obj


def _decode(tp: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is type(None):
                continue
            return _decode(arg, data)
    if origin is list:
        (item,) = typing.get_args(tp)
        return [_decode(item, x) for x in data]
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, data)
    return data


_HINTS_CACHE: dict[type, dict[str, Any]] = {}


def from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Decode JSON data into the dataclass ``cls``; unknown keys are ignored."""
    hints = _HINTS_CACHE.get(cls)
    if hints is None:
        hints = _HINTS_CACHE[cls] = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _decode(hints[f.name], data[f.name])
    return cls(**kwargs)


def encode_message(msg: dict[str, Any]) -> bytes:
    """One message, one line of JSON (ASCII only, so it survives any terminal)."""
    return (json.dumps(msg, ensure_ascii=True, allow_nan=True) + "\n").encode("ascii")


def decode_message(line: bytes | str) -> dict[str, Any]:
    """Parse one line of the channel; raises ``ValueError`` on anything but a JSON object."""
    obj = json.loads(line)
    if not isinstance(obj, dict):
        raise ValueError(f"protocol message is not an object: {line[:200]!r}")
    return obj
