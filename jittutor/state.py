"""Progress and drafts under ``JITTUTOR_HOME``, written atomically.

Every write goes to a temporary file in the same directory, is fsynced, then
renamed over the old one: a crash at any point leaves the old file or the new
one, never half of one. A file that does not parse is never overwritten
silently: it is moved aside to ``NAME.corrupt-TIMESTAMP`` and the problem is
reported through :attr:`State.warnings`.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jittutor import locations

STATUSES = ("not-started", "in-progress", "done")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so readers see the old or the new file, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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


@dataclass
class LessonProgress:
    """What a student did in one lesson."""

    status: str = "not-started"
    attempts: int = 0
    hints_used: int = 0
    first_attempt: float | None = None  # Unix time
    last_attempt: float | None = None
    passed_at: float | None = None
    jax_version: str | None = None
    device: str | None = None


@dataclass
class State:
    """The student's progress and drafts, read from and written to ``home``."""

    home: Path
    progress: dict[str, LessonProgress] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, home: Path | None = None) -> State:
        state = cls(home=home or locations.home())
        state.progress = state._read_progress()
        return state

    @property
    def progress_path(self) -> Path:
        return self.home / "progress.json"

    @property
    def drafts_path(self) -> Path:
        return self.home / "drafts"

    # -- progress ---------------------------------------------------------------

    def _read_progress(self) -> dict[str, LessonProgress]:
        path = self.progress_path
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            self.warnings.append(f"{path}: cannot read progress ({exc}); starting with none")
            return {}
        try:
            data = json.loads(raw.decode("utf-8"))
            lessons = data["lessons"]
            if not isinstance(lessons, dict):
                raise ValueError("'lessons' is not an object")
            known = set(LessonProgress.__dataclass_fields__)
            return {
                str(k): LessonProgress(**{f: v for f, v in entry.items() if f in known})
                for k, entry in lessons.items()
            }
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            backup = self._quarantine(path)
            self.warnings.append(
                f"{path}: progress file is damaged ({type(exc).__name__}: {exc}); "
                f"kept it as {backup.name} and started with empty progress"
            )
            return {}

    @staticmethod
    def _quarantine(path: Path) -> Path:
        backup = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        n = 1
        while backup.exists():
            backup = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
            n += 1
        os.replace(path, backup)
        return backup

    def _save_progress(self) -> None:
        # Merge with what is on disk now: another tutor of the same user (a second
        # SSH session) may have recorded other lessons since we loaded.
        on_disk = self._read_progress() if self.progress_path.exists() else {}
        merged = {**on_disk, **self.progress}
        for lesson_id, theirs in on_disk.items():
            mine = self.progress.get(lesson_id)
            if mine is not None and (theirs.last_attempt or 0) > (mine.last_attempt or 0):
                merged[lesson_id] = theirs
        self.progress = merged
        payload = {"version": 1, "lessons": {k: asdict(v) for k, v in sorted(merged.items())}}
        atomic_write_text(self.progress_path, json.dumps(payload, indent=2) + "\n")

    def lesson(self, lesson_id: str) -> LessonProgress:
        return self.progress.get(lesson_id) or LessonProgress()

    def status(self, lesson_id: str) -> str:
        entry = self.progress.get(lesson_id)
        if entry is not None and entry.status in STATUSES:
            if entry.status == "not-started" and self.has_draft(lesson_id):
                return "in-progress"
            return entry.status
        return "in-progress" if self.has_draft(lesson_id) else "not-started"

    def record_attempt(self, lesson_id: str, passed: bool, device: str | None, jax_version: str | None) -> LessonProgress:
        """Count a check of this lesson; ``passed`` marks it done (and it stays done)."""
        entry = self.progress.setdefault(lesson_id, LessonProgress())
        now = time.time()
        entry.attempts += 1
        entry.first_attempt = entry.first_attempt or now
        entry.last_attempt = now
        entry.device, entry.jax_version = device, jax_version
        if passed:
            entry.status = "done"
            entry.passed_at = entry.passed_at or now
        elif entry.status != "done":
            entry.status = "in-progress"
        self._save_progress()
        return entry

    def record_hint(self, lesson_id: str, shown: int) -> None:
        """Remember how many hints were revealed (the highest count wins)."""
        entry = self.progress.setdefault(lesson_id, LessonProgress())
        if shown > entry.hints_used:
            entry.hints_used = shown
            entry.last_attempt = entry.last_attempt or time.time()
            if entry.status == "not-started":
                entry.status = "in-progress"
            self._save_progress()

    # -- drafts -------------------------------------------------------------------

    def draft_path(self, lesson_id: str) -> Path:
        if not _SAFE_ID.match(lesson_id):
            raise ValueError(f"not a valid lesson id for a draft file: {lesson_id!r}")
        return self.drafts_path / f"{lesson_id}.py"

    def has_draft(self, lesson_id: str) -> bool:
        try:
            return self.draft_path(lesson_id).exists()
        except ValueError:
            return False

    def load_draft(self, lesson_id: str) -> str | None:
        """The saved draft, or None. An unreadable draft is kept aside, never lost."""
        path = self.draft_path(lesson_id)
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except UnicodeDecodeError:
            backup = self._quarantine(path)
            self.warnings.append(f"{path}: draft is not UTF-8; kept it as {backup.name}")
            return None

    def save_draft(self, lesson_id: str, text: str) -> None:
        atomic_write_text(self.draft_path(lesson_id), text)

    def discard_draft(self, lesson_id: str) -> None:
        """Forget the draft (reset to the starter); the old text is kept as ``.bak``."""
        path = self.draft_path(lesson_id)
        if path.exists():
            os.replace(path, path.with_suffix(".py.bak"))

    # -- settings ------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        path = self.home / "settings.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def save_setting(self, key: str, value: Any) -> None:
        data = self.settings()
        data[key] = value
        atomic_write_text(self.home / "settings.json", json.dumps(data, indent=2) + "\n")
