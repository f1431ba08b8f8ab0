"""A warm worker proves it is clean after each run, or is replaced; no student process outlives its run.

Each scenario runs code that changes the worker, then a probe, and checks the
probe sees exactly what a fresh worker shows it (value, dtype, output), that
no process the code started is left, and whether the worker was kept (what
hygiene restores) or retired (what it cannot undo).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import psutil
import pytest
from support import worker_env

from jittutor.engine import descendants
from jittutor.engine.pool import WorkerPool
from jittutor.engine.protocol import CaseSpec, RunReport, RunRequest

pytestmark = pytest.mark.slow

PROBE = (
    "import math, numpy as np, jax, jax.numpy as jnp\n"
    "def f(x):\n"
    "    print('probe', math.pi, np.float32(1) / np.float32(3))\n"
    "    return jax.jit(lambda v: jnp.sum(jnp.asarray([v, v])) * 2)(x)\n"
)


class Pool(WorkerPool):
    """A pool that remembers the marker of every worker it started, to find what they left behind."""

    tokens: list[str]

    def _spawn(self):  # type: ignore[no-untyped-def]
        worker = super()._spawn()
        self.tokens.append(worker.token)
        return worker


@pytest.fixture(scope="module")
def spool() -> Iterator[Pool]:
    p = Pool(env=worker_env(JITTUTOR_MEM_LIMIT="2G"), standby=True)
    p.tokens = []
    p.info()
    yield p
    p.close()
    assert leftovers(p) == [], "processes outlived pool.close()"


def run(pool: WorkerPool, source: str, args: str = "1.0", timeout: float = 20.0, **kw) -> RunReport:
    return pool.run(RunRequest(source=source, entry="f", cases=[CaseSpec(args)], **kw), timeout=timeout)


def leftovers(pool: Pool, within: float = 60.0) -> list[str]:
    """Processes started in (or as) the pool's workers that are still alive ``within`` seconds from now
    (a replaced worker is killed in the background: SIGTERM, then SIGKILL after a grace, then process
    scans, while the new standby imports JAX; ``within`` only bounds a hang, never a slow machine)."""
    deadline = time.monotonic() + within
    found = _leftovers(pool)
    while found and time.monotonic() < deadline:
        time.sleep(0.1)
        found = _leftovers(pool)
    return found


def _leftovers(pool: Pool) -> list[str]:
    live = {w.pid for w in (pool._active, pool._standby) if w is not None}
    found = []
    for token in pool.tokens:
        for proc in descendants.marked(token, exclude=live):
            try:
                if proc.ppid() in live or proc.pid not in live:
                    found.append(" ".join(proc.cmdline())[:80] or str(proc.pid))
            except psutil.Error:
                continue
    return found


#: Exactly 3 timing repeats: the eager output ends "[N more line(s) printed during the N timing repeats]",
#: and with the default budget N depends on how fast the machine is at that moment.
FIXED_REPEATS = {"repeats": 3, "min_repeats": 3, "time_per_mode": 60.0}


@pytest.fixture(scope="module")
def fresh(spool: Pool) -> RunReport:
    """The probe on a worker that has run nothing else."""
    return run(spool, PROBE, **FIXED_REPEATS)


def probe_is_fresh(pool: Pool, fresh: RunReport) -> RunReport:
    report = run(pool, PROBE, **FIXED_REPEATS)
    assert report.error is None, report.error
    for got, want in ((report.cases[0].eager, fresh.cases[0].eager), (report.cases[0].jit, fresh.cases[0].jit)):
        assert got.ok and got.value.repr == want.value.repr and got.value.dtype == want.value.dtype
        assert got.output == want.output
    assert report.output == fresh.output
    return report


# --- what the worker restores (it is kept) --------------------------------------------

RESTORED = {
    "numpy-seterr": "import numpy as np\nnp.seterr(all='raise')\n",
    "warnings-error": "import warnings\nwarnings.simplefilter('error')\n",
    "numpy-printoptions": "import numpy as np\nnp.set_printoptions(precision=1)\n",
    "recursion-limit": "import sys\nsys.setrecursionlimit(60)\n",
}


@pytest.mark.parametrize("change", list(RESTORED.values()), ids=list(RESTORED))
def test_changes_the_worker_restores_keep_it(spool: Pool, fresh: RunReport, change: str) -> None:
    before = probe_is_fresh(spool, fresh).worker_pid
    report = run(spool, change + "def f(x):\n    return x\n")
    assert report.error is None and report.worker_retired is None and report.restored
    assert probe_is_fresh(spool, fresh).worker_pid == before


# --- what the worker cannot undo (it retires; the standby takes over) --------------------

RETIRED = {
    "thread-printing": (
        "import threading, time\n"
        "def spam():\n    while True:\n        print('tick')\n        time.sleep(0.01)\n"
        "threading.Thread(target=spam).start()\n",
        "threads still running",
    ),
    "patched-jnp-sum": ("import jax.numpy as jnp\njnp.sum = lambda *a, **k: 0\n", "jax.numpy (sum)"),
    "patched-jax-jit": ("import jax\njax.jit = lambda f, **k: f\n", "jax (jit)"),
    "patched-print": ("import builtins\nbuiltins.print = lambda *a, **k: None\n", "builtins (print)"),
    "patched-math-pi": ("import math\nmath.pi = 3\n", "math (pi)"),
    "sys-modules-none": ("import sys\nsys.modules['jax'] = None\n", "sys.modules"),
    "sys-modules-deleted": ("import sys\ndel sys.modules['numpy']\n", "sys.modules"),
    "enable-x64-entered": ("import jax\njax.enable_x64().__enter__()\n", "jax.config"),
    "logging-debug": ("import logging\nlogging.basicConfig(level=logging.DEBUG)\n", "logging"),
    "putenv": ("import os\nos.putenv('JITTUTOR_PUTENV', '1')\n", "environment"),
    "alarm": ("import signal\nsignal.alarm(30)\n", "timer"),  # never due before the audit, however slow the run
    "itimer": ("import signal\nsignal.setitimer(signal.ITIMER_REAL, 30.0)\n", "timer"),
    "rlimit-nofile": (
        "import resource\ns, h = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (min(s, 200), min(h, 200) if h > 0 else 200))\n",
        "resource limits",
    ),
    "rlimit-as": (
        "import resource\ns, h = resource.getrlimit(resource.RLIMIT_AS)\n"
        "resource.setrlimit(resource.RLIMIT_AS, (s - 4096 if s > 0 else 2**40, h))\n",
        "resource limits",
    ),
    "rlimit-cpu": ("import resource\nresource.setrlimit(resource.RLIMIT_CPU, (3600, 3600))\n", "resource limits"),
    "settrace": ("import sys\nsys.settrace(lambda *a: None)\n", "sys.settrace"),
    "switch-interval": ("import sys\nsys.setswitchinterval(0.5)\n", "switch interval"),
    "umask": ("import os\nos.umask(0o077)\n", "umask"),
    "affinity": ("import os\nos.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})\n", "affinity"),
    "nice": ("import os\nos.nice(1)\n", "priority"),
    "faulthandler-off": ("import faulthandler\nfaulthandler.disable()\n", "faulthandler"),
    "gc-disabled": ("import gc\ngc.disable()\n", "garbage collector"),
    "signal-handler": ("import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n", "signal handlers"),
}


@pytest.mark.parametrize(("change", "named"), list(RETIRED.values()), ids=list(RETIRED))
def test_changes_the_worker_cannot_undo_retire_it(spool: Pool, fresh: RunReport, change: str, named: str) -> None:
    before = probe_is_fresh(spool, fresh).worker_pid
    report = run(spool, change + "def f(x):\n    return x\n")
    assert report.error is None, report.error
    assert report.worker_retired is not None and named in report.worker_retired, report.worker_retired
    after = probe_is_fresh(spool, fresh)
    assert after.worker_pid != before and after.worker_retired is None
    assert leftovers(spool) == []


# --- no student process outlives its run ------------------------------------------------

SPAWNERS = {
    "fork": "import os, time\nif os.fork() == 0:\n    time.sleep(1000)\n    os._exit(0)\n",
    "popen": "import subprocess\nsubprocess.Popen(['sleep', '1000'])\n",
    "popen-new-session": "import subprocess\nsubprocess.Popen(['sleep', '1000'], start_new_session=True)\n",
    "multiprocessing": (
        "import multiprocessing, time\n"
        "multiprocessing.get_context('fork').Process(target=time.sleep, args=(1000,)).start()\n"
    ),
    "double-fork-daemon": "import subprocess\nsubprocess.run(['sh', '-c', 'setsid sleep 1000 >/dev/null 2>&1 &'])\n",
}


@pytest.mark.parametrize("spawn", list(SPAWNERS.values()), ids=list(SPAWNERS))
def test_no_process_outlives_its_run(spool: Pool, fresh: RunReport, spawn: str) -> None:
    probe_is_fresh(spool, fresh)
    report = run(spool, spawn + "def f(x):\n    return x\n")
    assert report.error is None and report.cases[0].match, report
    assert report.processes_ended >= 1
    assert leftovers(spool) == []
    probe_is_fresh(spool, fresh)


def test_processes_of_a_run_that_times_out_are_ended(spool: Pool, fresh: RunReport) -> None:
    src = "import subprocess\ndef f(x):\n    subprocess.Popen(['sleep', '1000'], start_new_session=True)\n    while True:\n        pass\n"
    assert run(spool, src, timeout=1.5).error.kind == "timeout"
    assert leftovers(spool) == []
    probe_is_fresh(spool, fresh)


def test_processes_of_a_killed_worker_are_ended(spool: Pool, fresh: RunReport) -> None:
    src = (
        "import subprocess, os\n"
        "subprocess.Popen(['sleep', '1000'], start_new_session=True)\n"
        "subprocess.Popen(['sleep', '1000'])\n"
        "def f(x):\n    os._exit(3)\n"
    )
    assert run(spool, src).error.kind == "worker-crashed"
    assert leftovers(spool) == []
    probe_is_fresh(spool, fresh)


# --- memory returns to its baseline ---------------------------------------------------


def test_module_globals_of_earlier_runs_are_freed(spool: Pool, fresh: RunReport) -> None:
    src = (
        "import numpy as np\n"
        "big = np.ones(25_000_000, dtype=np.float32)  # 100 MB\n"
        "class Cycle:\n    pass\n"
        "c = Cycle(); c.me = c; c.big = big\n"
        "def f(x):\n    return x + float(big[0])\n"
    )
    pid = probe_is_fresh(spool, fresh).worker_pid
    assert pid is not None
    start = psutil.Process(pid).memory_info().rss
    for _ in range(10):
        report = run(spool, src)
        assert report.error is None and report.worker_pid == pid
    grown = psutil.Process(pid).memory_info().rss - start
    assert grown < 300 * 2**20, f"the worker grew by {grown / 2**20:.0f} MB over 10 runs of a 100 MB global"
    probe_is_fresh(spool, fresh)
