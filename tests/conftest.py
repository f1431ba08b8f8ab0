"""Shared fixtures: a temporary JITTUTOR_HOME and one real worker pool per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support import worker_env

from jittutor.engine.pool import WorkerPool


@pytest.fixture(autouse=True)
def jittutor_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("JITTUTOR_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def pool() -> Iterator[WorkerPool]:
    """One warm worker (plus standby) for the whole test session."""
    p = WorkerPool(env=worker_env(), standby=True)
    p.info()
    yield p
    p.close()
