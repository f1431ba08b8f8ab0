"""Files written so that a crash never leaves half of one, and the lock around read-merge-writes.

Every write goes to a temporary file in the same directory, is fsynced, then
renamed over the old one: a crash at any point leaves the old file or the new
one, never half of one. A temporary file left by a killed writer is never read
as state and is removed on the next load. A file that does not parse is moved
aside (:func:`quarantine`), never overwritten silently.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows; writes stay atomic, just unlocked
    fcntl = None  # type: ignore[assignment]

LOCK_TIMEOUT = 5.0  # seconds to wait for another tutor's write before writing anyway
STALE_TEMP_AGE = 3600.0  # a temporary file this old is left over, whoever wrote it
_HOST = re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname()) or "host"


def _temp_prefix(path: Path) -> str:
    # Host and pid in the name let the next load tell a dead writer's leftover
    # from a live writer's file in progress (a second tutor, maybe on another host).
    return f".{path.name}~{_HOST}~{os.getpid()}~"


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so readers see the old or the new file, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, someone else's
        return True
    return True


def remove_stale_temp_files(directory: Path, max_age: float = STALE_TEMP_AGE) -> list[Path]:
    """Delete temporary files of writes that never finished (their writer was killed).

    A file whose writer ran on this host and is gone is removed at once; any
    other (another host's, or an older naming) only once it is ``max_age`` old,
    so a live writer's rename never finds its file missing.
    """
    removed: list[Path] = []
    try:
        candidates = [p for p in directory.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]
    except OSError:
        return removed
    now = time.time()
    for path in candidates:
        parts = path.name.split("~")
        stale = False
        if len(parts) == 4 and parts[1] == _HOST and parts[2].isdigit():
            stale = int(parts[2]) != os.getpid() and not _pid_alive(int(parts[2]))
        if not stale:
            try:
                stale = now - path.stat().st_mtime > max_age
            except OSError:
                continue
        if stale:
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                continue
    return removed


def quarantine(path: Path) -> Path:
    """Move a damaged file aside as ``NAME.corrupt-TIMESTAMP`` (kept for the user); returns the new path."""
    backup = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    n = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        n += 1
    os.replace(path, backup)
    return backup


@contextlib.contextmanager
def locked(directory: Path, warnings: list[str]) -> Iterator[None]:
    """Hold ``DIRECTORY/.lock`` for a read-merge-write (advisory; bounded wait).

    The kernel drops the lock when its holder dies, even by SIGKILL. A holder
    that is stopped (Ctrl-Z in another session) cannot wedge this tutor: after
    :data:`LOCK_TIMEOUT` it writes anyway, still atomically, and says so in
    ``warnings``.
    """
    if fcntl is None:
        yield
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield
        return
    holding = False
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                holding = True
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    warnings.append(
                        f"{directory / '.lock'}: another jittutor held the lock for {LOCK_TIMEOUT:g} s; "
                        "saved without it (a concurrent change to the same lesson may be lost)"
                    )
                    break
                time.sleep(0.01)
            except OSError:  # a file system without locks: atomic writes still hold
                break
        yield
    finally:
        if holding:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def read_json_object(path: Path, what: str) -> tuple[dict[str, Any], list[str]]:
    """A JSON object file (``what`` names it in messages) and warnings; a missing file is ``{}``.

    A damaged file is moved aside (:func:`quarantine`) and reported, never overwritten.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, []
    except OSError as exc:
        return {}, [f"{path}: cannot read {what} ({exc.strerror or exc}); using the defaults"]
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"expected an object, found {type(data).__name__}")
    except (ValueError, UnicodeDecodeError) as exc:
        try:
            kept = f"kept it as {quarantine(path).name}"
        except OSError:
            kept = "could not move it aside"
        return {}, [f"{path}: {what} file is damaged ({type(exc).__name__}: {exc}); {kept} and used the defaults"]
    return data, []
