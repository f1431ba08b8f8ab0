"""The execution engine: the worker process (the only place jax is imported),
its JSON-lines protocol, and the supervisor that owns worker processes.

Importing ``jittutor.engine`` (or ``protocol``/``supervisor``) never imports jax;
only ``jittutor.engine.runner`` does, and only inside the worker.
"""
