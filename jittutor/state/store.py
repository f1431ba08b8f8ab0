"""Progress and drafts under ``JITTUTOR_HOME``, written atomically.

Every write goes to a temporary file in the same directory, is fsynced, then
renamed over the old one: a crash at any point leaves the old file or the new
one, never half of one. A temporary file left by a killed writer is never read
as state and is removed by the next :meth:`State.load`. A file that does not
parse is never overwritten silently: it is moved aside to
``NAME.corrupt-TIMESTAMP`` and the problem is reported through
:attr:`State.warnings`.

Two tutors of the same user may run at once (two SSH sessions, the app and a
``jittutor check`` in another terminal). Every change to ``progress.json`` or
``settings.json`` is a read-merge-write under an advisory lock
(``JITTUTOR_HOME/.lock``), applied to what is on disk *now*: two processes that
each record 50 attempts leave 100. Merging with this process's own copy (in
case the file was lost or damaged meanwhile) is per lesson and monotonic:
counts and hints by maximum, status by progress (done wins), first times by
minimum, last times by maximum.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from jittutor import config
from jittutor.state.files import atomic_write_text, locked, quarantine, read_json_object, remove_stale_temp_files

STATUSES = ("not-started", "in-progress", "done")
REMEMBERED_FILE = "ui-state.json"
#: What the app remembers; older versions kept these in settings.json.
REMEMBERED_KEYS = ("lesson", "device", "predictions", "playground")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


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
    last_failure: str | None = None  # the diagnosis kind of the last attempt that did not pass
    ladder: str | None = None  # the failure whose hint ladder the student is on
    ladder_revealed: int = 0  # rungs of that ladder revealed so far (the app, `check` and `hint` share it)
    ladder_argument: str | None = None  # the argument JAX blamed, which that ladder's rungs name

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LessonProgress:
        """Build from a file's entry; a field of the wrong type falls back to its default."""
        entry = cls()
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.name == "status":
                ok = value in STATUSES
            elif f.name in ("attempts", "hints_used", "ladder_revealed"):
                ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            elif f.name in ("first_attempt", "last_attempt", "passed_at"):
                ok = value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
            else:
                ok = value is None or isinstance(value, str)
            if ok:
                setattr(entry, f.name, value)
        return entry


def _earliest(a: float | None, b: float | None) -> float | None:
    return min(x for x in (a, b) if x is not None) if (a is not None or b is not None) else None


def merge_lesson(mine: LessonProgress, theirs: LessonProgress) -> LessonProgress:
    """One lesson's progress from two copies; never loses an attempt, a hint or a pass."""
    newer = mine if (mine.last_attempt or 0) >= (theirs.last_attempt or 0) else theirs
    rank = {status: i for i, status in enumerate(STATUSES)}
    return LessonProgress(
        status=max(mine.status, theirs.status, key=lambda s: rank.get(s, 0)),
        attempts=max(mine.attempts, theirs.attempts),
        hints_used=max(mine.hints_used, theirs.hints_used),
        first_attempt=_earliest(mine.first_attempt, theirs.first_attempt),
        last_attempt=max(mine.last_attempt or 0, theirs.last_attempt or 0) or None,
        passed_at=_earliest(mine.passed_at, theirs.passed_at),
        jax_version=newer.jax_version,
        device=newer.device,
        last_failure=newer.last_failure,
        ladder=newer.ladder,
        ladder_revealed=newer.ladder_revealed,
        ladder_argument=newer.ladder_argument,
    )


def merge_progress(mine: dict[str, LessonProgress], theirs: dict[str, LessonProgress]) -> dict[str, LessonProgress]:
    """Every lesson of both copies, merged per lesson (see :func:`merge_lesson`)."""
    merged = dict(theirs)
    for lesson_id, entry in mine.items():
        other = theirs.get(lesson_id)
        merged[lesson_id] = entry if other is None else merge_lesson(entry, other)
    return merged


