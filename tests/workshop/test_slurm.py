"""The worker as a Slurm job step, under a real single-node Slurm (munged + slurmctld + slurmd).

Skipped, with the reason, where Slurm cannot start (not root, not installed).
Every test ends with no job left in the queue; none asserts a duration.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from slurm_support import Slurm, SlurmUnavailable, start_slurm
from support import REPO, worker_env
from workshop_support import jittutor_popen, stop

from jittutor.config import load_settings
from jittutor.engine.pool import WorkerPool
from jittutor.engine.protocol import CaseSpec, RunRequest
from jittutor.engine.worker.main import HEARTBEAT_LOST

pytestmark = pytest.mark.slow

SRUN_WORKER = f"srun -n1 {sys.executable} -m jittutor.worker"


@pytest.fixture(scope="module")
def slurm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slurm]:
    try:
        cluster = start_slurm(tmp_path_factory.mktemp("slurm"))
    except SlurmUnavailable as exc:
        pytest.skip(f"no Slurm here: {exc}")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(autouse=True)
def no_job_left(slurm: Slurm) -> Iterator[None]:
    """Every way out of every test leaves the queue empty."""
    assert slurm.wait_jobs(0, timeout=30) == [], "a job was left from before"
    yield
    left = slurm.wait_jobs(0, timeout=60)
    slurm.cancel_all()
    assert left == [], f"jobs left behind: {left}"


def env_for(slurm: Slurm, **extra: str) -> dict[str, str]:
    env = worker_env(**extra)
    env["SLURM_CONF"] = str(slurm.conf)
    return env


def cli(slurm: Slurm, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jittutor", *args],
        capture_output=True,
        text=True,
        env=env or env_for(slurm),
        timeout=300,
        cwd=REPO,
        check=False,
    )


def request(source: str, entry: str = "f", args: str = "1.0") -> RunRequest:
    return RunRequest(source=source, entry=entry, cases=[CaseSpec(args)], repeats=1, min_repeats=1, time_per_mode=0.01)


def pool_for(slurm: Slurm, **extra: str) -> WorkerPool:
    """A pool as the app makes it: standby by the settings' policy (auto: off under a launcher)."""
    settings = load_settings(worker_cmd=SRUN_WORKER, environ={"JITTUTOR_HOME": os.environ["JITTUTOR_HOME"]})
    assert settings.use_standby is False
    return WorkerPool(SRUN_WORKER, standby=settings.use_standby, env=env_for(slurm, **extra), start_timeout=240)


# --- the command line -----------------------------------------------------------------------


def test_check_and_devices_through_srun(slurm: Slurm) -> None:
    out = cli(slurm, "check", "static-args", "--solution", "--json", "--worker-cmd", SRUN_WORKER)
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["passed"] is True
    out = cli(slurm, "devices", "--json", "--worker-cmd", SRUN_WORKER)
    assert out.returncode == 0, out.stderr
    assert [d["name"] for d in json.loads(out.stdout)["devices"]] == ["cpu:0", "cpu:1"]


def test_a_queued_start_is_announced_and_ctrl_c_takes_the_pending_job_away(slurm: Slurm) -> None:
    blocker = slurm.cmd("sbatch", "--parsable", "-o", "/dev/null", "-n1", f"-c{slurm.cpus}", "--wrap", "sleep 600")
    assert blocker.returncode == 0, blocker.stderr
    blocker_id = blocker.stdout.strip().split(";")[0]
    try:
        assert slurm.wait_jobs(1) and slurm.jobs()[0][1] == "RUNNING" or _running(slurm, blocker_id)
        proc = jittutor_popen("check", "static-args", "--solution", "--worker-cmd", SRUN_WORKER, env=env_for(slurm))
        assert proc.stderr is not None
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
        reader.start()
        try:
            deadline = time.monotonic() + 120
            while not any("reason Resources" in line for line in lines):
                assert time.monotonic() < deadline and proc.poll() is None, ("".join(lines), slurm.jobs())
                time.sleep(0.2)
            pending = [job for job in slurm.jobs() if job[0] != blocker_id]
            assert [job[1] for job in pending] == ["PENDING"], pending
            said = "".join(lines)
            assert f"waiting in the queue (job {pending[0][0]}, reason Resources); ctrl+c gives up" in said, said
            code = stop(proc, signal.SIGINT, timeout=60)
        finally:
            stop(proc, signal.SIGKILL)
        reader.join(timeout=10)
        assert code == 130, "".join(lines)
        assert "Traceback" not in "".join(lines)
        left = slurm.wait_jobs(1)
        assert [job[0] for job in left] == [blocker_id], f"the pending job outlived ctrl+c: {left}"
    finally:
        slurm.cmd("scancel", blocker_id)


def _running(slurm: Slurm, job: str) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(j[0] == job and j[1] == "RUNNING" for j in slurm.jobs()):
            return True
        time.sleep(0.2)
    return False


