"""Every text a report carries is capped, with a note saying how much was cut.

A student can raise an exception with a 20 MB message, print a 10 MB line, or
return an object whose ``repr`` is huge; the report that crosses the channel
(and that the app draws) stays well under a few MB whatever they do.
:func:`bound_report` is applied by the worker to every report before it is
sent; the limits are per field. No jax here: the pool uses it too.
"""

from __future__ import annotations

import dataclasses
from typing import Any

MESSAGE_LIMIT = 20_000  # characters of an exception message
TRACEBACK_LIMIT = 30_000
JAXPR_LIMIT = 200_000
LINE_LIMIT = 400  # a line of code, a repr, an expected value
NAME_LIMIT = 200  # a type name, a dtype, a device
LIST_LIMIT = 64  # items of a list of names (an mro)

#: Limit per field name; any other text field gets DEFAULT_LIMIT. Output is capped by the capture.
LIMITS = {
    "message": MESSAGE_LIMIT,
    "traceback": TRACEBACK_LIMIT,
    "jaxpr": JAXPR_LIMIT,
    "jaxpr_error": MESSAGE_LIMIT,
    "code": LINE_LIMIT,
    "repr": LINE_LIMIT,
    "expected": 2 * LINE_LIMIT,
    "type": NAME_LIMIT,
    "dtype": NAME_LIMIT,
    "device": NAME_LIMIT,
    "filename": NAME_LIMIT,
    "match_note": LINE_LIMIT,
    "worker_retired": 2000,
}
DEFAULT_LIMIT = 2000
UNBOUNDED = {"output", "args", "source", "setup"}  # capped elsewhere (the capture) or given by the lesson


def cut(text: str, limit: int, what: str = "text") -> str:
    """``text`` itself, or its first ``limit`` characters and a note of how much was cut."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[{what} cut: {len(text):,} characters in all, first {limit:,} kept]"


def bound_report(obj: Any) -> Any:
    """Cap every text field of a protocol dataclass (and the ones nested in it), in place."""
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return obj
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, str):
            if f.name not in UNBOUNDED:
                setattr(obj, f.name, cut(value, LIMITS.get(f.name, DEFAULT_LIMIT), f.name))
        elif isinstance(value, list):
            if len(value) > LIST_LIMIT and all(isinstance(v, (str, int)) for v in value):
                setattr(obj, f.name, value[:LIST_LIMIT])
            for item in value:
                bound_report(item)
        else:
            bound_report(value)
    return obj
