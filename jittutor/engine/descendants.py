"""Find and end every process a student's code started.

Used on both sides of the channel, never imports jax:

- the worker makes itself a *child subreaper* (Linux ``PR_SET_CHILD_SUBREAPER``),
  so a grandchild whose parent exits (a double fork, a daemon, a
  ``start_new_session=True`` child of a short-lived shell) is re-parented to the
  worker instead of to init, and ``psutil``'s ``children(recursive=True)`` finds
  it after each run;
- every worker is started with a marker in its environment
  (:data:`MARKER_ENV`); processes inherit it, so when a worker is killed (its
  subreaper role dies with it) the pool still finds what it left behind by
  scanning this user's processes for the marker.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Iterable

import psutil

MARKER_ENV = "JITTUTOR_WORKER_TOKEN"
_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux); False where the system has no such thing."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def descendants(pid: int | None = None) -> list[psutil.Process]:
    """Every living descendant of ``pid`` (default: this process)."""
    try:
        return [p for p in psutil.Process(pid).children(recursive=True) if _alive(p)]
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return []


def marked(token: str, exclude: Iterable[int] = ()) -> list[psutil.Process]:
    """This user's processes whose environment carries ``MARKER_ENV=token``."""
    if not token:
        return []
    skip = {os.getpid(), *exclude}
    uid = os.getuid()
    found = []
    for proc in psutil.process_iter(["uids"]):
        try:
            if proc.pid in skip or proc.info["uids"] is None or proc.info["uids"].real != uid:
                continue
            if proc.environ().get(MARKER_ENV) == token and _alive(proc):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
            continue
    return found


def kill_all(procs: Iterable[psutil.Process], wait: float = 2.0) -> int:
    """SIGKILL ``procs`` (stopping them first so none forks a replacement); returns how many."""
    procs = list(procs)
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for proc in procs:
            try:
                proc.send_signal(sig)
            except (psutil.NoSuchProcess, psutil.AccessDenied, ProcessLookupError):
                continue
    if procs:
        psutil.wait_procs(procs, timeout=wait)
    return len(procs)


def end_descendants(rounds: int = 5) -> int:
    """Kill every descendant of this process and reap them; returns how many were ended.

    Repeats a few times: a process that forked between listing and killing is
    found (re-parented to us, the subreaper) in the next round.
    """
    ended = 0
    for _ in range(rounds):
        found = descendants()
        if not found:
            break
        ended += kill_all(found)
    reap_zombies()
    return ended


def reap_zombies() -> None:
    """Collect the exit status of any child that has ended (adopted orphans included)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        except OSError:
            return
        if pid == 0:
            return


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def is_stopped(pid: int) -> bool:
    """Is process ``pid`` stopped (SIGTSTP/SIGSTOP, e.g. ctrl+z in its terminal)?"""
    try:
        return psutil.Process(pid).status() in (psutil.STATUS_STOPPED, psutil.STATUS_TRACING_STOP)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
