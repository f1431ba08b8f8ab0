"""The execution engine: the worker process (the only place jax is imported),
its JSON-lines protocol, and the pool that owns worker processes.

Importing ``jittutor.engine`` (or ``protocol``/``pool``) never imports jax;
only ``jittutor.engine.worker`` does, and only inside the worker.
"""
