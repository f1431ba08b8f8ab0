"""Notes from the measurements: what the numbers of a run mean for this student's code.

After every run, passed or not, the tutor says what it measured in words:
how many compilations and why, where the first jit call spent its time and
when jit pays off, why jit was slower here, that the tutor itself wrapped the
function in ``jax.jit``, that a ``jax.jit(...)`` result was thrown away, and
whether eager and jit disagree through precision or through stale state.

Each :class:`Note` has a stable ``id`` (graders and the ``--json`` document use
it) and the ``numbers`` it quotes. Notes are plain data; the CLI prints them and
the app draws them. The student's source is read with :mod:`ast` (no jax here).
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field

from jittutor.engine.protocol import CaseReport, ModeReport, RunReport, RunRequest
from jittutor.present.cells import seconds_text

#: A steady call cheaper than this is dominated by dispatch, not by the work (order of magnitude, CPU).
TINY_CALL = 100e-6


@dataclass(frozen=True)
class Note:
    """One sentence or two about a measurement, with the figures it quotes."""

    id: str
    text: str
    numbers: dict[str, float | int | str] = field(default_factory=dict)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --- reading the student's source -----------------------------------------------------


def _is_jit(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "jit") or (isinstance(func, ast.Name) and func.id == "jit")


def _literal_names(node: ast.expr) -> list[object]:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return []
    return list(value) if isinstance(value, (tuple, list)) else [value]


def static_parameters(source: str) -> list[str]:
    """Parameters the code marks static (``static_argnums``/``static_argnames`` of its ``jax.jit`` calls)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    params: dict[str, list[str]] = {
        node.name: [a.arg for a in node.args.args]
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    names: list[str] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and (_is_jit(node.func) or _is_partial_of_jit(node))):
            continue
        target = _jitted_name(node)
        for kw in node.keywords:
            if kw.arg == "static_argnames":
                names += [str(v) for v in _literal_names(kw.value)]
            elif kw.arg == "static_argnums" and target in params:
                names += [
                    params[target][i]
                    for i in _literal_names(kw.value)
                    if isinstance(i, int) and i < len(params[target])
                ]
    for fn in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
        for deco in fn.decorator_list:
            if isinstance(deco, ast.Call) and (_is_jit(deco.func) or _is_partial_of_jit(deco)):
                for kw in deco.keywords:
                    if kw.arg == "static_argnames":
                        names += [str(v) for v in _literal_names(kw.value)]
                    elif kw.arg == "static_argnums":
                        names += [
                            params[fn.name][i]
                            for i in _literal_names(kw.value)
                            if isinstance(i, int) and i < len(params[fn.name])
                        ]
    return list(dict.fromkeys(names))


def _is_partial_of_jit(node: ast.Call) -> bool:
    func = node.func
    is_partial = (isinstance(func, ast.Name) and func.id == "partial") or (
        isinstance(func, ast.Attribute) and func.attr == "partial"
    )
    return is_partial and bool(node.args) and _is_jit(node.args[0])


def _jitted_name(node: ast.Call) -> str | None:
    args = node.args[1:] if _is_partial_of_jit(node) else node.args
    return args[0].id if args and isinstance(args[0], ast.Name) else None


