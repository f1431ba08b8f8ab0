"""Explain a pasted traceback or error message (``jittutor explain``).

Accepts what students paste: a plain Python traceback, a notebook's (IPython's
``----> 5`` arrows, ``Cell In[3], line 5``, ``<ipython-input-...>``, ANSI
colours), a batch log with chained exceptions, log lines around them and JAX's
"For simplicity, JAX has removed its internal frames" note, a traceback cut at
either end, or just the error text. Finds the most informative exception of a
chain and the student's own line (JAX's frames are hidden, as JAX's own
traceback filtering does), then classifies. Text with no Python error in it is
told apart (:attr:`Explanation.found`). Never raises on any input.
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
# A notebook's header: "NonConcreteBooleanIndexError      Traceback (most recent call last)".
_NOTEBOOK_HEADER = re.compile(
    r"^(?P<qual>(?:[A-Za-z_]\w*\.)*(?P<name>[A-Za-z_]\w*))\s+Traceback \(most recent call last\)"
)
_CHAIN_MARKER = re.compile(r"^(?:The above exception was the direct cause|During handling of the above exception)")
# Lines of a batch log or a terminal around the traceback; they end a message.
_NOISE = re.compile(
    r"^(?:\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d"  # 2024-05-02 10:14:03,112 INFO ...
    r"|\[?\d\d:\d\d:\d\d\b"  # 10:14:03 ...
    r"|[IWEF]\d{4} \d\d:\d\d:\d\d"  # absl / glog: I0502 10:14:03.123456
    r"|(?:srun|slurmstepd|sbatch|salloc|mpirun|mpiexec|torchrun|wandb|Exception ignored)\b"
    r"|(?:INFO|WARNING|WARN|DEBUG|CRITICAL)\b[:\] ]"
    r"|\+ \S|\$ \S|[\w.-]+@[\w.-]+:\S*[$#] "  # shell trace, prompts
    r"|(?:Epoch|Step) \d|\d{1,3}%\|)"
)
# Files that belong to libraries or Python itself, never to the student.
_LIBRARY_RE = re.compile(
    r"(?:^|[\\/])(?:site-packages|dist-packages|jaxlib|jax[\\/]_src|lib[\\/]python\d[\d.]*|Lib)(?:[\\/]|$)"
    r"|^<frozen |^<__array_function__|^<decorator-gen-"
)
# JAX's own modules, also in a source checkout (".../src/jax/jax/core.py" in 0.2.x);
# the top-level module names are those of JAX 0.1 - 0.10, so a student's "jax/train.py" stays theirs.
_JAX_RE = re.compile(
    r"(?:^|[\\/])(?:jaxlib|jax[\\/](?:_src|interpreters|lax|numpy|scipy|nn|experimental|extend|lib|ops|image"
    r"|example_libraries|(?:abstract_arrays|ad_checkpoint|ad_util|api|api_util|config|core|custom_\w+|debug"
    r"|dispatch|dlpack|dtypes|errors|flatten_util|lax_linalg|lax_reference|lazy|linear_util|pjit|prng|random"
    r"|sharding|source_info_util|stages|traceback_util|tree_util|util)\.py$))(?:[\\/]|$)"
)

NOTHING_RECOGNISED = (
    "Nothing was recognised: paste a Python traceback or an error message "
    "(the last lines of the traceback are the most useful)."
)
#: The one line a front shows when the input holds no Python error at all.
NO_ERROR_FOUND = "no Python error found in the input"
CUT_SHORT = (
    "The paste ends before the line that names the error: "
    "copy the traceback down to its last line (e.g. 'TypeError: ...')."
)
MAX_MESSAGE = 4000  # characters of a message kept
MAX_MESSAGE_LINES = 200
MAX_FRAME_LINE = 2000  # longer lines are never frame headers (and would be slow to match)
MAX_FALLBACK_BLOCKS = 30  # earlier exceptions of a chain looked at when the last one says nothing
MAX_INPUT = 200_000  # characters of a paste read, from its end (where the final exception is)


@dataclass
class Explanation:
    """What ``jittutor explain`` shows for a pasted error.

    ``found`` is false when the input holds no Python error at all (no
    exception line, traceback or known error wording); ``kind`` is then
    ``"exception"`` with :data:`NOTHING_RECOGNISED` as the message, and a front
    should say :data:`NO_ERROR_FOUND` instead of showing generic hints.
    """

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
    found: bool = True


@dataclass
class Frame:
    """One traceback frame as pasted: where, and the code line when shown."""

    index: int  # line number in the cleaned text
    filename: str
    line: int | None
    code: str | None = None

    @property
    def is_library(self) -> bool:
        return self.is_jax or bool(_LIBRARY_RE.search(self.filename.strip()))

    @property
    def is_jax(self) -> bool:
        return bool(_JAX_RE.search(self.filename.strip()))


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


@dataclass
class Paste:
    """What a paste holds: frames, exception blocks, notebook headers, chain markers (by line)."""

    frames: list[Frame] = field(default_factory=list)
    blocks: list[ExceptionBlock] = field(default_factory=list)
    headers: list[tuple[int, str]] = field(default_factory=list)  # (line, class name)
    chain_markers: list[int] = field(default_factory=list)
    jax_note: bool = False  # JAX's "removed its internal frames" note: JAX raised it


def parse_paste(text: str) -> Paste:
    """The frames, exception lines and markers found in ``text``, in order."""
    lines = clean_text(text).split("\n")
    is_frame = [_is_frame(line) for line in lines]
    paste = Paste()
    exceptions: list[tuple[int, re.Match[str]]] = []
    stops: list[int] = []  # lines that end a message: frames, markers, log noise
    for i, line in enumerate(lines):
        if is_frame[i]:
            paste.frames.append(_frame_at(lines, i, is_frame))
            stops.append(i)
            continue
        stripped = line.strip()
        if len(stripped) > MAX_FRAME_LINE:
            continue
        if _MESSAGE_END.match(stripped):
            stops.append(i)
            header = _NOTEBOOK_HEADER.match(stripped)
            if header:
                paste.headers.append((i, short_name(header["name"])))
            elif _CHAIN_MARKER.match(stripped):
                paste.chain_markers.append(i)
            elif stripped.startswith(("For simplicity, JAX", "The stack trace below excludes JAX")):
                paste.jax_note = True
            continue
        if _NOISE.match(line):
            stops.append(i)
            continue
        m = _EXC_LINE.match(stripped)
        if m:
            exceptions.append((i, m))
    stops.append(len(lines))
    paste.blocks = [_block(lines, i, m, stops[bisect.bisect_right(stops, i)]) for i, m in exceptions]
    return paste


def parse_traceback(text: str) -> tuple[list[Frame], list[ExceptionBlock]]:
    """The frames and exception lines found in ``text``, in order."""
    paste = parse_paste(text)
    return paste.frames, paste.blocks


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


def _innermost_frame(frames: list[Frame], before: int) -> Frame | None:
    """The frame that raised the exception at line ``before`` (the last one above it)."""
    above = [f for f in frames if f.index < before]
    return above[-1] if above else None


def _code_context(paste: Paste, before: int | None) -> str:
    """The code lines that raised: the innermost frame (JAX's too) and the student's."""
    limit = before if before is not None else 1 << 30
    lines = []
    innermost = _innermost_frame(paste.frames, limit)
    if innermost is not None and innermost.code:
        lines.append(innermost.code)
    student = _student_frame(paste.frames, before)
    if student is not None and student.code and student is not innermost:
        lines.append(student.code)
    return "\n".join(lines)


def _inside_jax(paste: Paste, block: ExceptionBlock) -> bool:
    """``block`` was raised inside JAX: a JAX frame raised it, or it is the cause of a later error."""
    innermost = _innermost_frame(paste.frames, block.index)
    if innermost is not None and innermost.is_jax:
        return True
    later = [b.index for b in paste.blocks if b.index > block.index] + [1 << 30]
    caused = any(block.index < m < later[0] for m in paste.chain_markers)
    return caused and (paste.jax_note or any(f.is_jax for f in paste.frames))


#: How much a kind tells the student; a chain's most telling link is shown.
def _specificity(kind: str) -> int:
    return {"exception": 0, "concretization": 1}.get(kind, 2)


def explain_text(text: str) -> Explanation:
    """Explain a pasted traceback or bare error text; never raises."""
    try:
        return _explain(text if isinstance(text, str) else str(text))
    except Exception:  # noqa: BLE001 - a paste must never crash the CLI
        return _nothing_found()


def _result(kind: str, type_: str | None, message: str, frame: Frame | None, *, found: bool = True) -> Explanation:
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
        found=found,
    )


def _nothing_found() -> Explanation:
    return _result("exception", None, NOTHING_RECOGNISED, None, found=False)


def _classify_block(paste: Paste, block: ExceptionBlock) -> str:
    return classify(
        block.type,
        (block.type,),
        block.message,
        _code_context(paste, block.index),
        inside_jax=_inside_jax(paste, block),
    )


def _explain(text: str) -> Explanation:
    cleaned = clean_text(text[-MAX_INPUT:]).strip()
    if not cleaned:
        return _nothing_found()
    paste = parse_paste(cleaned)
    frames, blocks = paste.frames, paste.blocks
    final = _final_block(frames, blocks)
    if final is None:
        return _without_exception_line(paste, cleaned)

    chosen, kind = final, _classify_block(paste, final)
    if _specificity(kind) < 2:
        # A wrapper (a RuntimeError from a library, a chained re-raise, JAX's generic
        # ConcretizationTypeError) may hide a more telling error: the latest one wins.
        earlier = [b for b in blocks if b.index <= final.index][-MAX_FALLBACK_BLOCKS:]
        for block in reversed(earlier):
            k = _classify_block(paste, block)
            if _specificity(k) > _specificity(kind):
                chosen, kind = block, k
                if _specificity(k) == 2:
                    break
        if kind == "exception":
            k = classify("", (), cleaned)
            if k != "exception":
                # Only the text as a whole says what it is: show it all.
                return _result(k, None, _cap(cleaned), _student_frame(frames, None))
    return _result(kind, chosen.type, chosen.message, _student_frame(frames, chosen.index))


def _without_exception_line(paste: Paste, cleaned: str) -> Explanation:
    """No ``SomeError: ...`` line: a bare JAX wording, a notebook header, or a traceback cut short."""
    frame = _student_frame(paste.frames, None)
    kind = classify("", (), cleaned, _code_context(paste, None))
    if kind != "exception":
        return _result(kind, None, _cap(cleaned), frame)
    if paste.headers:
        name = paste.headers[-1][1]
        kind = classify(name, (name,), "", _code_context(paste, None))
        return _result(kind, name, CUT_SHORT, frame)
    if paste.frames:
        return _result("exception", None, CUT_SHORT, frame)
    return _nothing_found()
