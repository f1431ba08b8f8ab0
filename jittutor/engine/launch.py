"""What the front tells the user while its worker starts.

A launcher such as ``srun`` can sit in a scheduler's queue for minutes, so
:class:`StartNotice` says so on stderr once a start takes longer than a
moment. Which command starts the worker, and with which environment, is
:mod:`jittutor.config`'s business. No jax, no textual here.
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

#: Seconds a worker may take to start before the front says it is waiting.
NOTICE_AFTER = 2.0


class StartNotice:
    """A pool ``on_status`` callback: "waiting for the worker" once a start is slow.

    A worker that says hello within :data:`NOTICE_AFTER` seconds shows nothing;
    a slower one (a Slurm queue, a cold SSH connection) gets one line naming the
    command and how to give up, and a second line when it is ready. A start that
    waits in a scheduler's queue (status ``queued``) also gets the queue's own
    words, each time they change: "waiting in the queue (job 1234, reason Resources)".
    """

    def __init__(self, stream: TextIO | None = None, after: float = NOTICE_AFTER) -> None:
        self.stream = stream
        self.after = after
        self.shown = False
        self._queue_said = ""
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def _write(self, text: str) -> None:
        stream = self.stream or sys.stderr
        try:
            stream.write(text + "\n")
            stream.flush()
        except (OSError, ValueError):
            pass

    def _show(self, command: str) -> None:
        with self._lock:
            if self._timer is None:  # ready came first
                return
            self._timer = None
            self.shown = True
        self._write(f"jittutor: waiting for the worker (command: {command}); ctrl+c gives up")

    def __call__(self, status: str, detail: str) -> None:
        if status == "queued":
            with self._lock:
                said, self._queue_said = self._queue_said, detail
            if detail and detail != said:
                self._write(f"jittutor: {detail}; ctrl+c gives up")
            return
        if status in ("starting", "restarting"):
            with self._lock:
                if self._timer is None and not self.shown and not self._queue_said:
                    self._timer = threading.Timer(self.after, self._show, args=(detail or "the default worker",))
                    self._timer.daemon = True
                    self._timer.start()
            return
        with self._lock:
            timer, self._timer = self._timer, None
            was_shown, self.shown = self.shown or bool(self._queue_said), False
            self._queue_said = ""
        if timer is not None:
            timer.cancel()
        if was_shown and status == "ready":
            self._write(f"jittutor: the worker is ready ({detail})" if detail else "jittutor: the worker is ready")

    def cancel(self) -> None:
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
