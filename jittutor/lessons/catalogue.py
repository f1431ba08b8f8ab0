"""The catalogue: every lesson from one or more directories, in teaching order.

The built-in lessons ship inside the package (``jittutor/_lessons`` in a wheel,
the top-level ``lessons/`` in a checkout). Later directories add lessons or
replace built-in ones with the same id, so a teacher can override a lesson
without forking the package. A broken file never hides the others: it is kept
aside as a :class:`BrokenLesson` with its errors.

No jax, no textual here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jittutor
from jittutor.errors import LessonsError
from jittutor.lessons.model import Lesson
from jittutor.lessons.source import LessonError, LessonLoadError, display_path
from jittutor.lessons.validate import load_lesson

LESSON_SUFFIXES = (".yaml", ".yml")


def builtin_lessons_dir() -> Path:
    """The directory of lessons shipped with jittutor.

    An installed wheel carries them in ``jittutor/_lessons``; an editable or
    development checkout has them in ``lessons/`` next to the package.
    """
    package_dir = Path(jittutor.__file__).parent
    bundled = package_dir / "_lessons"
    if bundled.is_dir():
        return bundled
    return package_dir.parent / "lessons"


@dataclass
class BrokenLesson:
    """A lesson file that could not be loaded, and why."""

    path: Path
    errors: list[LessonError]


class UnknownLessonError(LessonsError, KeyError):
    """No lesson has the id asked for; the message suggests the closest ids."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


@dataclass
class Catalogue:
    """Lessons sorted by ``(order, id)``, plus the files that failed to load."""

    lessons: list[Lesson] = field(default_factory=list)
    broken: list[BrokenLesson] = field(default_factory=list)
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.lessons = sorted(self.lessons, key=lambda lesson: (lesson.order, lesson.id))
        self._index = {lesson.id: i for i, lesson in enumerate(self.lessons)}

    def __iter__(self) -> Iterator[Lesson]:
        return iter(self.lessons)

    def __len__(self) -> int:
        return len(self.lessons)

    def __contains__(self, lesson_id: object) -> bool:
        return lesson_id in self._index

    def ids(self) -> list[str]:
        """Lesson ids in teaching order."""
        return [lesson.id for lesson in self.lessons]

    def get(self, lesson_id: str) -> Lesson:
        """The lesson with ``lesson_id``; :class:`UnknownLessonError` (a ``KeyError``) if none."""
        index = self._index.get(lesson_id)
        if index is None:
            raise UnknownLessonError(self._unknown_message(lesson_id))
        return self.lessons[index]

    def next_id(self, lesson_id: str) -> str | None:
        """The id of the lesson after ``lesson_id``, or ``None`` after the last one."""
        index = self._index_of(lesson_id)
        return self.lessons[index + 1].id if index + 1 < len(self.lessons) else None

    def previous_id(self, lesson_id: str) -> str | None:
        """The id of the lesson before ``lesson_id``, or ``None`` before the first one."""
        index = self._index_of(lesson_id)
        return self.lessons[index - 1].id if index > 0 else None

    def _index_of(self, lesson_id: str) -> int:
        index = self._index.get(lesson_id)
        if index is None:
            raise UnknownLessonError(self._unknown_message(lesson_id))
        return index

    def _unknown_message(self, lesson_id: str) -> str:
        if not self.lessons:
            return f"no lesson {lesson_id!r}: the catalogue is empty"
        close = difflib.get_close_matches(str(lesson_id), self.ids(), n=3, cutoff=0.5)
        if close:
            return f"no lesson {lesson_id!r}; did you mean {' or '.join(repr(c) for c in close)}?"
        return f"no lesson {lesson_id!r}; known lessons: {', '.join(self.ids())}"


def lesson_files(directory: Path) -> list[Path]:
    """The ``*.yaml`` and ``*.yml`` entries directly in ``directory``, sorted by name.

    Hidden files (editor back-ups such as ``.#foo.yaml``) are skipped. Entries that
    are not regular files (a FIFO, a symlink loop, a directory) are kept: loading
    them reports why they are broken instead of hanging or hiding them.
    """
    return sorted(p for p in directory.iterdir() if p.suffix in LESSON_SUFFIXES and not p.name.startswith("."))


def _load_dir(directory: Path) -> tuple[list[Lesson], list[BrokenLesson]]:
    """Load one directory; a second file with an id already seen there is broken."""
    shown = display_path(directory)
    if not directory.is_dir():
        reason = "not a directory" if directory.exists() else "no such directory"
        return [], [BrokenLesson(directory, [LessonError(shown, None, "", f"cannot load lessons: {reason}")])]
    try:
        files = lesson_files(directory)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return [], [BrokenLesson(directory, [LessonError(shown, None, "", f"cannot list lessons: {reason}")])]
    lessons: list[Lesson] = []
    broken: list[BrokenLesson] = []
    first_file: dict[str, Path] = {}
    for path in files:
        try:
            lesson = load_lesson(path)
        except LessonLoadError as exc:
            broken.append(BrokenLesson(path, exc.errors))
            continue
        if lesson.id in first_file:
            message = f"duplicate id {lesson.id!r}: {display_path(first_file[lesson.id])} already uses it"
            error = LessonError(display_path(path), lesson.lines.get("id"), "id", message)
            broken.append(BrokenLesson(path, [error]))
            continue
        first_file[lesson.id] = path
        lessons.append(lesson)
    return lessons, broken


def load_catalogue(dirs: Sequence[Path] | None = None) -> Catalogue:
    """Load every lesson in ``dirs`` (default: the built-in lessons).

    Later directories add lessons or replace earlier lessons with the same id.
    Files that fail to load are listed in :attr:`Catalogue.broken`; they never
    stop the others from loading.
    """
    if dirs is None:
        dirs = [builtin_lessons_dir()]
    by_id: dict[str, Lesson] = {}
    broken: list[BrokenLesson] = []
    for directory in dirs:
        lessons, dir_broken = _load_dir(Path(directory))
        broken.extend(dir_broken)
        for lesson in lessons:
            by_id[lesson.id] = lesson
    return Catalogue(lessons=list(by_id.values()), broken=broken)


def lesson_dirs(extra: Sequence[Path]) -> list[Path]:
    """The built-in lessons, then the packs in ``extra`` (the one list every entry point uses).

    A pack that is not a directory is a :class:`~jittutor.errors.LessonsError`
    naming it, not a silently empty catalogue.
    """
    for directory in extra:
        if not Path(directory).is_dir():
            raise LessonsError(
                f"lesson directory {directory} (from --lessons, JITTUTOR_LESSONS or settings.json): not a directory"
            )
    return [builtin_lessons_dir(), *(Path(d) for d in extra)]


def validate_paths(paths: Sequence[Path]) -> list[LessonError]:
    """Every problem in the given lesson files and directories (for ``jittutor validate``).

    A directory is checked like :func:`load_catalogue` loads it, duplicate ids
    included; a directory with no lesson files is an error too.
    """
    errors: list[LessonError] = []
    for path in map(Path, paths):
        if path.is_dir():
            lessons, broken = _load_dir(path)
            if not lessons and not broken:
                errors.append(LessonError(display_path(path), None, "", "no lesson files (*.yaml, *.yml) here"))
            errors.extend(error for lesson in broken for error in lesson.errors)
        elif path.exists():
            try:
                load_lesson(path)
            except LessonLoadError as exc:
                errors.extend(exc.errors)
        else:
            errors.append(LessonError(display_path(path), None, "", "no such file or directory"))
    return errors
