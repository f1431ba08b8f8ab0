"""The devices a worker sees, and putting arguments on the one a run asked for."""

from __future__ import annotations

from typing import Any

import jax

from jittutor.engine.protocol import DeviceInfo
from jittutor.engine.worker.values import device_name

__all__ = ["device_name", "find_device", "list_devices", "memory_stats", "on_device"]


def list_devices() -> list[DeviceInfo]:
    """Every device jax can see, CPU ones included even when a GPU is the default."""
    found: list[Any] = []
    for backend in ("cpu", "gpu", "tpu"):
        try:
            found.extend(jax.devices(backend))
        except RuntimeError:
            continue
    infos = []
    for d in found:
        used = limit = None
        try:
            stats = d.memory_stats() or {}
            used, limit = stats.get("bytes_in_use"), stats.get("bytes_limit")
        except Exception:
            pass
        infos.append(
            DeviceInfo(
                name=device_name(d),
                platform=d.platform,
                id=d.id,
                kind=str(getattr(d, "device_kind", "")),
                memory_in_use=used,
                memory_limit=limit,
            )
        )
    return infos


def find_device(name: str | None) -> Any:
    if name is None:
        return jax.devices()[0]
    platform, _, index = name.partition(":")
    for d in jax.devices(platform):
        if str(d.id) == index:
            return d
    raise LookupError(f"no device {name!r} in this worker")


def memory_stats(device: Any) -> tuple[int | None, int | None]:
    """Bytes in use and the limit on ``device``; (None, None) where jax cannot tell (CPU)."""
    try:
        stats = device.memory_stats() or {}
    except Exception:  # noqa: BLE001 - not every backend implements it
        return None, None
    return stats.get("bytes_in_use"), stats.get("bytes_limit")


def on_device(value: Any, device: Any) -> Any:
    """Put jax arrays that live elsewhere onto the chosen device; leave the rest alone."""
    if isinstance(value, jax.Array):
        try:
            if value.devices() != {device}:
                return jax.device_put(value, device)
        except Exception:
            return value
    return value
