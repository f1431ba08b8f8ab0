"""Who a student is in the instructor's room: a name they chose, or their account plus a hash of their home.

Workshop login nodes often give a room one guest account. Keyed by
``USER@HOST`` alone, every student on it would write the same export file and
overwrite each other's. So a student is either the name they chose once
(``jittutor config name NAME``, or ``JITTUTOR_STUDENT``), or ``USER@HOST+HASH``
where ``HASH`` is a short hash of their ``JITTUTOR_HOME``: two students on one
account with their own homes are two students. Every export also carries that
``home_id``, so a file written for another home is never replaced silently
(:mod:`jittutor.state.export`). No jax, no textual here.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path

from jittutor import config
from jittutor.state.files import atomic_write_text, locked, read_json_object

HOME_ID_LENGTH = 6  # hex digits: one clash in about 16 million homes
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._@+-]+")


def current_user() -> str:
    """The login name, or ``uidN`` where there is none."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return os.environ.get("USER") or f"uid{os.getuid()}"


def current_host() -> str:
    """This machine's short host name."""
    return platform.node() or "unknown-host"


def home_id(home: Path) -> str:
    """A short, stable hash of the home directory: the same home gives the same id on every host."""
    try:
        resolved = home.expanduser().resolve()
    except OSError:
        resolved = home.expanduser().absolute()
    return hashlib.sha256(os.fsencode(resolved)).hexdigest()[:HOME_ID_LENGTH]


def file_stem(name: str) -> str:
    """A student's name as a file name: no path separators, never hidden, never empty."""
    stem = _UNSAFE_IN_NAME.sub("_", name).lstrip(".") or "student"
    return stem[:100]


@dataclass(frozen=True)
class Identity:
    """One student as the room sees them."""

    student: str  # the chosen name, or USER@HOST+HASH
    user: str
    host: str
    home_id: str
    chosen: bool  # the student chose ``student`` (else it is the fallback)

    @property
    def file_stem(self) -> str:
        """The export's file name without ``.json``."""
        return file_stem(self.student)


def identity_for(home: Path, name: str | None = None, *, user: str | None = None, host: str | None = None) -> Identity:
    """The identity of the student whose home is ``home``; ``name`` None reads the setting (env, settings.json)."""
    if name is None:
        name = config.student_name(home)
    user, host, hid = user or current_user(), host or current_host(), home_id(home)
    if name:
        return Identity(student=name, user=user, host=host, home_id=hid, chosen=True)
    return Identity(student=f"{user}@{host}+{hid}", user=user, host=host, home_id=hid, chosen=False)


def save_student_name(home: Path, name: str | None) -> list[str]:
    """Store (or, with None, forget) the ``student`` key of ``HOME/settings.json``; every other key is kept.

    A read-merge-write under the state's lock, written atomically; a damaged
    settings file is kept aside first (:func:`~jittutor.state.files.read_json_object`).
    Returns warnings (such a damaged file, or a lock that could not be taken).
    """
    if name is not None:
        name = config.parse_student_name(name, "name")
    path = home / config.SETTINGS_FILE
    warnings: list[str] = []
    with locked(home, warnings):
        data, damaged = read_json_object(path, "settings")
        warnings += damaged
        if name is None:
            data.pop("student", None)
        else:
            data["student"] = name
        atomic_write_text(path, json.dumps(data, indent=2) + "\n")
    return warnings
