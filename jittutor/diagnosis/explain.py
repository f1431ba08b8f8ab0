"""Explain a pasted traceback or error message (``jittutor explain``).

Accepts what students paste: a plain Python traceback, a notebook's (IPython's
``----> 5`` arrows, ``Cell In[3], line 5``, ANSI colours), a batch log with
chained exceptions and JAX's "For simplicity, JAX has removed its internal
frames" note, or just the error text. Finds the final exception and the
student's own line, then classifies. Never raises on any input.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from jittutor.diagnosis.classify import classify, short_name
from jittutor.diagnosis.texts import kind_info

# Colour codes, with the escape character, or orphaned when a copy dropped it ("[0;31m").
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\[(?:\d{1,2};)*\d{1,2}m")

# Frame headers, one per traceback style.
_PY_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+?))?\s*$')
_IPY_CELL = re.compile(r"^\s*(?P<file>Cell\s+In\s*\[[^\]]*\]), line (?P<line>\d+)(?:, in (?P<func>.+?))?\s*$")
_IPY_FILE = re.compile(r"^\s*File (?P<file>\S.*?):(?P<line>\d+)(?:, in (?P<func>.+?))?\s*$")
_IPY_OLD = re.compile(r"^\s*(?P<file><ipython-input-[^>]*>|\S+\.py) in (?P<func>[\w.<>]+)(?:\(.*\))?\s*$")
# IPython's marker of the current line inside a frame: "----> 5     if x > 0:".
_IPY_ARROW = re.compile(r"^\s*-+>\s*(?P<line>\d+)(?:\s(?P<code>.*))?$")
_CARET = re.compile(r"^\s*[\^~]+\s*$")

# "ValueError: ...", "jax.errors.TracerBoolConversionError: ...", or a bare "MemoryError".
_EXC_LINE = re.compile(
    r"^(?P<qual>(?:[A-Za-z_]\w*\.)*(?P<name>Exception|"
    r"[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt|Warning|StackTrace|Iteration)))"
    r"(?:\s*:\s?(?P<msg>.*))?$"
)
# Lines that end an exception's message.
_MESSAGE_END = re.compile(
    r"^(?:-{5,}\s*$"
    r"|For simplicity, JAX has removed its internal frames"
    r"|The stack trace below excludes JAX-internal frames"
    r"|The above exception was the direct cause"
    r"|During handling of the above exception"
    r"|Traceback \(most recent call last\)"
    r"|\S+\s+Traceback \(most recent call last\))"
)
# Files that belong to libraries or Python itself, never to the student.
_LIBRARY_RE = re.compile(
    r"(?:^|[\\/])(?:site-packages|dist-packages|jaxlib|jax[\\/]_src|lib[\\/]python\d[\d.]*|Lib)(?:[\\/]|$)"
    r"|^<frozen |^<__array_function__"
)

NOTHING_RECOGNISED = (
    "Nothing was recognised: paste a Python traceback or an error message "
    "(the last lines of the traceback are the most useful)."
)
MAX_MESSAGE = 4000  # characters of a message kept
MAX_MESSAGE_LINES = 200
MAX_FRAME_LINE = 2000  # longer lines are never frame headers (and would be slow to match)
MAX_FALLBACK_BLOCKS = 30  # earlier exceptions of a chain looked at when the last one says nothing
MAX_INPUT = 200_000  # characters of a paste read, from its end (where the final exception is)


@dataclass
class Explanation:
    """What ``jittutor explain`` shows for a pasted error."""

    kind: str
    title: str
    explanation: str
    hints: list[str] = field(default_factory=list)
    docs: str = ""
    type: str | None = None
    message: str = ""
    line: int | None = None
    filename: str | None = None
    code: str | None = None


@dataclass
class Frame:
    """One traceback frame as pasted: where, and the code line when shown."""

    index: int  # line number in the cleaned text
    filename: str
    line: int | None
    code: str | None = None

    @property
    def is_library(self) -> bool:
        return bool(_LIBRARY_RE.search(self.filename.strip()))


@dataclass
class ExceptionBlock:
    """An exception line and the message lines after it."""

    index: int
    type: str
    message: str


def _cap(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


def clean_text(text: str) -> str:
    """Drop colour codes and normalise line ends."""
    text = _ANSI_RE.sub("", text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_frame(line: str) -> bool:
    if len(line) > MAX_FRAME_LINE:
        return False
    return any(p.match(line) for p in (_PY_FRAME, _IPY_CELL, _IPY_FILE, _IPY_OLD))


def _frame_at(lines: list[str], i: int, is_frame: list[bool]) -> Frame:
    line = lines[i]
    m = _PY_FRAME.match(line)
    if m:
        code = None
        if i + 1 < len(lines) and not is_frame[i + 1]:
            nxt = lines[i + 1]
            if nxt[:1] in (" ", "\t") and nxt.strip() and not _CARET.match(nxt):
                code = nxt.strip()
        return Frame(i, m["file"], int(m["line"]), code)
    for pattern in (_IPY_CELL, _IPY_FILE, _IPY_OLD):
        m = pattern.match(line)
        if m:
            number = int(m["line"]) if m.groupdict().get("line") else None
            frame = Frame(i, m["file"].strip(), number)
            _read_arrow(lines, i + 1, frame, is_frame)
            return frame
    raise AssertionError("not a frame line")  # callers check is_frame first


def _read_arrow(lines: list[str], start: int, frame: Frame, is_frame: list[bool]) -> None:
    """IPython frames show context lines; the arrow marks the current one."""
    for j in range(start, min(len(lines), start + 40)):
        line = lines[j]
        if is_frame[j] or _EXC_LINE.match(line):
            return
        m = _IPY_ARROW.match(line)
        if m:
            if frame.line is None:
                frame.line = int(m["line"])
            frame.code = (m["code"] or "").strip() or None
            return


def _unwrap(name: str, message: str) -> tuple[str, str]:
    """``UnfilteredStackTrace: jax.errors.X: msg`` -> ``X``, ``msg`` (JAX 0.2 - 0.3)."""
    for _ in range(3):
        first, _, rest = message.partition("\n")
        m = _EXC_LINE.match(first)
        if not m or m["msg"] is None:
            break
        name = m["name"]
        message = m["msg"] + ("\n" + rest if rest else "")
    return name, message


def _block(lines: list[str], i: int, match: re.Match[str], stop: int) -> ExceptionBlock:
    body = [match["msg"] or ""] + [line.rstrip() for line in lines[i + 1 : min(stop, i + 1 + MAX_MESSAGE_LINES)]]
    message = "\n".join(body).strip()
    name, message = _unwrap(short_name(match["name"]), message)
    return ExceptionBlock(i, name, _cap(message))


def parse_traceback(text: str) -> tuple[list[Frame], list[ExceptionBlock]]:
    """The frames and exception lines found in ``text``, in order."""
    lines = clean_text(text).split("\n")
    is_frame = [_is_frame(line) for line in lines]
    frames: list[Frame] = []
    exceptions: list[tuple[int, re.Match[str]]] = []
    stops: list[int] = []  # lines that end a message: frames and markers
    for i, line in enumerate(lines):
        if is_frame[i]:
            frames.append(_frame_at(lines, i, is_frame))
            stops.append(i)
            continue
        stripped = line.strip()
        if _MESSAGE_END.match(stripped):
            stops.append(i)
            continue
        m = _EXC_LINE.match(stripped)
        if m:
            exceptions.append((i, m))
    stops.append(len(lines))
    blocks = [_block(lines, i, m, stops[bisect.bisect_right(stops, i)]) for i, m in exceptions]
    return frames, blocks


def _final_block(frames: list[Frame], blocks: list[ExceptionBlock]) -> ExceptionBlock | None:
    """The exception the traceback ends with: the first one after the last frame."""
    if not blocks:
        return None
    after = frames[-1].index if frames else -1
    for block in blocks:
        if block.index > after:
            return block
    return blocks[-1]


def _student_frame(frames: list[Frame], before: int | None) -> Frame | None:
    for frame in reversed(frames):
        if before is not None and frame.index > before:
            continue
        if not frame.is_library:
            return frame
    return None


def explain_text(text: str) -> Explanation:
    """Explain a pasted traceback or bare error text; never raises."""
    try:
        return _explain(text if isinstance(text, str) else str(text))
    except Exception:  # noqa: BLE001 - a paste must never crash the CLI
        return _result("exception", None, NOTHING_RECOGNISED, None)


def _result(kind: str, type_: str | None, message: str, frame: Frame | None) -> Explanation:
    info = kind_info(kind)
    return Explanation(
        kind=kind,
        title=info.title,
        explanation=info.explanation,
        hints=list(info.hints),
        docs=info.docs,
        type=type_,
        message=message,
        line=frame.line if frame else None,
        filename=frame.filename if frame else None,
        code=frame.code if frame else None,
    )


def _explain(text: str) -> Explanation:
    cleaned = clean_text(text[-MAX_INPUT:]).strip()
    if not cleaned:
        return _result("exception", None, NOTHING_RECOGNISED, None)
    frames, blocks = parse_traceback(cleaned)
    final = _final_block(frames, blocks)
    if final is None:
        kind = classify("", (), cleaned)
        message = _cap(cleaned) if kind != "exception" else NOTHING_RECOGNISED
        return _result(kind, None, message, _student_frame(frames, None))

    chosen, kind = final, classify(final.type, (final.type,), final.message)
    if kind == "exception":
        # A wrapper (a RuntimeError from a library, a chained re-raise) may hide
        # the JAX error that caused it: the latest specific one wins.
        earlier = [b for b in blocks if b.index <= final.index][-MAX_FALLBACK_BLOCKS:]
        for block in reversed(earlier):
            k = classify(block.type, (block.type,), block.message)
            if k != "exception":
                chosen, kind = block, k
                break
        else:
            k = classify("", (), cleaned)
            if k != "exception":
                # Only the text as a whole says what it is: show it all.
                return _result(k, None, _cap(cleaned), _student_frame(frames, None))
    return _result(kind, chosen.type, chosen.message, _student_frame(frames, chosen.index))
