"""Workshop benchmark: N simulated students through a real single-node Slurm vs the local launcher.

    python benchmarks/bench_workshop.py [--students N] [--slots S] [--idle SECONDS] [--json]

Starts its own Slurm (munged + slurmctld + slurmd, as the tests do: root and
slurm-wlm + munge needed; otherwise only the local launcher is measured) whose
node runs ``--slots`` job steps at once (default: half the students, so the
other half queue). For each launcher it runs

  - N ``jittutor check static-args --solution`` at once (the CLI), and
  - N app-like sessions (a WorkerPool with the app's standby policy) at once:
    start, one run, sit idle for ``--idle`` s, a crash (``os._exit``), the next
    run, leave (a student who leaves frees the slot for one who waits).

and prints, per launcher: workers and scheduler jobs held per student while
idle, queue wait, time to the first result, crash -> next result, and jobs left
afterwards. Printed, never asserted: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "workshop")]

from jittutor.config import load_settings  # noqa: E402
from jittutor.engine.pool import WorkerPool  # noqa: E402
from jittutor.engine.protocol import CaseSpec, RunRequest  # noqa: E402

OK = RunRequest(
    source="def f(x):\n    return x * 2\n",
    entry="f",
    cases=[CaseSpec("1.0")],
    repeats=1,
    min_repeats=1,
    time_per_mode=0.0,
)
CRASH = RunRequest(source="import os\ndef f(x):\n    os._exit(3)\n", entry="f", cases=[CaseSpec("1.0")])


def worker_env(extra: dict[str, str]) -> dict[str, str]:
    return {**os.environ, "JAX_PLATFORMS": "cpu", **extra}


def cli_checks(students: int, worker_cmd: str | None, env: dict[str, str]) -> list[float]:
    """N ``jittutor check`` at once; the wall time of each (None: it failed)."""
    times: list[float] = [float("nan")] * students

    def one(i: int) -> None:
        args = [sys.executable, "-m", "jittutor", "check", "static-args", "--solution", "--json"]
        if worker_cmd:
            args += ["--worker-cmd", worker_cmd]
        started = time.monotonic()
        out = subprocess.run(args, capture_output=True, text=True, env=env, cwd=REPO, timeout=900, check=False)
        if out.returncode == 0:
            times[i] = time.monotonic() - started

    threads = [threading.Thread(target=one, args=(i,)) for i in range(students)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


class Session:
    """One student in the app: the app's pool policy, a run, idle, a crash, the next run, then leave."""

    def __init__(self, worker_cmd: str | None, env: dict[str, str], home: str, idle: float) -> None:
        settings = load_settings(worker_cmd=worker_cmd, environ={"JITTUTOR_HOME": home})
        self.pool = WorkerPool(
            worker_cmd, standby=settings.use_standby, env=env, start_timeout=900, on_status=self._status
        )
        self.idle = idle
        self.queued_at: float | None = None
        self.queue_wait = 0.0
        self.first_result = float("nan")
        self.crash_to_next = float("nan")
        self.held_workers = 0  # live worker processes while the student sits idle
        self.held_jobs = 0  # distinct scheduler jobs among them

    def _status(self, status: str, detail: str) -> None:
        now = time.monotonic()
        if status == "queued" and self.queued_at is None:
            self.queued_at = now
        elif status != "queued" and self.queued_at is not None:
            self.queue_wait += now - self.queued_at
            self.queued_at = None

    def run(self) -> None:
        started = time.monotonic()
        try:
            self.pool.run(OK, timeout=60)
            self.first_result = time.monotonic() - started
            if self.pool.use_standby and self.pool._standby is not None:
                self.pool._standby.wait_ready(600)  # the app's standby, warm, as a student finds it later
            time.sleep(self.idle)  # the student reads: what is held meanwhile
            live = [w for w in (self.pool._active, self.pool._standby) if w is not None and w.alive()]
            self.held_workers = len(live)
            self.held_jobs = len({w.info.job for w in live if w.info is not None and w.info.job})
            crashed = self.pool.run(CRASH, timeout=60)
            assert crashed.error is not None and crashed.error.kind == "worker-crashed", crashed.error
            at = time.monotonic()
            self.pool.run(OK, timeout=60)
            self.crash_to_next = time.monotonic() - at
        finally:
            self.pool.close()


