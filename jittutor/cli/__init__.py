"""The ``jittutor`` command: parser, student commands, workshop commands, serve."""
