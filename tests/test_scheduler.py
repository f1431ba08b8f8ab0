"""What a launcher's stderr and exit status say: the scheduler's words, queue lines, signals."""

from __future__ import annotations

import signal

import pytest

from jittutor.config import load_settings
from jittutor.engine.restarter import crash_cause
from jittutor.engine.scheduler import ALLOCATED, QUEUED, ended_by_scheduler, launcher_signal
from jittutor.errors import ConfigError

# srun 22.05's own lines, as seen under the test Slurm.
SCANCEL = [
    "srun: Job step aborted: Waiting up to 7 seconds for job step to finish.",
    "slurmstepd-vm: error: *** STEP 5.0 ON vm CANCELLED AT 2026-12-02T00:18:22 ***",
    "srun: error: vm: task 0: Terminated",
]
TIME_LIMIT = [
    "slurmstepd: error: *** STEP 41.0 ON gpu01 CANCELLED AT 2026-12-02T10:00:00 DUE TO TIME LIMIT ***",
    "srun: Job step aborted: Waiting up to 32 seconds for job step to finish.",
]


def test_a_cancelled_step_is_the_schedulers_doing_in_its_own_words() -> None:
    why, line = ended_by_scheduler(SCANCEL)  # type: ignore[misc]
    assert "cancelled" in why and line.startswith("slurmstepd-vm: error: *** STEP 5.0")


@pytest.mark.parametrize(
    ("tail", "why"),
    [
        ("DUE TO TIME LIMIT ***", "time limit"),
        ("DUE TO PREEMPTION ***", "preempted"),
        ("DUE TO NODE FAILURE ***", "node"),
    ],
)
def test_the_reason_comes_from_the_schedulers_line(tail: str, why: str) -> None:
    found = ended_by_scheduler([f"slurmstepd: error: *** JOB 9 ON n1 CANCELLED AT 2026-01-01T00:00:00 {tail}"])
    assert found is not None and why in found[0] and tail in found[1]


def test_the_time_limit_line_wins_over_sruns_echo() -> None:
    assert ended_by_scheduler(TIME_LIMIT) == ("the job reached its time limit", TIME_LIMIT[0])


@pytest.mark.parametrize(
    "lines",
    [
        ["srun: error: vm: task 0: Segmentation fault"],
        ["srun: error: vm: task 0: Killed", "srun: Force Terminated StepId=4.0"],
        ["srun: error: vm: task 0: Exited with exit code 7"],
        ["Fatal Python error: Segmentation fault"],
        [],
    ],
)
def test_a_task_that_died_by_itself_is_not_the_schedulers_doing(lines: list[str]) -> None:
    assert ended_by_scheduler(lines) is None


def test_exit_statuses_from_a_launcher_map_back_to_their_signal() -> None:
    assert launcher_signal(139) == -signal.SIGSEGV
    assert launcher_signal(137) == -signal.SIGKILL
    assert launcher_signal(7) == 7 and launcher_signal(None) is None and launcher_signal(-11) == -11
    assert "out-of-memory" in crash_cause(launcher_signal(137))
    assert "segmentation fault" in crash_cause(launcher_signal(139)).lower()


def test_sruns_queue_lines() -> None:
    assert QUEUED.search("srun: job 1234 queued and waiting for resources").group(1) == "1234"  # type: ignore[union-attr]
    assert ALLOCATED.search("srun: job 1234 has been allocated resources").group(1) == "1234"  # type: ignore[union-attr]


def test_standby_auto_is_off_under_a_worker_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"JITTUTOR_HOME": str(tmp_path)}
    assert load_settings(environ=env).use_standby is True
    assert load_settings(environ=env, worker_cmd="srun -n1 python -m jittutor.worker").use_standby is False
    assert load_settings(environ={**env, "JITTUTOR_STANDBY": "on"}, worker_cmd="srun x").use_standby is True
    assert load_settings(environ={**env, "JITTUTOR_STANDBY": "on"}, standby="off").use_standby is False
    assert load_settings(environ=env, file_data={"standby": "off"}).use_standby is False
    with pytest.raises(ConfigError, match="JITTUTOR_STANDBY"):
        load_settings(environ={**env, "JITTUTOR_STANDBY": "sometimes"})


def test_worker_idle_setting_reaches_the_worker(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"JITTUTOR_HOME": str(tmp_path)}
    assert load_settings(environ=env).worker_idle == 900 and load_settings(environ=env).worker_env() is None
    settings = load_settings(environ={**env, "JITTUTOR_WORKER_IDLE": "60"})
    assert settings.worker_env(environ={})["JITTUTOR_WORKER_IDLE"] == "60"  # type: ignore[index]
    assert load_settings(environ={**env, "JITTUTOR_WORKER_IDLE": "off"}).worker_idle == 0
    with pytest.raises(ConfigError, match="JITTUTOR_WORKER_IDLE"):
        load_settings(environ={**env, "JITTUTOR_WORKER_IDLE": "soon"})


# --- the pool's policy, with local workers ------------------------------------------------------


def test_a_start_that_timed_out_is_retried_by_the_next_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from jittutor.engine.pool import WorkerPool, WorkerStartError

    stuck = tmp_path / "stuck-srun"
    stuck.write_text("#!/bin/sh\necho 'srun: job 77 queued and waiting for resources' >&2\nexec sleep 600\n")
    stuck.chmod(0o755)
    statuses: list[tuple[str, str]] = []
    with WorkerPool(
        str(stuck), standby=False, start_timeout=1.0, on_status=lambda s, d: statuses.append((s, d))
    ) as pool:
        for attempt in (1, 2):
            with pytest.raises(WorkerStartError, match="did not become ready"):
                pool.info()
            assert pool.spawned == attempt, "F5 after a start timeout must start a fresh worker"
    assert ("queued", "waiting in the queue (job 77)") in statuses


@pytest.mark.slow
def test_a_one_shot_pool_starts_no_replacement_after_a_timeout() -> None:
    from support import worker_env

    from jittutor.engine.pool import WorkerPool
    from jittutor.engine.protocol import CaseSpec, RunRequest

    loop = "def f(x):\n    while True:\n        pass\n"
    with WorkerPool(standby=False, respawn=False, env=worker_env()) as pool:
        report = pool.run(RunRequest(source=loop, entry="f", cases=[CaseSpec("1.0")]), timeout=1.0)
        assert report.error is not None and report.error.kind == "timeout"
        assert pool.spawned == 1, "a one-shot command (the CLI) must not start a worker it will never use"
