"""One root for every error jittutor raises on purpose, and the exit code each means.

The fronts catch :class:`JittutorError` in one place: the CLI prints its message
as one line and exits with :attr:`JittutorError.exit_code`; the app shows it as a
notification. Anything else reaching the top is a bug of ours, not the user's.
"""

from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class JittutorError(Exception):
    """The root. The message is meant for the user: it names the file, option or variable."""

    exit_code = EXIT_USAGE


class UsageError(JittutorError):
    """Bad input from the user (an option, a file, an argument list): exit code 2."""


class ConfigError(UsageError):
    """A setting (command line, ``JITTUTOR_*`` variable or ``settings.json`` key) that cannot be used."""


class LessonsError(JittutorError):
    """A lesson that cannot be found or loaded."""