def discarded_jit_lines(source: str) -> list[int]:
    """Lines where ``jax.jit(...)`` is called as a statement, its result thrown away."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and _is_jit(node.value.func)
    ]


# --- the notes -----------------------------------------------------------------------------


def _both_ran(report: RunReport) -> list[CaseReport]:
    return [c for c in report.cases if c.eager.ok and c.jit.ok]


def _compile_note(report: RunReport, static: list[str]) -> Note | None:
    cases = [c for c in report.cases if c.jit.ok]
    n, compiles = len(cases), report.compiles
    steady = sum(c.jit.steady_compiles for c in report.cases)
    if not cases or compiles == 0 or steady:
        return None  # nothing compiled, or the `recompiles` diagnosis already says it
    numbers: dict[str, float | int | str] = {"compiles": compiles, "cases": n}
    if compiles == 1 and n > 1:
        return Note(
            "one-compile-served-all",
            f"1 compilation served all {n} cases: their arguments had the same shapes and dtypes, "
            "so `jax.jit` traced once and reused the compiled code.",
            numbers,
        )
    if compiles >= n > 1 and static:
        names = ", ".join(f"`{s}`" for s in static)
        numbers["static"] = ", ".join(static)
        return Note(
            "compiles-per-static-value",
            f"{_plural(compiles, 'compilation')}: one for each value of the static {names}. "
            "A static argument is part of the cache key, so a new value traces and compiles again.",
            numbers,
        )
    if compiles >= n > 1:
        return Note(
            "compiles-per-case",
            f"{_plural(compiles, 'compilation')} for {n} cases: each case's arguments differed in shape, dtype "
            "or a static value, and `jax.jit` compiles once per distinct signature.",
            numbers,
        )
    return None


def _compile_split_note(jit: ModeReport) -> Note | None:
    """Where the first jit call spent its time before running."""
    phases = [
        (name, s)
        for name, s in (
            ("tracing", jit.trace_seconds),
            ("lowering", jit.lower_seconds),
            ("compiling", jit.backend_compile_seconds),
        )
        if s is not None
    ]
    total = jit.compile_seconds
    if not (phases and total):
        return None
    split = ", ".join(f"{seconds_text(s)} {name}" for name, s in phases)
    return Note(
        "compile-split",
        f"The first jit call spent {seconds_text(total)} before running: {split}. Tracing runs your Python once "
        "with tracers; lowering turns the jaxpr into XLA; compiling builds machine code.",
        {
            "trace_seconds": jit.trace_seconds or 0.0,
            "lower_seconds": jit.lower_seconds or 0.0,
            "backend_compile_seconds": jit.backend_compile_seconds or 0.0,
            "compile_seconds": total,
        },
    )


def _speed_note(eager: ModeReport, jit: ModeReport) -> Note | None:
    """When jit pays off, or why it was slower here."""
    total = jit.compile_seconds
    if eager.seconds is None or jit.seconds is None or not total:
        return None
    saving = eager.seconds - jit.seconds
    numbers: dict[str, float | int | str] = {
        "eager_seconds": eager.seconds,
        "jit_seconds": jit.seconds,
        "compile_seconds": total,
    }
    slower = f"jit was slower here ({seconds_text(jit.seconds)} vs {seconds_text(eager.seconds)})"
    if saving > 0:
        calls = math.ceil(total / saving)
        return Note(
            "break-even",
            f"jit breaks even after about {calls:,} calls: each call saves {seconds_text(saving)} "
            f"({seconds_text(eager.seconds)} eager vs {seconds_text(jit.seconds)} jit), "
            f"and compiling cost {seconds_text(total)} once.",
            {**numbers, "break_even_calls": calls},
        )
    if eager.value is not None and eager.value.type in ("float", "int", "bool", "complex") and not eager.value.shape:
        return Note(
            "static-python-eager",
            f"{slower}: the eager result is a plain Python {eager.value.type}, so eagerly this was Python arithmetic, "
            "no JAX array at all (a static argument never becomes one), while each jit call dispatches compiled XLA code.",
            numbers,
        )
    if jit.seconds < TINY_CALL:
        return Note(
            "jit-slower-dispatch",
            f"{slower}: the work is tiny, so each call is mostly dispatch overhead. jit pays off when a call does "
            "more work (bigger arrays, more operations for XLA to fuse).",
            numbers,
        )
    return None


def _timing_notes(case: CaseReport) -> list[Note]:
    notes = [_compile_split_note(case.jit), _speed_note(case.eager, case.jit)]
    return [n for n in notes if n is not None]


def _mismatch_note(case: CaseReport, number: int) -> Note | None:
    if case.match is not False or case.eager.value is None or case.jit.value is None:
        return None
    eager, jit = case.eager.value.repr, case.jit.value.repr
    odd = ("inf", "nan")
    numbers: dict[str, float | int | str] = {"case": number, "eager": eager, "jit": jit}
    if any(t in eager for t in odd) != any(t in jit for t in odd):
        return Note(
            "mismatch-precision",
            f"Case {number}: eager gave {eager} and jit {jit}. One side overflowed or lost precision: XLA may fuse "
            "and reorder operations (e.g. `log(exp(x))` simplified in one mode, overflowing in the other). This is "
            "numerics, not stale state: rewrite the expression stably (e.g. `jax.nn.logsumexp`, clip, or a wider dtype).",
            numbers,
        )
    return Note(
        "mismatch-stale",
        f"Case {number}: eager gave {eager} and jit {jit}. Same code, different answers usually means state jit "
        "captured when it traced: a global read at trace time, or host randomness (`numpy.random`, `random`) "
        "frozen into the compiled code. Pass it in as an argument (for randomness: a `jax.random` key).",
        numbers,
    )


def notes_for(report: RunReport, request: RunRequest | None = None) -> list[Note]:
    """Every note this run's measurements support, in the order a student should read them."""
    source = request.source if request is not None else ""
    notes: list[Note] = []
    for line in discarded_jit_lines(source):
        notes.append(
            Note(
                "jit-result-discarded",
                f"Line {line} calls `jax.jit(...)` and throws the result away. `jax.jit` does not change your "
                "function: it returns a new, compiled one. Keep it, e.g. `cond_func = jax.jit(cond_func_impl, ...)`, "
                "and call that.",
                {"line": line},
            )
        )
    if request is not None and request.wrap_entry and report.entry_jitted is False and _both_ran(report):
        notes.append(
            Note(
                "tutor-wrapped",
                f"Your `{request.entry}` is a plain Python function: for the jit column the tutor wrapped it in "
                "`jax.jit` itself. In your own code, nothing is compiled until you call `jax.jit`.",
            )
        )
    compile_note = _compile_note(report, static_parameters(source))
    if compile_note is not None:
        notes.append(compile_note)
    ran = _both_ran(report)
    if ran:
        notes += _timing_notes(ran[0])
    for n, case in enumerate(report.cases, 1):
        mismatch = _mismatch_note(case, n)
        if mismatch is not None:
            notes.append(mismatch)
        if case.match is None and case.match_note:
            notes.append(
                Note("no-comparison", f"Case {n}: eager and jit were not compared: {case.match_note}.", {"case": n})
            )
    if report.processes_ended:
        notes.append(
            Note(
                "processes-ended",
                f"Your code started {_plural(report.processes_ended, 'process')} that outlived the run; "
                "the tutor ended them (no student process outlives its run).",
                {"processes": report.processes_ended},
            )
        )
    if report.worker_retired:
        notes.append(
            Note(
                "worker-retired",
                f"Your code changed the worker in a way it cannot undo ({report.worker_retired}); "
                "the tutor started a fresh one for your next run.",
                {"reason": report.worker_retired},
            )
        )
    return notes
