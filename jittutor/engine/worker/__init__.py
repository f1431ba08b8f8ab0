"""The worker process: the only code in jittutor that imports jax.

``main`` serves JSON lines (see :mod:`jittutor.engine.worker.main`); ``runner``
runs one request eagerly and under ``jax.jit``; ``capture`` and ``hygiene``
keep one run's output and changes away from the next.
"""
