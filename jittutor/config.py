"""Settings, paths and environment: the one module that reads them.

Every ``JITTUTOR_*`` environment variable and every ``settings.json`` key is read
here, and only here. One precedence rule, for every setting:

    command line  >  environment variable  >  JITTUTOR_HOME/settings.json  >  default

=====================  ==========================  ====================  ==========================
setting                variable                    settings.json key     default
=====================  ==========================  ====================  ==========================
home directory         ``JITTUTOR_HOME``           (none)                the user data directory
extra lesson dirs      ``JITTUTOR_LESSONS`` (a     ``lessons`` (a list)  none; ``--lessons`` adds
                       ``:``-separated list)
worker command         ``JITTUTOR_WORKER_CMD``     ``worker_cmd``        this Python's
                                                                         ``-m jittutor.worker``
GPU memory share       ``JITTUTOR_MEM_FRACTION``   ``mem_fraction``      none (JAX's own)
worker start timeout   ``JITTUTOR_START_TIMEOUT``  ``start_timeout``     180 s
progress directory     ``JITTUTOR_PROGRESS_DIR``   ``progress_dir``      none
student name           ``JITTUTOR_STUDENT``        ``student``           ``USER@HOST+HASH`` (a short
                       (``jittutor config name``)                        hash of the home directory)
CPU worker memory cap  ``JITTUTOR_MEM_LIMIT``      (worker side only)    half the RAM
pre-warmed standby     ``JITTUTOR_STANDBY``        ``standby``           ``auto``: on for the default
(``--standby``)        (auto, on, off)                                   worker, off with a worker
                                                                         command (one job a student)
idle worker exits      ``JITTUTOR_WORKER_IDLE``    ``worker_idle``       900 s; ``off`` never
=====================  ==========================  ====================  ==========================

Lesson directories add up (settings, then environment, then command line)
rather than replace each other: a workshop pack and a student's own pack can
both be in use. ``settings.json`` also holds nothing else: what the app
remembers between sessions (the last lesson and device, predictions, the
playground) lives in ``ui-state.json`` (:mod:`jittutor.state.store`).

A value that cannot be used is a :class:`~jittutor.errors.ConfigError` naming
the variable, key or option; a damaged ``settings.json`` is kept aside and
reported, and the defaults are used. No jax, no textual.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jittutor.errors import ConfigError

HOME_ENV = "JITTUTOR_HOME"
LESSONS_ENV = "JITTUTOR_LESSONS"
WORKER_CMD_ENV = "JITTUTOR_WORKER_CMD"
MEM_FRACTION_ENV = "JITTUTOR_MEM_FRACTION"
START_TIMEOUT_ENV = "JITTUTOR_START_TIMEOUT"
PROGRESS_DIR_ENV = "JITTUTOR_PROGRESS_DIR"
MEM_LIMIT_ENV = "JITTUTOR_MEM_LIMIT"
STANDBY_ENV = "JITTUTOR_STANDBY"
WORKER_IDLE_ENV = "JITTUTOR_WORKER_IDLE"
STUDENT_ENV = "JITTUTOR_STUDENT"
#: Every variable, for the README and for tests that clear the environment.
ALL_ENV = (
    HOME_ENV,
    LESSONS_ENV,
    WORKER_CMD_ENV,
    MEM_FRACTION_ENV,
    START_TIMEOUT_ENV,
    PROGRESS_DIR_ENV,
    MEM_LIMIT_ENV,
    STANDBY_ENV,
    WORKER_IDLE_ENV,
    STUDENT_ENV,
)
SETTINGS_FILE = "settings.json"
SETTINGS_KEYS = (
    "lessons",
    "worker_cmd",
    "mem_fraction",
    "start_timeout",
    "progress_dir",
    "student",
    "standby",
    "worker_idle",
)
DEFAULT_START_TIMEOUT = 180.0  # a scheduler's queue can take minutes
DEFAULT_WORKER_IDLE = 900.0  # an idle worker frees its job (and GPU) after 15 minutes
STANDBY_CHOICES = ("auto", "on", "off")


# --- paths ----------------------------------------------------------------------


def home(environ: Mapping[str, str] | None = None) -> Path:
    """The directory that holds progress, drafts and settings (not created here)."""
    env = os.environ if environ is None else environ
    override = env.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("jittutor", appauthor=False))


# --- value parsers: each names where the value came from ------------------------------


def parse_fraction(text: object, source: str) -> float:
    """``"0.25"`` -> 0.25; anything outside 0 < F <= 1 is an error naming ``source``."""
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: expected a fraction of GPU memory such as 0.25, got {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise ConfigError(f"{source}: must be more than 0 and at most 1 (a fraction of GPU memory), got {text!r}")
    return value


def parse_seconds(text: object, source: str) -> float:
    """A positive number of seconds; anything else is an error naming ``source``."""
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise ConfigError(f"{source}: must be more than 0 seconds, got {text!r}")
    return value


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B?)?\s*$", re.IGNORECASE)


def parse_size(text: object, source: str) -> int:
    """A memory size in bytes: ``4G``, ``4GB``, ``4GiB``, ``4096M``, ``1048576`` (powers of 1024)."""
    match = _SIZE.match(str(text))
    if match is None:
        raise ConfigError(f"{source}: expected a memory size such as 4G, 4GiB or 4096M, got {text!r}")
    number, unit = float(match.group(1)), match.group(2).upper()
    return int(number * 1024 ** "KMGT".find(unit) * 1024) if unit else int(number)


def parse_command(text: object, source: str) -> str:
    """A worker command: a non-empty string that splits like a shell command line."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"{source}: must be a command such as 'srun -n1 python -m jittutor.worker', got {text!r}")
    try:
        shlex.split(text)
    except ValueError as exc:
        raise ConfigError(f"{source}: cannot be split into a command line ({exc}): {text!r}") from None
    return text


