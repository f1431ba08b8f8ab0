"""``python -m jittutor`` is the ``jittutor`` command."""

from jittutor.cli.main import entry_point

entry_point()
