"""An exception as the student should see it: their frames only, bounded in size.

A traceback may be a million frames deep (a recursion with a raised limit) and a
message may be 20 MB: frames are walked without formatting them all, runs of
the same line are folded ("[the line above repeated 99,980 more times]"), and
only the first and last student frames are kept. Field sizes are capped again
by :mod:`jittutor.engine.bounds` before the report leaves the worker.
"""

from __future__ import annotations

import linecache
import traceback
import types

from jittutor.engine.bounds import MESSAGE_LIMIT, cut
from jittutor.engine.protocol import ErrorInfo

SETUP_FILENAME = "<lesson setup>"
EDGE_FRAMES = 20  # student frames kept at each end of a deep traceback


def safe_str(value: object) -> str:
    """``str()`` that survives objects whose ``__str__`` itself raises."""
    try:
        return str(value)
    except BaseException as exc:  # noqa: BLE001 - student objects can raise anything
        return f"<{type(value).__name__[:200]} object: str() raised {type(exc).__name__[:200]}>"


def _student_frames(tb: types.TracebackType | None, files: tuple[str, ...]) -> tuple[list[tuple[str, int, str]], int]:
    """(filename, line, function) of the student's frames, the first and last EDGE_FRAMES; and how many in all."""
    head: list[tuple[str, int, str]] = []
    tail: list[tuple[str, int, str]] = []
    total = 0
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in files:
            total += 1
            entry = (code.co_filename, tb.tb_lineno, code.co_name)
            if len(head) < EDGE_FRAMES:
                head.append(entry)
            else:
                tail.append(entry)
                if len(tail) > EDGE_FRAMES:
                    tail.pop(0)
        tb = tb.tb_next
    return head + tail, total


def _format(frames: list[tuple[str, int, str]], total: int) -> list[str]:
    lines = ["Traceback (your code only; JAX-internal frames hidden):"]
    previous, repeats = None, 0
    for n, (filename, lineno, name) in enumerate(frames):
        if n == EDGE_FRAMES and total > len(frames):
            lines.append(f"  [... {total - len(frames):,} more calls of your code ...]")
            previous, repeats = None, 0
        if (filename, lineno, name) == previous:
            repeats += 1
            continue
        if repeats:
            lines.append(f"  [the call above repeated {repeats:,} more times]")
        previous, repeats = (filename, lineno, name), 0
        lines.append(f'  File "{filename}", line {lineno}, in {name[:200]}')
        code = linecache.getline(filename, lineno).strip()
        if code:
            lines.append(f"    {code[:400]}")
    if repeats:
        lines.append(f"  [the call above repeated {repeats:,} more times]")
    return lines


def error_info(exc: BaseException, filename: str, source: str, kind: str | None = None) -> ErrorInfo:
    """Describe ``exc`` for the student: JAX's message unchanged (but capped), their frames only."""
    mro = [c.__name__[:200] for c in type(exc).__mro__][:64]
    message = cut(safe_str(exc), MESSAGE_LIMIT, "message")
    if kind is None and isinstance(exc, RecursionError):
        kind = "recursion"
    info = ErrorInfo(type=type(exc).__name__[:200], message=message, mro=mro, kind=kind)
    if isinstance(exc, SyntaxError) and exc.filename in (filename, SETUP_FILENAME):
        info.line, info.column, info.filename = exc.lineno, exc.offset, exc.filename
        info.message = cut(str(exc.msg), MESSAGE_LIMIT, "message")
        info.code = (exc.text or "").rstrip("\n")[:400] or None
        info.kind = kind or "syntax-error"
        return info
    frames, total = _student_frames(exc.__traceback__, (filename, SETUP_FILENAME))
    if frames:
        last_file, last_line, _ = frames[-1]
        info.line, info.filename = last_line, last_file
        info.code = linecache.getline(last_file, last_line).strip()[:400] or None
        lines = _format(frames, total)
        if total > len(frames):
            info.message += f" (the traceback was {total:,} calls of your code deep)"
        lines.append(f"{info.type}: {info.message}")
        info.traceback = "\n".join(lines)
    return info


def format_exception_only(exc: BaseException) -> str:
    return cut("".join(traceback.format_exception_only(type(exc), exc)).strip(), MESSAGE_LIMIT, "message")
