"""Helpers shared by the tests (imported as ``support``; pytest puts tests/ on sys.path)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
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


@contextlib.contextmanager
def own_filesystem(path: Path, size: str = "1m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path``: a real full disk or read-only mount to test against.

    Needs root (CI runs as root); elsewhere the test is skipped with the reason.
    """
    import pytest

    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def remount_read_only(path: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True, capture_output=True)


def fill(path: Path) -> None:
    """Write zeros into ``path/fill`` until the file system is full."""
    with open(path / "fill", "wb", buffering=0) as f:
        block = b"\0" * 4096
        try:
            while True:
                f.write(block)
        except OSError:
            pass
