"""The own-editor workflow end to end, through the real CLI: start -> edit -> check -> hint -> watch.

Subprocesses with a temporary JITTUTOR_HOME (the autouse fixture) and real
workers. Nothing here measures time: output is awaited with generous deadlines.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support import jittutor, worker_env

from jittutor.lessons.catalogue import load_catalogue
from jittutor.state.store import State

LESSON = load_catalogue().get("static-args")
DEADLINE = 120.0  # seconds to wait for one piece of output; generous for a loaded 2-core machine


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jittutor", *args],
        capture_output=True,
        text=True,
        env=worker_env(),
        cwd=cwd,
        timeout=180,
    )


# --- start, check, hint -----------------------------------------------------------------


def test_start_writes_the_starter_once_and_says_where(tmp_path: Path) -> None:
    out = _cli(tmp_path, "start", "static-args", "work")
    assert out.returncode == 0, out.stderr
    path = tmp_path / "work" / "static-args.py"
    assert path.read_text() == LESSON.starter
    assert str(Path("work") / "static-args.py") in out.stdout and "jittutor watch static-args" in out.stdout
    path.write_text("# mine\n")
    again = _cli(tmp_path, "start", "static-args", "work")
    assert again.returncode == 2 and "not overwritten" in again.stderr
    assert path.read_text() == "# mine\n"


@pytest.mark.slow
def test_start_check_hint_check_pass(tmp_path: Path, jittutor_home: Path) -> None:
    assert _cli(tmp_path, "start", "static-args").returncode == 0
    mine = tmp_path / "static-args.py"

    # The starter fails where the file says: the error's line is the file's line, named by the file.
    out = _cli(tmp_path, "check", "static-args", str(mine), "--json")
    assert out.returncode == 1, out.stderr
    data = json.loads(out.stdout)
    err = data["cases"][0]["jit"]["error"]
    lines = mine.read_text().splitlines()
    assert lines[err["line"] - 1].strip() == err["code"] == "if x < 0.0:"
    assert f'File "{mine}", line {err["line"]}' in err["traceback"]  # the path as typed, for editors
    assert data["hints"] == LESSON.hints and data["hints_revealed"] == 1, "the whole ladder, one rung revealed"

    text = _cli(tmp_path, "check", "static-args")  # FILE defaults to ./static-args.py, which start wrote
    assert text.returncode == 1
    assert "checking static-args.py" in text.stdout
    assert f"hints (1 of {len(LESSON.hints)}):" in text.stdout
    assert f"next hint: jittutor hint static-args   (2 of {len(LESSON.hints)})" in text.stdout
    assert LESSON.hints[1] not in text.stdout.replace("\n     ", " ")

    hint = _cli(tmp_path, "hint", "static-args")
    assert hint.returncode == 0, hint.stderr
    assert hint.stdout.startswith(f"Hint 2 of {len(LESSON.hints)}:") and "jittutor hint static-args" in hint.stdout
    assert State.load(jittutor_home).lesson("static-args").hints_used == 2
    again = json.loads(_cli(tmp_path, "check", "static-args", str(mine), "--json").stdout)
    assert again["hints_revealed"] == 2, "one count across check and hint"

    mine.write_text(LESSON.solution)
    passed = _cli(tmp_path, "check", "static-args", str(mine))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "passed:" in passed.stdout and "next lesson: static-ops   (jittutor start static-ops)" in passed.stdout


@pytest.mark.slow
def test_errors_name_the_students_own_file(tmp_path: Path) -> None:
    mine = tmp_path / "mine.py"
    mine.write_text(LESSON.starter)
    out = jittutor("check", "static-args", str(mine))
    assert out.returncode == 1
    assert f"{mine}, line 7: if x < 0.0:" in out.stdout, "the path as typed: editors jump to it"
    assert f"cond_func at {mine}:5" in out.stdout, "JAX's own 'at FILE:LINE' names the student's file"


# --- watch ------------------------------------------------------------------------------


def test_watch_without_a_file_says_how_to_start(tmp_path: Path) -> None:
    out = _cli(tmp_path, "watch", "static-args")
    assert out.returncode == 2
    assert "jittutor start static-args" in out.stderr and "Traceback" not in out.stderr


def test_watch_falls_back_to_the_saved_draft(
    tmp_path: Path, jittutor_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jittutor.cli.watch import watched_file
    from jittutor.tutoring.session import LessonSession

    monkeypatch.chdir(tmp_path)
    state = State.load(jittutor_home)
    state.save_draft("static-args", LESSON.starter)
    session = LessonSession(LESSON, state, load_catalogue())
    path, why = watched_file(None, session)
    assert path == state.draft_path("static-args") and "saved draft" in why
    (tmp_path / "static-args.py").write_text(LESSON.starter)
    path, why = watched_file(None, session)
    assert path == Path("static-args.py") and "./static-args.py" in why


@pytest.mark.parametrize(
    ("tty", "env", "expected"),
    [
        (True, {"TERM": "xterm"}, (True, True)),
        (True, {"TERM": "xterm", "NO_COLOR": "1"}, (True, False)),
        (True, {"TERM": "dumb"}, (False, False)),
        (False, {"TERM": "xterm"}, (False, False)),
    ],
)
def test_watch_clears_and_colours_only_a_real_terminal(
    monkeypatch: pytest.MonkeyPatch, tty: bool, env: dict[str, str], expected: tuple[bool, bool]
) -> None:
    from jittutor.cli.watch import _styling

    monkeypatch.delenv("NO_COLOR", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    class Stream:
        def isatty(self) -> bool:
            return tty

    assert _styling(Stream()) == expected  # type: ignore[arg-type]


class _Watcher:
    """A `jittutor watch` subprocess driven through a pipe, its output read by a thread."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jittutor", "watch", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=worker_env(NO_COLOR="1"),
            cwd=cwd,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, needle: str) -> str:
        """All output up to the line that contains ``needle`` (deadline: DEADLINE seconds)."""
        deadline = time.monotonic() + DEADLINE
        got: list[str] = []
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            got.append(line)
            self.seen.append(line)
            if needle in line:
                return "".join(got)
        raise AssertionError(f"no {needle!r} in the watcher's output:\n{''.join(self.seen)}")

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text)
        self.proc.stdin.flush()

    def workers(self) -> list[int]:
        """The worker processes this watcher started (its children running jittutor.worker)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.proc.pid and b"jittutor.worker" in cmd:
                pids.append(int(entry.name))
        return pids


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the worker through /proc")
def test_watch_rechecks_on_save_reveals_hints_and_quits_cleanly(tmp_path: Path, jittutor_home: Path) -> None:
    assert _cli(tmp_path, "start", "static-args").returncode == 0
    mine = tmp_path / "static-args.py"
    w = _Watcher(tmp_path, "static-args")
    try:
        first = w.wait_for("not yet: tracer-bool")
        assert "watching static-args.py" in first and "static-args.py, line 7: if x < 0.0:" in first
        assert f"next hint: press h   (2 of {len(LESSON.hints)})" in first
        workers = w.workers()
        assert len(workers) == 1, "one warm worker for the whole session"

        w.send("h\n")
        w.wait_for(f"hints (2 of {len(LESSON.hints)}):")
        assert State.load(jittutor_home).lesson("static-args").hints_used == 2, "h is the same count as `jittutor hint`"

        mine.write_text(LESSON.starter + "if x <\n")
        assert "static-args.py, line 11" in w.wait_for("not yet: syntax-error")
        mine.unlink()
        w.wait_for("is not there")
        mine.write_text(LESSON.solution)
        passed = w.wait_for("passed:")
        w.wait_for("next lesson: static-ops   (jittutor start static-ops)")
        assert "compilations: 3" in passed
        assert w.workers() == workers, "the same worker served every check"

        w.send("q\n")
        w.wait_for("stopped watching.")
        assert w.proc.wait(timeout=DEADLINE) == 0
        assert "\x1b" not in "".join(w.seen), "plain text in a pipe: no screen clearing, no colour"
        deadline = time.monotonic() + DEADLINE
        while not all(_gone(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(_gone(pid) for pid in workers), "no worker left behind"
    finally:
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait()


@pytest.mark.slow
def test_watch_quits_at_the_end_of_piped_input(tmp_path: Path) -> None:
    mine = tmp_path / "mine.py"
    mine.write_text(LESSON.solution)
    out = subprocess.run(
        [sys.executable, "-m", "jittutor", "watch", "static-args", str(mine)],
        input="",
        capture_output=True,
        text=True,
        env=worker_env(NO_COLOR="1"),
        cwd=tmp_path,
        timeout=180,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "stopped watching." in out.stdout and "Traceback" not in out.stdout + out.stderr


def test_watch_is_listed_in_help() -> None:
    out = jittutor("watch", "--help")
    assert out.returncode == 0 and "h reveals the next hint" in " ".join(out.stdout.split())


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
# The child only calls execve: JAX threads in this test process (other tests import it) cannot deadlock it.
@pytest.mark.filterwarnings("ignore:os.fork:RuntimeWarning")
def test_watch_in_a_terminal_single_keys_and_ctrl_c_restores_it(tmp_path: Path) -> None:
    import pty
    import select
    import termios

    (tmp_path / "static-args.py").write_text(LESSON.starter)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the watcher on the terminal
        os.chdir(tmp_path)
        os.execve(
            sys.executable, [sys.executable, "-m", "jittutor", "watch", "static-args"], {**worker_env(TERM="xterm")}
        )
    out = b""

    def wait_for(needle: bytes) -> None:
        nonlocal out
        deadline = time.monotonic() + DEADLINE
        while needle not in out and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break
        assert needle in out, out.decode(errors="replace")

    try:
        wait_for(b"not yet: tracer-bool")
        assert not termios.tcgetattr(fd)[3] & termios.ICANON, "single keys, no Enter needed"
        os.write(fd, b"\x1b[H")  # the Home key: an escape sequence, not h
        os.write(fd, b"h")
        wait_for(b"hints (2 of")
        assert b"hints (3 of" not in out
        assert b"\x1b[H\x1b[2J" in out and b"\x1b[1;31mnot yet" in out, "cleared and coloured on a terminal"
        os.write(fd, b"\x03")  # ctrl+c
        wait_for(b"stopped watching.")
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        attrs = termios.tcgetattr(fd)
        assert attrs[3] & termios.ICANON and attrs[3] & termios.ECHO, "the terminal is restored"
    finally:
        with contextlib.suppress(ChildProcessError, ProcessLookupError):
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
