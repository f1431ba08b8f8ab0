"""Helpers shared by the tests (imported as ``support``; pytest puts tests/ on sys.path)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TWO_CPUS = "--xla_force_host_platform_device_count=2"


def worker_env(**extra: str) -> dict[str, str]:
    """The environment for test workers: two fake CPU devices, CPU only."""
    env = dict(os.environ)
    flags = env.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" not in flags:
        env["XLA_FLAGS"] = f"{flags} {TWO_CPUS}".strip()
    env.setdefault("JAX_PLATFORMS", "cpu")
    env.update(extra)
    return env


def jittutor(
    *args: str, input: str | None = None, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would, in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "jittutor", *args],
        capture_output=True,
        text=True,
        input=input,
        env=env if env is not None else worker_env(),
        timeout=timeout,
        cwd=REPO,
    )
