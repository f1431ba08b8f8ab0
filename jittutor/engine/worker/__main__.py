"""``python -m jittutor.engine.worker`` is the same as ``python -m jittutor.worker``."""

from jittutor.engine.worker.main import main

main()