@dataclass
class State:
    """The student's progress and drafts, read from and written to ``home``."""

    home: Path
    progress: dict[str, LessonProgress] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: Why nothing is saved this session (the home is read-only or a file), or None.
    #: A read-only state is still read, and kept up to date in memory; it writes nothing.
    read_only: str | None = None

    @classmethod
    def load(cls, home: Path | None = None) -> State:
        """Read the student's state under ``home`` (default: the settings' home); damaged files become warnings."""
        state = cls(home=home or config.home())
        state.read_only = state.unwritable()
        if state.read_only is not None:
            state.warnings.append(
                f"{state.home}: {state.read_only}; progress, hints and drafts will not be saved this session "
                "(set JITTUTOR_HOME to a writable directory to keep them)"
            )
            if not state.home.is_dir():
                return state
        else:
            for directory in (state.home, state.drafts_path):
                remove_stale_temp_files(directory)
        state.progress = state._read_progress()
        return state

    def unwritable(self) -> str | None:
        """Why nothing can be saved under the home directory (a file there, read-only), or None."""
        home = self.home
        if home.exists() and not home.is_dir():
            return "is a file, not a directory"
        existing = next((p for p in (home, *home.parents) if p.exists()), None)
        if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
            return "is read-only"
        return None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with locked(self.home, self.warnings):
            yield

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
            return {str(k): LessonProgress.from_json(entry) for k, entry in lessons.items()}
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            kept = self._set_aside(path)
            self.warnings.append(
                f"{path}: progress file is damaged ({type(exc).__name__}: {exc}); {kept} and started with empty progress"
            )
            return {}

    def _set_aside(self, path: Path) -> str:
        """Move a damaged file aside when we may; say what became of it."""
        if self.read_only is not None:
            return "left it as it is (the home is read-only)"
        try:
            return f"kept it as {quarantine(path).name}"
        except OSError as exc:
            return f"could not move it aside ({exc.strerror or exc}); left it as it is"

    def _update(self, lesson_id: str, change: Callable[[LessonProgress], bool]) -> LessonProgress:
        """Apply ``change`` to the lesson's progress as it is on disk now, and save.

        Under the lock, so a change made by another tutor since we loaded is
        the base of ours, not overwritten by it. ``change`` returns False when
        there is nothing to save.
        """
        if self.read_only is not None:  # kept in memory for this session; the load said why it is not saved
            entry = self.progress.setdefault(lesson_id, LessonProgress())
            change(entry)
            return entry
        with self._locked():
            merged = merge_progress(self.progress, self._read_progress())
            entry = merged.setdefault(lesson_id, LessonProgress())
            if change(entry):
                payload = {"version": 1, "lessons": {k: asdict(v) for k, v in sorted(merged.items())}}
                atomic_write_text(self.progress_path, json.dumps(payload, indent=2) + "\n")
            self.progress = merged
        return entry

    def lesson(self, lesson_id: str) -> LessonProgress:
        return self.progress.get(lesson_id) or LessonProgress()

    def status(self, lesson_id: str) -> str:
        entry = self.progress.get(lesson_id)
        if entry is not None and entry.status in STATUSES:
            if entry.status == "not-started" and self.has_draft(lesson_id):
                return "in-progress"
            return entry.status
        return "in-progress" if self.has_draft(lesson_id) else "not-started"

    def record_attempt(
        self,
        lesson_id: str,
        passed: bool,
        device: str | None,
        jax_version: str | None,
        *,
        failure: str | None = None,
        ladder: tuple[str | None, int] | None = None,
        argument: str | None = None,
    ) -> LessonProgress:
        """Count a check of this lesson; ``passed`` marks it done (and it stays done).

        ``failure`` is the kind that led when it did not pass; ``ladder`` the
        hint ladder the student is on now and how many rungs are revealed;
        ``argument`` the argument JAX blamed, which that ladder's rungs name.
        """

        def change(entry: LessonProgress) -> bool:
            now = time.time()
            entry.attempts += 1
            if not passed:
                entry.last_failure = failure
            if ladder is not None:
                entry.ladder, entry.ladder_revealed = ladder
                entry.ladder_argument = argument
            entry.first_attempt = entry.first_attempt or now
            entry.last_attempt = now
            entry.device, entry.jax_version = device, jax_version
            if passed:
                entry.status = "done"
                entry.passed_at = entry.passed_at or now
            elif entry.status != "done":
                entry.status = "in-progress"
            return True

        return self._update(lesson_id, change)

    def record_hint(self, lesson_id: str, shown: int, ladder: str | None = None) -> None:
        """Remember that ``shown`` rungs of the ladder for ``ladder`` are revealed.

        ``hints_used`` (what an instructor sees) keeps the highest count.
        """
        entry = self.lesson(lesson_id)
        if shown <= entry.hints_used and (entry.ladder, entry.ladder_revealed) == (ladder, shown):
            return

        def change(entry: LessonProgress) -> bool:
            entry.ladder, entry.ladder_revealed = ladder, shown
            entry.hints_used = max(entry.hints_used, shown)
            entry.last_attempt = entry.last_attempt or time.time()
            if entry.status == "not-started":
                entry.status = "in-progress"
            return True

        self._update(lesson_id, change)

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
            self.warnings.append(f"{path}: draft is not UTF-8; {self._set_aside(path)}")
            return None
        except OSError as exc:
            self.warnings.append(f"{path}: cannot read the draft ({exc.strerror or exc}); starting from the starter")
            return None

    def save_draft(self, lesson_id: str, text: str) -> None:
        if self.read_only is None:
            atomic_write_text(self.draft_path(lesson_id), text)

    def discard_draft(self, lesson_id: str) -> None:
        """Forget the draft (reset to the starter); the old text is kept as ``.bak``."""
        path = self.draft_path(lesson_id)
        if self.read_only is None and path.exists():
            os.replace(path, path.with_suffix(".py.bak"))

    # -- settings ------------------------------------------------------------------

    @property
    def remembered_path(self) -> Path:
        return self.home / REMEMBERED_FILE

    def remembered(self) -> dict[str, Any]:
        """What the app remembers between sessions (last lesson and device, predictions, playground).

        Kept apart from the configuration in ``settings.json``; keys an older
        jittutor saved there are still read as a fallback.
        """
        data, warnings = read_json_object(self.remembered_path, "remembered state")
        self.warnings += warnings
        if not data:
            legacy, _ = read_json_object(self.home / config.SETTINGS_FILE, "settings")
            data = {k: v for k, v in legacy.items() if k in REMEMBERED_KEYS}
        return data

    def remember(self, key: str, value: Any) -> None:
        """Remember one thing, keeping what another tutor saved meanwhile."""
        if self.read_only is not None:
            return
        with self._locked():
            data = self.remembered()
            data[key] = value
            atomic_write_text(self.remembered_path, json.dumps(data, indent=2) + "\n")