def parse_standby(text: object, source: str) -> str:
    """``auto``, ``on`` or ``off``; anything else is an error naming ``source``."""
    value = str(text).strip().lower()
    if value not in STANDBY_CHOICES:
        raise ConfigError(f"{source}: expected auto, on or off, got {text!r}")
    return value


def parse_idle(text: object, source: str) -> float:
    """Seconds an idle worker waits before it exits; ``off``/``0``/``none`` (0.0): never."""
    if str(text).strip().lower() in ("0", "off", "none", "never"):
        return 0.0
    return parse_seconds(text, source)


STUDENT_NAME_MAX = 64


def parse_student_name(text: object, source: str) -> str:
    """The name a student goes by in the instructor's view: printable, 1..64 characters, not all punctuation."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"{source}: expected a name such as 'ada' or 'Ada L.', got {text!r}")
    name = " ".join(text.split())
    if len(name) > STUDENT_NAME_MAX:
        raise ConfigError(f"{source}: at most {STUDENT_NAME_MAX} characters, got {len(name)}")
    if not name.isprintable() or not any(c.isalnum() for c in name):
        raise ConfigError(f"{source}: a name needs a letter or digit and no control characters, got {text!r}")
    return name


def _path_list(value: object, source: str) -> list[Path]:
    if isinstance(value, str):
        return [Path(p).expanduser() for p in value.split(os.pathsep) if p]
    if isinstance(value, list) and all(isinstance(p, str) for p in value):
        return [Path(p).expanduser() for p in value if p]
    raise ConfigError(f"{source}: expected a list of directories, got {value!r}")


# --- the settings ---------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Every setting, resolved once by :func:`load_settings` (see the module docstring)."""

    home: Path
    lesson_dirs: tuple[Path, ...] = ()
    worker_cmd: str | None = None
    worker_cmd_origin: str = "default"  # "--worker-cmd", "JITTUTOR_WORKER_CMD", "settings.json" or "default"
    mem_fraction: float | None = None
    start_timeout: float = DEFAULT_START_TIMEOUT
    progress_dir: Path | None = None
    standby: str = "auto"  # "auto", "on" or "off"; see use_standby
    worker_idle: float = DEFAULT_WORKER_IDLE  # 0: never
    student: str | None = None  # None: USER@HOST plus a hash of ``home`` (jittutor.state.identity)
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def use_standby(self) -> bool:
        """Keep a pre-warmed second worker? ``auto``: only for the default (local) worker command.

        With a worker command (``srun ...``) every worker is a scheduler job, and a
        standby would double the jobs (and GPUs) each student holds.
        """
        if self.standby == "auto":
            return self.worker_cmd is None
        return self.standby == "on"

    def worker_env(self, environ: Mapping[str, str] | None = None) -> dict[str, str] | None:
        """The environment for a worker process, or ``None`` for this process's own."""
        extra: dict[str, str] = {}
        if self.mem_fraction is not None:
            extra[MEM_FRACTION_ENV] = f"{self.mem_fraction:g}"
        if self.worker_idle != DEFAULT_WORKER_IDLE:
            extra[WORKER_IDLE_ENV] = f"{self.worker_idle:g}"
        if not extra:
            return None
        return {**(os.environ if environ is None else environ), **extra}


