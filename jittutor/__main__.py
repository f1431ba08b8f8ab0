"""``python -m jittutor`` is the ``jittutor`` command."""

from jittutor.cli import entry_point

entry_point()
