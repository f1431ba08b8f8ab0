"""Soak benchmark: many mixed runs through one pool; printed, never asserted.

    python benchmarks/bench_soak.py [--runs N] [--json]

Runs good, failing, leaking (threads, patched modules, processes, a 100 MB
global) and crashing code round-robin through one WorkerPool with a standby,
and prints the active worker's RSS over time, how many workers were replaced
(crashes, retirements, timeouts), the per-kind run time, and how many
processes started by student code are left at the end (should be 0).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jittutor.engine import descendants  # noqa: E402
from jittutor.engine.pool import WorkerPool  # noqa: E402
from jittutor.engine.protocol import CaseSpec, RunRequest  # noqa: E402

BODY = "def f(x):\n    return x * 2\n"
MIX = {
    "good": "import jax.numpy as jnp\ndef f(x):\n    return jnp.sin(x) * 2\n",
    "failing": "def f(x):\n    if x > 0:\n        return x\n    return -x\n",
    "big-global": "import numpy as np\nbig = np.ones(25_000_000, dtype=np.float32)\n" + BODY,
    "good-2": "import jax\ndef f(x):\n    return jax.numpy.cos(x)\n",
    "process": "import subprocess\nsubprocess.Popen(['sleep', '1000'], start_new_session=True)\n" + BODY,
    "huge-error": "def f(x):\n    raise ValueError('e' * 5_000_000)\n",
    "thread": "import threading, time\nthreading.Thread(target=time.sleep, args=(60,)).start()\n" + BODY,
    "patch": "import jax.numpy as jnp\njnp.sum = lambda *a, **k: 0\n" + BODY,
    "crash": "import os\ndef f(x):\n    os._exit(3)\n",
    "fork": "import os, time\nif os.fork() == 0:\n    time.sleep(1000)\n" + BODY,
}


def leftovers(tokens: list[str]) -> int:
    live = set()
    return sum(len(descendants.marked(t, exclude=live)) for t in tokens)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50, help="runs in all (the issue's soak is 500)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ, JAX_PLATFORMS=os.environ.get("JAX_PLATFORMS", "cpu"))
    tokens: list[str] = []

    class Pool(WorkerPool):
        def _spawn(self):  # type: ignore[no-untyped-def]
            worker = super()._spawn()
            tokens.append(worker.token)
            return worker

    kinds = list(MIX)
    rss: list[tuple[int, int, float]] = []
    seconds: dict[str, list[float]] = defaultdict(list)
    outcome: Counter[str] = Counter()
    t_all = time.monotonic()
    with Pool(env=env, standby=True, max_crashes=10**9) as pool:
        pool.info()
        for n in range(args.runs):
            kind = kinds[n % len(kinds)]
            req = RunRequest(source=MIX[kind], entry="f", cases=[CaseSpec("1.0")], repeats=3, min_repeats=1)
            t0 = time.monotonic()
            report = pool.run(req, timeout=20)
            seconds[kind].append(time.monotonic() - t0)
            if report.error is not None and report.error.kind == "worker-crashed":
                outcome["crashed"] += 1
            elif report.worker_retired:
                outcome["retired"] += 1
            if report.processes_ended:
                outcome["processes ended after their run"] += report.processes_ended
            active = pool._active
            if active is not None and active.alive() and (n % 10 == 9 or n == args.runs - 1):
                try:
                    rss.append((n + 1, active.pid, psutil.Process(active.pid).memory_info().rss / 2**20))
                except psutil.Error:
                    pass
        replaced = outcome["crashed"] + outcome["retired"]
    time.sleep(1.0)
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}",
        "runs": args.runs,
        "wall_seconds": round(time.monotonic() - t_all, 1),
        "workers_replaced": replaced,
        "outcomes": dict(outcome),
        "median_seconds_per_kind": {k: round(statistics.median(v), 3) for k, v in seconds.items()},
        "rss_mb_over_time": [(n, pid, round(mb)) for n, pid, mb in rss],
        "processes_left_after_close": leftovers(tokens),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['runs']} runs in {result['wall_seconds']} s on {result['machine']}")
    print(f"workers replaced: {replaced} ({outcome['retired']} retired, {outcome['crashed']} crashed)")
    print(f"processes started by student code, ended after their run: {outcome['processes ended after their run']}")
    print("median seconds per run, by kind:")
    for k, v in result["median_seconds_per_kind"].items():
        print(f"  {k:<12} {v:.3f}")
    print("active worker RSS (after run, pid, MB):")
    for n, pid, mb in result["rss_mb_over_time"]:
        print(f"  {n:>5}  {pid:>7}  {mb:>6}")
    print(f"processes started by student code left after close: {result['processes_left_after_close']}")


if __name__ == "__main__":
    main()
