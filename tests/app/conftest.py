"""Fixtures for the app tests: one real worker pool per module, fresh state per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support import worker_env

from jittutor.engine.pool import WorkerPool


@pytest.fixture(scope="module")
def real_pool() -> Iterator[WorkerPool]:
    """A real JAX worker (two fake CPU devices) and a standby, shared by one test module."""
    pool = WorkerPool(env=worker_env(), standby=True)
    pool.info()
    yield pool
    pool.close()
