"""Diagnosis: exception or measurement -> kind -> explanation, fix hints, docs link.

The public API of the package. Nothing here imports jax or textual: the front
process (CLI or app) uses it on the plain data the worker sends back.

- :func:`kind_info` gives the teacher's texts for a kind (:class:`KindInfo`).
- :func:`classify` / :func:`classify_error` turn an exception into a kind.
- :func:`diagnose` turns a :class:`~jittutor.engine.protocol.RunReport` into
  :class:`Diagnosis` objects, most important first.
- :func:`explain_text` explains a pasted traceback (:class:`Explanation`);
  ``Explanation.found`` is false for text with no Python error, and
  :data:`NO_ERROR_FOUND` is the line a front prints then.
- The message table with the JAX releases of every wording is data:
  ``messages.yaml``, read by :mod:`jittutor.diagnosis.messages`.
"""

from jittutor.diagnosis.classify import TRACER_RE, classify, classify_error, has_tracer_repr
from jittutor.diagnosis.explain import NO_ERROR_FOUND, Explanation, explain_text
from jittutor.diagnosis.kinds import ALL_KINDS, FAULT_KINDS, SILENT_KINDS, TRACING_KINDS
from jittutor.diagnosis.report import Diagnosis, diagnose
from jittutor.diagnosis.texts import KindInfo, kind_info

__all__ = [
    "ALL_KINDS",
    "FAULT_KINDS",
    "NO_ERROR_FOUND",
    "SILENT_KINDS",
    "TRACER_RE",
    "TRACING_KINDS",
    "Diagnosis",
    "Explanation",
    "KindInfo",
    "classify",
    "classify_error",
    "diagnose",
    "explain_text",
    "has_tracer_repr",
    "kind_info",
]
