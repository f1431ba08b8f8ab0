"""``jittutor watch LESSON [FILE]``: check a lesson's file on every save, with one warm worker.

The own-editor loop, in the manner of rustlings: the student edits the file in
their editor; each save (debounced by watchfiles, which uses the OS's file
events and polls where it must) re-checks it through the same
:class:`~jittutor.tutoring.session.LessonSession` as ``check`` and the app, and
the screen is redrawn as plain text: the verdict, the hints revealed so far, and
after a pass the next lesson. Keys: ``h`` reveals the next rung (the one count
shared with ``jittutor hint`` and the app), ``r`` checks again, ``q`` (or
ctrl+c) quits.

Plain text on purpose: it must work in a dumb terminal, over SSH and in a pipe.
On a terminal the screen is cleared before each redraw and the verdict line is
coloured unless ``NO_COLOR`` is set or ``TERM=dumb``; elsewhere each redraw is
separated by a rule. Keys are read in cbreak mode on a terminal (restored on
every way out: q, ctrl+c, SIGTERM, SIGHUP); from a pipe, one command per line
(``h``, ``r``, ``q``), and the end of the input quits.

Threads: the file watcher and the key reader only put events on a queue; the
main thread owns the session, the worker pool and the screen. A ``q`` typed
during a check cancels the check at once (``WorkerPool.cancel`` is safe from
any thread). No jax, no textual.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import queue
import re
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from jittutor.errors import EXIT_OK, UsageError

if TYPE_CHECKING:
    from jittutor.engine.pool import WorkerPool
    from jittutor.tutoring.session import Checked, LessonSession

try:  # POSIX terminals; elsewhere keys are read a line at a time
    import termios
    import tty
except ImportError:  # pragma: no cover - Windows
    termios = None  # type: ignore[assignment]
    tty = None  # type: ignore[assignment]

#: Milliseconds of quiet after a file event before the batch counts as one save (editors write in steps).
SAVE_QUIET_MS = 100
KEYS = "h next hint   r check again   q quit"
CLEAR = "\x1b[H\x1b[2J"
ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|O.)?")  # CSI and SS3 sequences, or a lone Escape
RULE = "=" * 72


def watched_file(file: str | None, session: LessonSession) -> tuple[Path, str]:
    """The file to watch and, in words, why: FILE, else ./LESSON.py, else the saved draft."""
    from jittutor.cli.student import own_file

    lesson_id = session.lesson.id
    here = own_file(lesson_id)
    if file is not None:
        path, why = Path(file), ""
    elif here is not None:
        path, why = here, f"no FILE given: ./{lesson_id}.py is here"
    elif session.state.has_draft(lesson_id):
        path, why = session.state.draft_path(lesson_id), f"no FILE given, no ./{lesson_id}.py here: your saved draft"
    else:
        raise UsageError(
            f"no ./{lesson_id}.py here and no saved draft of {lesson_id}: "
            f"write the starter first with  jittutor start {lesson_id}"
        )
    if not path.is_file():
        raise UsageError(f"{path}: no such file (write the starter with  jittutor start {lesson_id})")
    return path, why


def _styling(stream: TextIO) -> tuple[bool, bool]:
    """(clear the screen, colour): only on a real terminal; colour also needs NO_COLOR unset."""
    term = os.environ.get("TERM", "")
    screen = stream.isatty() and term not in ("", "dumb")
    return screen, screen and not os.environ.get("NO_COLOR")


class KeyReader(threading.Thread):
    """Reads keys from stdin into ``events``: single keys on a terminal (cbreak), lines from a pipe."""

    def __init__(self, stream: TextIO, events: queue.Queue[tuple[str, str]], on_quit: Callable[[], None]) -> None:
        super().__init__(name="jittutor-watch-keys", daemon=True)
        self.events = events
        self.on_quit = on_quit
        self.stop = threading.Event()
        try:
            self.fd: int | None = stream.fileno()
        except (OSError, ValueError, AttributeError):
            self.fd = None  # no usable stdin: only ctrl+c quits
        self.is_tty = self.fd is not None and os.isatty(self.fd)
        self._saved: list[object] | None = None

    @contextlib.contextmanager
    def cbreak(self) -> Iterator[None]:
        """Single keys without echo on a terminal, restored however the block ends."""
        if self.is_tty and termios is not None and self.fd is not None:
            try:
                self._saved = termios.tcgetattr(self.fd)
                tty.setcbreak(self.fd)  # keeps ISIG: ctrl+c still interrupts
            except termios.error:
                self._saved = None
        try:
            yield
        finally:
            if self._saved is not None and self.fd is not None:
                with contextlib.suppress(termios.error):
                    termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
                self._saved = None

    def _key(self, key: str) -> None:
        if key in ("q", "\x04"):  # q, or ctrl+d on a terminal in cbreak mode
            self.on_quit()
            key = "q"
        self.events.put(("key", key))

    def run(self) -> None:
        if self.fd is None:
            return
        pending = b""
        while not self.stop.is_set():
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.2)
                if not ready:
                    continue
                data = os.read(self.fd, 1024)
            except (OSError, ValueError):
                data = b""
            if not data:
                if not self.is_tty:
                    self.on_quit()
                    self.events.put(("eof", ""))
                return
            if self.is_tty:
                # Arrow and function keys arrive as escape sequences ("\x1b[H" is Home, "\x1bOQ" F2): not h or q.
                for key in ESCAPE_SEQUENCE.sub("", data.decode("utf-8", "replace")):
                    self._key(key.lower())
                continue
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                text = line.decode("utf-8", "replace").strip().lower()
                if text:
                    self._key(text[0])


def _watch_saves(path: Path, events: queue.Queue[tuple[str, str]], stop: threading.Event) -> None:
    """Put ("saved", "") on ``events`` after each save of ``path`` (its directory is watched: editors replace files)."""
    import watchfiles

    name = path.name
    directory = path.parent.absolute()
    try:
        for _ in watchfiles.watch(
            directory,
            watch_filter=lambda _change, p: Path(p).name == name,
            step=SAVE_QUIET_MS,
            stop_event=stop,
            recursive=False,
            raise_interrupt=False,
            rust_timeout=500,
        ):
            events.put(("saved", ""))
    except Exception as exc:  # noqa: BLE001 - any failure to watch is shown, not a traceback
        events.put(("watch-error", f"cannot watch {directory} ({exc}); try WATCHFILES_FORCE_POLLING=1"))


class Watch:
    """One ``jittutor watch`` session: the file, the lesson session, one warm worker, the screen."""

    def __init__(
        self,
        session: LessonSession,
        path: Path,
        why: str,
        pool: WorkerPool,
        *,
        device: str | None,
        timeout: float,
        out: TextIO,
    ) -> None:
        self.session = session
        self.path = path
        self.why = why
        self.pool = pool
        self.device = device
        self.timeout = timeout
        self.out = out
        self.clear, self.colour = _styling(out)
        self.events: queue.Queue[tuple[str, str]] = queue.Queue()
        self.quitting = threading.Event()
        self.checked: Checked | None = None
        self.problem = ""  # the file is gone, unreadable, the worker failed, ...
        self.extra = ""  # the solution diff, "no more hints", ... until the next check
        self.checks = 0
        self.when = ""

    # -- the screen -------------------------------------------------------------

    def _write(self, text: str) -> None:
        try:
            self.out.write(text)
            self.out.flush()
        except (OSError, ValueError):
            pass

    def _verdict_line(self, text: str, passed: bool) -> str:
        if not self.colour:
            return text
        return f"\x1b[1;{32 if passed else 31}m{text}\x1b[0m"

    def screen(self) -> str:
        """The whole screen as text (no escapes but the verdict's colour)."""
        from jittutor.present.tables import format_checked

        lesson = self.session.lesson
        lines = [
            f"jittutor watch: {lesson.title} ({lesson.id})",
            f"watching {self.path}" + (f" ({self.why})" if self.why else ""),
        ]
        if self.checks:
            lines.append(f"check {self.checks} at {self.when}")
        lines.append("")
        if self.problem:
            lines += [self.problem, ""]
        elif self.checked is not None:
            checked = self.checked
            hints = [] if checked.passed else self.session.ladder.shown
            text = format_checked(checked, hints=hints, ask="press h")
            body, _, last = text.rpartition("\n" + checked.verdict.summary)
            lines.append(body.rstrip("\n"))
            lines.append("")
            lines.append(self._verdict_line(checked.verdict.summary, checked.passed) + last)
            lines.append("")
        if self.extra:
            lines += [self.extra, ""]
        lines.append(f"[{KEYS}]   save {self.path.name} to check again")
        return "\n".join(lines)

    def draw(self) -> None:
        self._write((CLEAR if self.clear else f"\n{RULE}\n") + self.screen() + "\n")

    # -- what the keys and saves do ------------------------------------------------

    def check(self) -> None:
        """Check the file as it is now; a missing or unreadable file, or a failed worker, is shown, never raised."""
        from jittutor.engine.pool import EngineError, RunCancelled, WorkerDead

        self.extra = ""
        self.checks += 1
        self.when = time.strftime("%H:%M:%S")
        if not self.path.is_file():
            return self._trouble(
                f"{self.path} is not there (deleted or renamed mid-edit?): waiting for it to come back; "
                "save it again to check."
            )
        try:
            code = self.session.code(file=self.path)
        except UsageError as exc:  # unreadable, not UTF-8, a directory now
            return self._trouble(f"{exc}; save it again to check.")
        self._write(f"checking {self.path.name} ...\n")
        try:
            self.checked = self.session.check(self.pool, code, device=self.device, timeout=self.timeout)
        except RunCancelled:
            if self.quitting.is_set():
                return None
            return self._trouble("the check was cancelled; save again or press r.")
        except WorkerDead as exc:
            return self._trouble(f"the worker is dead: {exc}\npress r to start a new one and check again.")
        except EngineError as exc:
            return self._trouble(f"the worker failed: {exc}\npress r to check again.")
        self.problem = ""
        self.extra = "".join(f"warning: {w}\n" for w in self.checked.warnings)
        self.draw()
        return None

    def _trouble(self, text: str) -> None:
        """Show why there is no verdict this time (the watcher goes on)."""
        self.checked, self.problem = None, text
        self.draw()

    def hint(self) -> None:
        """``h``: the next rung of the ladder (recorded, one count with `jittutor hint` and the app)."""
        session = self.session
        student = self.checked.code.source if self.checked is not None else session.lesson.starter
        if self.checked is not None and self.checked.passed:
            self.extra = "You passed: no hints needed. The lesson's solution, as a diff against your code:\n"
            self.extra += session.solution_diff(student)
        elif not session.ladder.rungs:
            self.extra = "No hints yet: the file has not been checked."
        else:
            reveal = session.reveal_next()
            if reveal.what == "solution":
                self.extra = "The solution, as a diff against your code:\n" + session.solution_diff(student)
            elif reveal.what == "end":
                self.extra = "No more hints: that was the last one, and the solution was shown."
            else:
                self.extra = ""
            if reveal.warning:
                self.extra = f"warning: {reveal.warning}\n" + self.extra
        self.draw()

    def _handle(self, batch: list[tuple[str, str]]) -> None:
        """Keys in the order typed; then, if the file was saved (or r pressed), one check."""
        recheck = False
        for kind, value in batch:
            if kind == "watch-error":
                self._write(value + "\n")
                self.quitting.set()
            elif kind == "eof" or (kind, value) == ("key", "q"):
                self.quitting.set()
            elif self.quitting.is_set():
                break
            elif kind == "saved":
                recheck = True
            elif (kind, value) == ("key", "h"):
                self.hint()
            elif (kind, value) == ("key", "r"):
                if self.pool.dead_reason is not None:
                    self.pool.restart()  # r after "the worker is dead": the student asked for a new one
                recheck = True
        if recheck and not self.quitting.is_set():
            self.check()

    # -- the loop ------------------------------------------------------------------

    def run(self, stdin: TextIO) -> int:
        """Check once, then on every save and key until q, ctrl+c or the end of piped input."""
        stop = threading.Event()
        keys = KeyReader(stdin, self.events, on_quit=self._quit)
        watcher = threading.Thread(
            target=_watch_saves, args=(self.path, self.events, stop), name="jittutor-watch-files", daemon=True
        )
        with keys.cbreak(), _signals_quit():
            try:
                watcher.start()
                keys.start()
                self.check()
                while not self.quitting.is_set():
                    try:
                        kind, value = self.events.get(timeout=0.5)
                    except queue.Empty:
                        continue
                    batch = [(kind, value)]
                    while True:  # saves made while a check ran count as one
                        try:
                            batch.append(self.events.get_nowait())
                        except queue.Empty:
                            break
                    self._handle(batch)
            except KeyboardInterrupt:
                pass
            finally:
                stop.set()
                keys.stop.set()
        self._write("stopped watching.\n")
        return EXIT_OK

    def _quit(self) -> None:
        self.quitting.set()
        self.pool.cancel()


@contextlib.contextmanager
def _signals_quit() -> Iterator[None]:
    """SIGTERM and SIGHUP (a dropped SSH session) leave like ctrl+c: terminal restored, worker closed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    saved = {}
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            saved[sig] = signal.signal(sig, interrupt)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def cmd_watch(args: argparse.Namespace) -> int:
    """``jittutor watch LESSON [FILE]``: re-check on every save until q."""
    from jittutor.cli.common import worker_pool
    from jittutor.cli.student import lesson_session

    session = lesson_session(args, args.lesson)
    path, why = watched_file(args.file, session)
    # One pool for the whole session, so every save after the first finds a warm worker.
    with worker_pool(args) as pool:
        return Watch(session, path, why, pool, device=args.device, timeout=args.timeout, out=sys.stdout).run(sys.stdin)
