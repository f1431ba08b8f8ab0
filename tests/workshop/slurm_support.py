"""A real single-node Slurm for the workshop tests: munged, slurmctld and slurmd from the distribution.

Everything lives in a private directory with its own ports and munge socket;
``SLURM_CONF`` points ``srun``/``squeue``/``scancel`` at it, so nothing of a
real cluster's ``/etc/slurm`` is read or written. :func:`start_slurm` returns a
:class:`Slurm` or raises :class:`SlurmUnavailable` with the reason (the tests
skip with it).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("srun", "salloc", "sbatch", "squeue", "scancel", "sinfo")


class SlurmUnavailable(Exception):
    """Why no Slurm could be started here (a skip reason)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/sbin") / name) if p.exists()), None
    )


@dataclass
class Slurm:
    root: Path
    conf: Path
    cpus: int
    pids: dict[str, int]

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "SLURM_CONF": str(self.conf), **extra}

    def cmd(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, env=self.env(), check=False)

    def jobs(self) -> list[tuple[str, str, str]]:
        """Every job the controller knows that is not finished: (id, state, reason).

        A failed squeue (a busy controller timing out) is asked again, never read as "no jobs".
        """
        for _ in range(10):
            out = self.cmd("squeue", "-h", "-o", "%i %T %r")
            if out.returncode == 0:
                return [tuple(line.split(None, 2)) for line in out.stdout.splitlines() if line.strip()]  # type: ignore[misc]
            time.sleep(1.0)
        raise AssertionError(f"squeue kept failing: {out.stderr.strip()}")

    def wait_jobs(self, count: int, timeout: float = 60.0) -> list[tuple[str, str, str]]:
        """Wait until exactly ``count`` jobs are left (COMPLETING counts as left); return them."""
        deadline = time.monotonic() + timeout
        jobs = self.jobs()
        while len(jobs) != count and time.monotonic() < deadline:
            time.sleep(0.25)
            jobs = self.jobs()
        return jobs

    def cancel_all(self) -> None:
        self.cmd("scancel", "--user", str(os.getuid()))

    def log_tail(self, lines: int = 20) -> str:
        out = []
        for name in ("slurmctld.log", "slurmd.log"):
            path = self.root / "log" / name
            if path.exists():
                out += [f"--- {name}", *path.read_text(errors="replace").splitlines()[-lines:]]
        return "\n".join(out)

    def stop(self) -> None:
        self.cancel_all()
        for name in ("slurmd", "slurmctld", "munged"):
            pid = self.pids.get(name)
            if pid is None:
                continue
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def _read_pid(path: Path, timeout: float = 15.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return int(path.read_text().strip())
        except (OSError, ValueError):
            time.sleep(0.1)
    raise SlurmUnavailable(f"{path.name} was not written within {timeout:g} s")


def start_slurm(root: Path, cpus: int | None = None) -> Slurm:
    """Start munged, slurmctld and slurmd for this host under ``root``; raise SlurmUnavailable if it cannot.

    ``cpus``: the CPUs the node offers (default 2, or 1 on a 1-CPU machine); one
    ``srun -n1`` step takes one, so this is how many workers run at once.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        raise SlurmUnavailable("starting slurmd needs root (it launches job steps as their user)")
    missing = [n for n in DAEMONS + CLIENTS if _binary(n) is None]
    if missing:
        raise SlurmUnavailable(f"not installed: {', '.join(missing)} (apt-get install slurm-wlm munge)")
    for sub in ("state", "spool", "log", "munge"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "munge").chmod(0o700)
    key = root / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    sock = root / "munge" / "munge.socket"
    munged = subprocess.run(
        [
            _binary("munged") or "munged",
            "--force",
            f"--socket={sock}",
            f"--key-file={key}",
            f"--log-file={root / 'log' / 'munged.log'}",
            f"--pid-file={root / 'munge' / 'munged.pid'}",
            f"--seed-file={root / 'munge' / 'munged.seed'}",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if munged.returncode != 0:
        raise SlurmUnavailable(f"munged did not start: {munged.stderr.strip() or munged.returncode}")
    pids = {"munged": _read_pid(root / "munge" / "munged.pid")}
    host = socket.gethostname().split(".")[0]
    cpus = cpus or (2 if (os.cpu_count() or 1) >= 2 else 1)
    conf = root / "slurm.conf"
    conf.write_text(
        "\n".join(
            [
                "ClusterName=jittutor-test",
                f"SlurmctldHost={host}(127.0.0.1)",
                f"SlurmctldPort={_free_port()}",
                f"SlurmdPort={_free_port()}",
                "AuthType=auth/munge",
                f"AuthInfo=socket={sock}",
                "CredType=cred/munge",
                "SlurmUser=root",
                "SlurmdUser=root",
                f"StateSaveLocation={root / 'state'}",
                f"SlurmdSpoolDir={root / 'spool'}",
                f"SlurmctldPidFile={root / 'slurmctld.pid'}",
                f"SlurmdPidFile={root / 'slurmd.pid'}",
                f"SlurmctldLogFile={root / 'log' / 'slurmctld.log'}",
                f"SlurmdLogFile={root / 'log' / 'slurmd.log'}",
                # No systemd or cgroup delegation needed: track processes by parentage, no task binding.
                "ProctrackType=proctrack/linuxproc",
                "TaskPlugin=task/none",
                "JobAcctGatherType=jobacct_gather/none",
                "AccountingStorageType=accounting_storage/none",
                "SelectType=select/cons_tres",
                "SelectTypeParameters=CR_Core",
                "SchedulerType=sched/backfill",
                "SlurmdParameters=config_overrides",
                "ReturnToService=2",
                "MpiDefault=none",
                "KillWait=5",
                "MinJobAge=2",
                f"NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN",
                f"PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP",
                "",
            ]
        )
    )
    (root / "cgroup.conf").write_text("")  # slurmd insists on the file; empty is fine without cgroups
    slurm = Slurm(root=root, conf=conf, cpus=cpus, pids=pids)
    try:
        for daemon, pid_file in (("slurmctld", "slurmctld.pid"), ("slurmd", "slurmd.pid")):
            out = slurm.cmd(_binary(daemon) or daemon, "-f", str(conf))
            if out.returncode != 0:
                raise SlurmUnavailable(f"{daemon} did not start: {out.stderr.strip()[-500:]}")
            pids[daemon] = _read_pid(root / pid_file)
        _wait_ready(slurm)
    except (SlurmUnavailable, subprocess.SubprocessError, OSError) as exc:
        tail = slurm.log_tail()
        slurm.stop()
        if isinstance(exc, SlurmUnavailable):
            raise SlurmUnavailable(f"{exc}\n{tail}") from None
        raise SlurmUnavailable(f"{exc!r}\n{tail}") from None
    return slurm


def _wait_ready(slurm: Slurm, timeout: float = 60.0) -> None:
    """A job step that really ran: ``srun hostname`` can exit 0 while its task failed, so compare output."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            out = slurm.cmd("srun", "-n1", "--immediate=10", "echo", "jittutor-slurm-ready", timeout=30)
        except subprocess.TimeoutExpired:
            last = "srun timed out"
            continue
        if out.stdout.strip() == "jittutor-slurm-ready":
            slurm.wait_jobs(0, timeout=20)
            return
        last = (out.stdout + out.stderr).strip()[-500:]
        time.sleep(1.0)
    raise SlurmUnavailable(f"no job step ran within {timeout:g} s: {last}")
