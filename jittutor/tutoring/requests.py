"""Building run requests, and checking what a user typed before anything runs.

One ``--args`` validator and one entry-name check, for the CLI's ``run``, the
app's playground and graders alike. No jax, no textual.
"""

from __future__ import annotations

from collections.abc import Sequence

from jittutor.engine.protocol import CaseSpec, RunRequest
from jittutor.errors import UsageError
from jittutor.lessons.model import Lesson


def lesson_request(
    lesson: Lesson, source: str, device: str | None, *, filename: str | None = None, jaxpr: bool = False
) -> RunRequest:
    """The run that checks ``source`` against a lesson's cases.

    ``filename`` is how errors name the student's code (their own file for the
    CLI; ``LESSON.py`` for a draft).
    """
    return RunRequest(
        source=source,
        entry=lesson.entry,
        cases=list(lesson.cases),
        device=device,
        filename=filename or f"{lesson.id}.py",
        setup=lesson.setup,
        jaxpr=jaxpr,
        wrap_entry=lesson.checks.wrap_entry,
    )


def check_entry(entry: str, source: str = "--entry") -> str:
    """``entry`` must be a Python name; the error names ``source``."""
    if not entry.isidentifier():
        raise UsageError(f"{source} {entry!r}: not a Python name")
    return entry


def check_args(exprs: Sequence[str], source: str = "--args") -> list[str]:
    """Each text must be a call's argument list (``jnp.ones(3), 2.0``, ``x, flag=True``)."""
    for expr in exprs:
        try:
            compile(f"f({expr})", source, "eval")
        except SyntaxError as exc:
            raise UsageError(f"{source} {expr!r}: not a valid argument list ({exc.msg})") from None
    return list(exprs)


def free_request(
    source: str,
    entry: str,
    args: Sequence[str],
    device: str | None,
    *,
    filename: str = "student.py",
    jaxpr: bool = False,
) -> RunRequest:
    """A run of any function with argument expressions (``jittutor run``, the playground); checked first."""
    check_entry(entry)
    check_args(args)
    return RunRequest(
        source=source,
        entry=entry,
        cases=[CaseSpec(args=a) for a in args],
        device=device,
        filename=filename,
        jaxpr=jaxpr,
    )
