"""The Textual front of jittutor: the student's view.

Never imports jax: everything that touches JAX runs in a worker process owned by
:class:`~jittutor.engine.pool.WorkerPool`.
"""

from __future__ import annotations

from jittutor.app.app import JitTutorApp, run_app

__all__ = ["JitTutorApp", "run_app"]
