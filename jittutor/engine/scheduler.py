"""What a launcher (``srun``, ``ssh``, a wrapper) says about the worker it runs.

The worker is often not the front's own child but a job step behind ``srun``.
The scheduler then speaks on the launcher's stderr: a job waiting in the queue
(``srun: job 1234 queued and waiting for resources``), a job it ended
(``*** STEP 1234.0 ON node CANCELLED AT ... DUE TO TIME LIMIT ***``), and a
task's signal folded into an exit status (139 for SIGSEGV). This module reads
those lines and asks ``squeue`` / ``scancel`` for the rest; the pool decides
what to do with the answers. Never imports jax.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence

#: The front's own ``SLURM_JOB_ID`` (empty outside a job), given to the worker.
FRONT_JOB_ENV = "JITTUTOR_FRONT_JOB"

#: Set by a pool that sends heartbeats: the worker counts their silence from its first moment.
HEARTBEAT_ENV = "JITTUTOR_HEARTBEAT"

#: srun's line when a job has to wait; and when it got its resources.
QUEUED = re.compile(r"srun: job (\d+) queued and waiting for resources")
ALLOCATED = re.compile(r"srun: job (\d+) has been allocated resources")

# Lines by which Slurm says it ended a job or step (scancel, time limit, preemption,
# node failure). A task that died by itself ("task 0: Segmentation fault", "Force
# Terminated" after a SIGKILL) is not among them: that one is the code's doing.
_ENDED = (
    re.compile(r"\*\*\* (?:JOB|STEP) \S+ ON \S+ CANCELLED AT \S+.*\*\*\*"),
    re.compile(r"\*\*\* (?:JOB|STEP) \S+ CANCELLED AT \S+.*\*\*\*"),
    re.compile(r"srun: error: Node failure on \S+"),
    re.compile(r"srun: Job step aborted"),
    re.compile(r"srun: error: .*(?:Job|job|step).*(?:has expired|cancelled|CANCELLED|revoked)"),
)
_WHY = (
    ("DUE TO TIME LIMIT", "the job reached its time limit"),
    ("DUE TO PREEMPTION", "the job was preempted by a higher-priority job"),
    ("DUE TO NODE FAIL", "the node running the job failed"),
    ("Node failure", "the node running the job failed"),
    ("expired", "the job reached its time limit"),
)

#: Exit statuses above this from a launcher are "killed by signal (status - 128)".
SIGNAL_BASE = 128


def ended_by_scheduler(lines: Sequence[str]) -> tuple[str, str] | None:
    """``(why, the scheduler's own line)`` if the launcher's output says the scheduler ended the job."""
    # In the order of _ENDED: the scheduler's own "*** ... CANCELLED ... ***" line before srun's echo of it.
    found = [line.strip() for pattern in _ENDED for line in lines if pattern.search(line.strip())]
    if not found:
        return None
    # The most specific line: the one that gives a reason, else the first.
    for key, why in _WHY:
        for text in found:
            if key in text:
                return why, text
    return "the job was cancelled (scancel, or an administrator)", found[0]


def launcher_signal(returncode: int | None) -> int | None:
    """The exit status of a launcher mapped back to its task's signal (139 -> -11), or unchanged.

    ``srun`` and ``ssh`` report a task killed by signal N as exit status 128+N,
    which would otherwise read as "exited with code 139" and lose the
    segfault's or the OOM killer's explanation.
    """
    if returncode is not None and SIGNAL_BASE < returncode <= SIGNAL_BASE + 64:
        return -(returncode - SIGNAL_BASE)
    return returncode


def queue_reason(job_id: str, timeout: float = 5.0) -> str | None:
    """Why ``job_id`` is pending, as ``squeue -h -j ID -o %r`` says (``Resources``, ``Priority``)."""
    squeue = shutil.which("squeue")
    if squeue is None:
        return None
    try:
        out = subprocess.run(
            [squeue, "-h", "-j", str(job_id), "-o", "%r"], capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    reason = out.stdout.strip().splitlines()
    return reason[0].strip() if out.returncode == 0 and reason and reason[0].strip() else None


def cancel_job(job_id: str, timeout: float = 10.0) -> bool:
    """``scancel job_id`` (a job id, or ``JOB.STEP`` for one step); False if it could not be asked."""
    scancel = shutil.which("scancel")
    if scancel is None or not job_id:
        return False
    try:
        return subprocess.run([scancel, str(job_id)], capture_output=True, timeout=timeout, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False