def read_settings_file(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The keys of ``settings.json`` and warnings; a damaged file is kept aside, never overwritten."""
    from jittutor.state.files import read_json_object

    return read_json_object(path, "settings")


def _lesson_dirs(
    lessons: Sequence[Path | str] | None, env: Mapping[str, str], file_data: dict[str, Any], file_key: str
) -> list[Path]:
    """Lesson packs add up: settings.json's, then the environment's, then the command line's."""
    dirs: list[Path] = []
    if file_data.get("lessons") is not None:
        dirs += _path_list(file_data["lessons"], f"{file_key}lessons")
    if env.get(LESSONS_ENV, "").strip():
        dirs += _path_list(env[LESSONS_ENV], LESSONS_ENV)
    return dirs + [Path(p).expanduser() for p in lessons or ()]


class _Sources:
    """Where a setting can come from, in the one order: command line, environment, settings.json."""

    def __init__(self, env: Mapping[str, str], file_data: dict[str, Any], file_key: str) -> None:
        self.env, self.file_data, self.file_key = env, file_data, file_key

    def pick(self, cli: object, env_name: str, key: str) -> tuple[object, str] | None:
        """The first value given, and where it came from ("" for the command line)."""
        if cli is not None:
            return cli, ""
        if self.env.get(env_name, "").strip():
            return self.env[env_name], env_name
        if self.file_data.get(key) is not None:
            return self.file_data[key], f"{self.file_key}{key}"
        return None

    def resolve(
        self, parse: Callable[[Any, str], Any], cli: object, env_name: str, key: str, option: str, default: Any
    ) -> Any:
        """The parsed value (errors name where it came from), or ``default`` when none was given."""
        found = self.pick(cli, env_name, key)
        return default if found is None else parse(found[0], found[1] or option)


def _directory(value: object, source: str) -> Path:
    if not isinstance(value, (str, Path)):
        raise ConfigError(f"{source}: expected a directory, got {value!r}")
    return Path(value).expanduser()


def load_settings(
    *,
    lessons: Sequence[Path | str] | None = None,
    worker_cmd: str | None = None,
    mem_fraction: str | float | None = None,
    progress_dir: Path | str | None = None,
    standby: str | None = None,
    environ: Mapping[str, str] | None = None,
    file_data: dict[str, Any] | None = None,
) -> Settings:
    """Resolve every setting: command line (the arguments) > environment > settings.json > default."""
    env = os.environ if environ is None else environ
    root = home(env)
    warnings: list[str] = []
    if file_data is None:
        file_data, warnings = read_settings_file(root / SETTINGS_FILE)
    file_key = f"{root / SETTINGS_FILE}: "
    src = _Sources(env, file_data, file_key)
    command, origin = None, "default"
    if (found := src.pick(worker_cmd, WORKER_CMD_ENV, "worker_cmd")) is not None:
        value, where = found
        origin = "settings.json" if where.startswith(file_key) else (where or "--worker-cmd")
        command = parse_command(value, where or "--worker-cmd")
    return Settings(
        home=root,
        lesson_dirs=tuple(_lesson_dirs(lessons, env, file_data, file_key)),
        worker_cmd=command,
        worker_cmd_origin=origin,
        mem_fraction=src.resolve(
            parse_fraction, mem_fraction, MEM_FRACTION_ENV, "mem_fraction", "--mem-fraction", None
        ),
        start_timeout=src.resolve(parse_seconds, None, START_TIMEOUT_ENV, "start_timeout", "", DEFAULT_START_TIMEOUT),
        progress_dir=src.resolve(_directory, progress_dir, PROGRESS_DIR_ENV, "progress_dir", "--progress-dir", None),
        standby=src.resolve(parse_standby, standby, STANDBY_ENV, "standby", "--standby", "auto"),
        worker_idle=src.resolve(parse_idle, None, WORKER_IDLE_ENV, "worker_idle", "", DEFAULT_WORKER_IDLE),
        student=_student(env, file_data, file_key),
        warnings=tuple(warnings),
    )


def _student(env: Mapping[str, str], file_data: dict[str, Any], file_key: str) -> str | None:
    # No command-line option: `jittutor config name NAME` writes the settings.json key.
    if env.get(STUDENT_ENV, "").strip():
        return parse_student_name(env[STUDENT_ENV], STUDENT_ENV)
    if file_data.get("student") is not None:
        return parse_student_name(file_data["student"], f"{file_key}student")
    return None


def student_name(root: Path, environ: Mapping[str, str] | None = None) -> str | None:
    """The name the student chose for the home ``root`` (``JITTUTOR_STUDENT`` > settings.json ``student``), or None.

    For code that has a home but no :class:`Settings` (publishing an export
    after an attempt); the same precedence as :func:`load_settings`.
    """
    env = os.environ if environ is None else environ
    file_data, _ = read_settings_file(root / SETTINGS_FILE)
    return _student(env, file_data, f"{root / SETTINGS_FILE}: ")


def worker_mem_limit(environ: Mapping[str, str] | None = None) -> int | None:
    """``JITTUTOR_MEM_LIMIT`` for a CPU worker, in bytes (``0`` or ``none``: no cap; unset: None)."""
    env = os.environ if environ is None else environ
    text = env.get(MEM_LIMIT_ENV, "").strip()
    if not text:
        return None
    if text.lower() in ("0", "none", "off"):
        return 0
    return parse_size(text, MEM_LIMIT_ENV)


def worker_idle_seconds(environ: Mapping[str, str] | None = None) -> float:
    """``JITTUTOR_WORKER_IDLE`` as the worker sees it (0.0: never leave); unreadable values: the default."""
    env = os.environ if environ is None else environ
    text = env.get(WORKER_IDLE_ENV, "").strip()
    if not text:
        return DEFAULT_WORKER_IDLE
    try:
        return parse_idle(text, WORKER_IDLE_ENV)
    except ConfigError:
        return DEFAULT_WORKER_IDLE  # the front already refused it; a worker never dies of a setting