def test_inside_salloc_with_overlap(slurm: Slurm) -> None:
    """The documented recipe: the tutor inside an allocation, its worker a step with --overlap."""
    inner = f"srun --overlap -n1 {sys.executable} -m jittutor.worker"
    out = subprocess.run(
        ["salloc", "-n1", sys.executable, "-m", "jittutor", "check", "static-args", "--solution", "--json",
         "--worker-cmd", inner],
        capture_output=True, text=True, env=env_for(slurm), timeout=300, cwd=REPO, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["passed"] is True


# --- the pool, as the app drives it ---------------------------------------------------------


def test_one_job_per_student_while_idle_and_none_after(slurm: Slurm) -> None:
    with pool_for(slurm) as pool:
        info = pool.info()
        assert info.job, "the worker did not say which job it holds"
        report = pool.run(request("def f(x):\n    return x + 1\n"))
        assert report.error is None, report.error
        # Longer than a worker waits for a heartbeat: the live front keeps it, and nothing else starts.
        time.sleep(HEARTBEAT_LOST + 3)
        assert [job[0] for job in slurm.jobs()] == [info.job]
        assert pool.run(request("def f(x):\n    return x\n")).error is None
        assert pool.spawned == 1 and pool.info().job == info.job


def test_scancel_is_worker_ended_not_a_crash_and_the_next_run_starts_a_new_job(slurm: Slurm) -> None:
    with pool_for(slurm) as pool:
        job = pool.info().job
        cancel = threading.Timer(3.0, lambda: slurm.cmd("scancel", job))
        cancel.start()
        try:
            report = pool.run(request("import time\ndef f(x):\n    time.sleep(120)\n    return x\n"), timeout=200)
        finally:
            cancel.cancel()
        assert report.error is not None and report.error.kind == "worker-ended", report.error
        assert "CANCELLED" in report.error.message and "not your code" in report.error.message
        assert pool.crashes == 0 and pool.dead_reason is None
        assert pool.status == "stopped"
        again = pool.run(request("def f(x):\n    return x * 2\n"))
        assert again.error is None, again.error
        new_job = pool.info().job
        assert new_job and new_job != job
        assert [j[0] for j in slurm.wait_jobs(1)] == [new_job]  # the cancelled job may still be COMPLETING


def test_a_segfault_through_srun_keeps_its_signal(slurm: Slurm) -> None:
    with pool_for(slurm) as pool:
        report = pool.run(request("import ctypes\ndef f(x):\n    return ctypes.string_at(0)\n"))
        assert report.error is not None and report.error.kind == "worker-crashed"
        assert "SIGSEGV" in report.error.message, report.error.message
        assert "segmentation fault" in report.error.message.lower()


def test_an_idle_worker_frees_its_job_and_the_next_run_starts_one(slurm: Slurm) -> None:
    statuses: list[tuple[str, str]] = []
    # 5 s, not less: the second worker must get its run before it counts as idle, through srun, loaded.
    with pool_for(slurm, JITTUTOR_WORKER_IDLE="5") as pool:
        pool.on_status = lambda status, detail: statuses.append((status, detail))
        pool.info()
        deadline = time.monotonic() + 90
        while pool.status != "stopped":
            assert time.monotonic() < deadline, statuses
            time.sleep(0.2)
        assert slurm.wait_jobs(0) == []
        assert "idle" in statuses[-1][1] and "the next run starts a new one" in statuses[-1][1], statuses
        report = pool.run(request("def f(x):\n    return x\n"), timeout=60)
        assert report.error is None, report.error
        assert any(s == "starting" and "idle" in d for s, d in statuses), statuses


FRONT = """
import sys, time
from jittutor.engine.pool import WorkerPool
pool = WorkerPool(sys.argv[1], standby=False, start_timeout=240)
info = pool.info()
print(info.job, pool._active.pid, flush=True)
time.sleep(600)
"""


def test_front_and_srun_sigkilled_the_worker_cancels_its_job(slurm: Slurm, tmp_path: Path) -> None:
    """srun SIGKILLed closes neither the step's stdin nor its parent: the missing heartbeats tell."""
    script = tmp_path / "front.py"
    script.write_text(FRONT)
    front = subprocess.Popen(
        [sys.executable, str(script), SRUN_WORKER], stdout=subprocess.PIPE, text=True, env=env_for(slurm), cwd=REPO
    )
    try:
        assert front.stdout is not None
        job, srun_pid = front.stdout.readline().split()
        assert [j[0] for j in slurm.jobs()] == [job]
        front.kill()
        os.killpg(int(srun_pid), signal.SIGKILL)  # srun and its helper, as `kill -9 -PGID` would
        front.wait(timeout=10)
        assert slurm.wait_jobs(0, timeout=90) == [], "the job outlived its front and its srun"
    finally:
        if front.poll() is None:
            front.kill()
            front.wait()
