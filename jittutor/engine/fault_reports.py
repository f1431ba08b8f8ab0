"""The reports the pool writes itself when a run has no report of its own: a deadline, the scheduler.

Plain functions over protocol objects, so the wording of these faults lives in
one place and the pool keeps to the workers' lifecycle. No jax.
"""

from __future__ import annotations

from jittutor.engine.protocol import ErrorInfo, RunReport, RunRequest, WorkerInfo


def timeout_report(
    info: WorkerInfo, request: RunRequest, timeout: float, partial: RunReport | None, restarted: bool
) -> RunReport:
    """``partial`` (what the interrupted run sent, if anything) with a ``timeout`` error naming the line."""
    report = partial or RunReport(device=request.device or info.default_device, jax_version=info.jax_version)
    where = report.error
    message = f"The run did not finish within the {timeout:g} s deadline and was stopped"
    if where is not None and where.line is not None:
        message += f" while running line {where.line}: {where.code or ''}".rstrip(": ")
    if restarted:
        message += (
            " (the code was stuck where Python cannot interrupt it, e.g. a loop inside XLA; the worker was replaced)"
        )
    report.error = ErrorInfo(
        type="Timeout",
        message=message + ".",
        kind="timeout",
        line=where.line if where else None,
        code=where.code if where else None,
        filename=where.filename if where else None,
        traceback=where.traceback if where else "",
    )
    report.interrupted = True
    return report


def ended_error(why: str, line: str, stderr_tail: list[str]) -> ErrorInfo:
    """``worker-ended``: the scheduler ended the job, in its own words; not the code's doing."""
    return ErrorInfo(
        type="WorkerEnded",
        message=(
            f"The scheduler ended the worker's job while it ran your code: {why}. It said: {line}"
            " This is not your code's doing and does not count as an attempt; the next run starts a new job."
        ),
        kind="worker-ended",
        traceback="\n".join(text for text in stderr_tail[-12:] if text.strip()),
    )
