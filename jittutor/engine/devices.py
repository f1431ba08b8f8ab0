"""Choosing a device by name, on the front side (no jax: the worker lists them).

Accepted spellings: ``cpu``, ``gpu``, ``cuda``, ``rocm``, ``tpu`` (the first
device of that kind), ``cpu:N``, ``gpu:N``, ``cuda:N``, ``rocm:N``, ``tpu:N``,
or a bare ``N`` (the N-th device the worker lists).
"""

from __future__ import annotations

from collections.abc import Sequence

from jittutor.engine.protocol import DeviceInfo
from jittutor.errors import UsageError

# CUDA and ROCm devices both report the platform "gpu" in jax.
_ALIASES = {"cuda": "gpu", "rocm": "gpu", "gpu": "gpu", "cpu": "cpu", "tpu": "tpu"}


class DeviceNotFound(UsageError):
    """The asked-for device is not among the worker's devices; the message lists them."""


def describe_devices(devices: Sequence[DeviceInfo]) -> str:
    """``cpu:0, gpu:0 (NVIDIA H100)``: the devices for a message."""
    return ", ".join(f"{d.name} ({d.kind})" if d.kind and d.kind != d.platform else d.name for d in devices) or "none"


def resolve_device(spec: str | None, devices: Sequence[DeviceInfo], default: str | None = None) -> DeviceInfo:
    """Pick the device ``spec`` names among ``devices``; ``None`` means ``default`` (or the first)."""
    if not devices:
        raise DeviceNotFound("the worker reports no devices at all")
    if spec is None or spec.strip() == "":
        for d in devices:
            if d.name == default:
                return d
        return devices[0]
    text = spec.strip().lower()
    if text.isdigit():
        index = int(text)
        if index < len(devices):
            return devices[index]
    else:
        platform, sep, index_text = text.partition(":")
        wanted = _ALIASES.get(platform)
        if wanted is not None and (not sep or index_text.isdigit()):
            matching = [d for d in devices if d.platform == wanted]
            if not sep and matching:
                return matching[0]
            for d in matching:
                if str(d.id) == index_text:
                    return d
    raise DeviceNotFound(
        f"device {spec!r} is not available; this worker has: {describe_devices(devices)}. "
        "Use --device with one of those (e.g. cpu, cpu:0, gpu:0)."
    )
