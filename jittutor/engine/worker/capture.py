"""Capturing what student code prints, without ever touching the worker's channel.

The worker points file descriptors 1 and 2 at a pipe that a pump thread drains
continuously, so a student who prints megabytes never blocks and never fills a
disk: the first ``limit`` bytes of a run are kept, the rest only counted.
Output is split into segments (one per case and mode) by writing a random token
through the pipe and waiting until the pump has seen it, so the split is exact
even for C-level writes to fd 1/2.

No jax here: the worker installs this before it imports jax, so JAX's own
start-up chatter is never mistaken for a protocol message.
"""

from __future__ import annotations

import io
import os
import secrets
import sys
import threading


class OutputCapture:
    """Owns fds 1 and 2 of the worker while student code runs."""

    def __init__(self, limit: int = 1_000_000) -> None:
        self.limit = limit
        self._pid = os.getpid()  # a fork of the worker has no pump thread: it must not wait for one
        self._read_fd, self._write_fd = os.pipe()
        self._token = b"\x00jittutor-mark-" + secrets.token_hex(8).encode() + b"\x00"
        self._cond = threading.Condition()
        self._segment = bytearray()
        self._marks_seen = 0
        self._kept = 0  # bytes kept since reset()
        self.total = 0  # bytes printed since reset(), kept or not
        self._pending = b""
        self._thread = threading.Thread(target=self._pump, name="output-pump", daemon=True)
        self._thread.start()

    # -- the pump thread --------------------------------------------------------

    def _pump(self) -> None:
        keep = len(self._token) - 1
        while True:
            try:
                chunk = os.read(self._read_fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            data = self._pending + chunk
            with self._cond:
                while True:
                    at = data.find(self._token)
                    if at < 0:
                        break
                    self._take(data[:at])
                    data = data[at + len(self._token) :]
                    self._marks_seen += 1
                    self._cond.notify_all()
                # Hold back a tail that could be the start of a token split across reads.
                tail = len(data) - keep
                if tail > 0:
                    self._take(data[:tail])
                    data = data[tail:]
                self._pending = bytes(data)

    def _take(self, data: bytes) -> None:
        if not data:
            return
        self.total += len(data)
        room = self.limit - self._kept
        if room > 0:
            piece = data[:room]
            self._segment += piece
            self._kept += len(piece)

    # -- used by the runner (main thread) ---------------------------------------

    def install(self) -> None:
        """Point fds 1/2 and ``sys.stdout``/``sys.stderr`` at the pipe (again).

        Called before every run, so a student who closed ``sys.stdout`` or fd 1
        last time gets working streams back.
        """
        os.dup2(self._write_fd, 1)
        os.dup2(self._write_fd, 2)
        sys.stdout = _text_stream(1)
        sys.stderr = _text_stream(2)

    def reset(self) -> None:
        """Start a new run: forget what earlier runs printed."""
        self.segment()
        with self._cond:
            self._kept = 0
            self.total = 0

    def segment(self, timeout: float = 2.0) -> str:
        """Return what was printed since the last call, once the pipe is drained."""
        if os.getpid() != self._pid:
            return ""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # the student may have closed or replaced it
                pass
        with self._cond:
            target = self._marks_seen + 1
        try:
            os.write(self._write_fd, self._token)
        except OSError:
            pass
        with self._cond:
            self._cond.wait_for(lambda: self._marks_seen >= target, timeout=timeout)
            data = bytes(self._segment)
            self._segment.clear()
        return data.decode("utf-8", errors="backslashreplace")

    @property
    def truncated(self) -> bool:
        return self.total > self._kept


def _text_stream(fd: int) -> io.TextIOWrapper:
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(raw, encoding="utf-8", errors="backslashreplace", write_through=True)
