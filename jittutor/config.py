"""Where jittutor keeps things: the one module that owns paths.

``JITTUTOR_HOME`` overrides the user data directory (tests and workshops set it);
otherwise it is the platform's user data directory (``~/.local/share/jittutor``
on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "JITTUTOR_HOME"


def home() -> Path:
    """The directory that holds progress, drafts and settings (not created here)."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("jittutor", appauthor=False))


def drafts_dir() -> Path:
    return home() / "drafts"


def progress_file() -> Path:
    return home() / "progress.json"


def settings_file() -> Path:
    return home() / "settings.json"