def sessions(students: int, worker_cmd: str | None, env: dict[str, str], idle: float) -> dict[str, object]:
    """N app-like sessions at once; a student who leaves frees the slot for one who waits."""
    home = tempfile.mkdtemp(prefix="jittutor-bench-")
    group = [Session(worker_cmd, env, home, idle) for _ in range(students)]
    threads = [threading.Thread(target=s.run, daemon=True) for s in group]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=1800)
    return {
        "workers_per_idle_student": statistics.mean(s.held_workers for s in group),
        "jobs_per_idle_student": statistics.mean(s.held_jobs for s in group) if worker_cmd else None,
        "queue_wait_s": [s.queue_wait for s in group],
        "first_result_s": [s.first_result for s in group],
        "crash_to_next_s": [s.crash_to_next for s in group],
        "jobs_started": sum(s.pool.spawned for s in group) if worker_cmd else None,
    }


def spread(values: list[float]) -> str:
    ok = [v for v in values if v == v]
    if not ok:
        return "-"
    failed = len(values) - len(ok)
    text = f"{statistics.median(ok):.1f} (max {max(ok):.1f})"
    return text + (f", {failed} failed" if failed else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument(
        "--slots", type=int, default=0, help="job steps the Slurm node runs at once (default: students // 2)"
    )
    parser.add_argument("--idle", type=float, default=5.0, help="seconds each session sits idle before its crash")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    slots = args.slots or max(1, args.students // 2)

    from slurm_support import SlurmUnavailable, start_slurm

    results: dict[str, dict[str, object]] = {}
    launchers: list[tuple[str, str | None, dict[str, str], object | None]] = [("local", None, worker_env({}), None)]
    slurm = None
    try:
        slurm = start_slurm(Path(tempfile.mkdtemp(prefix="jittutor-bench-slurm-")), cpus=slots)
        srun = f"srun -n1 {sys.executable} -m jittutor.worker"
        launchers.append(("srun", srun, worker_env({"SLURM_CONF": str(slurm.conf)}), slurm))
    except SlurmUnavailable as exc:
        print(f"bench_workshop: no Slurm, measuring the local launcher only: {exc}".splitlines()[0], file=sys.stderr)
    try:
        for name, cmd, env, cluster in launchers:
            started = time.monotonic()
            cli = cli_checks(args.students, cmd, env)
            cli_left = len(cluster.wait_jobs(0, timeout=30)) if cluster is not None else None  # type: ignore[attr-defined]
            result = sessions(args.students, cmd, env, args.idle)
            left = len(cluster.wait_jobs(0, timeout=30)) if cluster is not None else None  # type: ignore[attr-defined]
            results[name] = {
                "cli_s": cli,
                "cli_jobs_left": cli_left,
                **result,
                "jobs_left": left,
                "wall_s": time.monotonic() - started,
            }
    finally:
        if slurm is not None:
            slurm.stop()

    if args.json:
        print(json.dumps({"students": args.students, "slots": slots, "results": results}, indent=2))
        return
    print(
        f"{args.students} students; Slurm node with {slots} slots (one srun -n1 step each); "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    names = list(results)
    rows = [
        ("CLI check: time to result, s (median, max)", lambda r: spread(r["cli_s"])),
        ("CLI check: jobs left afterwards", lambda r: "-" if r["cli_jobs_left"] is None else str(r["cli_jobs_left"])),
        ("app session: workers held per idle student", lambda r: f"{r['workers_per_idle_student']:.2f}"),
        (
            "app session: scheduler jobs per idle student",
            lambda r: "-" if r["jobs_per_idle_student"] is None else f"{r['jobs_per_idle_student']:.2f}",
        ),
        ("app session: queue wait, s (median, max)", lambda r: spread(r["queue_wait_s"])),
        ("app session: first result, s (median, max)", lambda r: spread(r["first_result_s"])),
        ("app session: crash -> next result, s", lambda r: spread(r["crash_to_next_s"])),
        ("app session: jobs started in all", lambda r: "-" if r["jobs_started"] is None else str(r["jobs_started"])),
        ("jobs left afterwards", lambda r: "-" if r["jobs_left"] is None else str(r["jobs_left"])),
        ("wall time of the launcher's round, s", lambda r: f"{r['wall_s']:.0f}"),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"{'':{width}}  " + "  ".join(f"{n:>22}" for n in names))
    for label, cell in rows:
        print(f"{label:{width}}  " + "  ".join(f"{cell(results[n]):>22}" for n in names))
    print("GPU memory per idle student: not measured (no GPU on this machine).")


if __name__ == "__main__":
    main()
