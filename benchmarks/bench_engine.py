"""Engine benchmark: measured side by side in one run, printed, never asserted.

    python benchmarks/bench_engine.py [--json] [--rounds N]

Measures
  1. worker overhead: the same eager+jit run computed in-process vs through the
     warm worker (target: <= 20 ms median above in-process);
  2. replacing a killed worker from the standby: time from a crash to the next
     result (target: <= 200 ms);
  3. cold ``jittutor --version`` (target: <= 0.3 s; it must not import jax);
  4. loading and validating 200 lessons (target: <= 1 s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jittutor.engine.pool import WorkerPool  # noqa: E402
from jittutor.engine.protocol import CaseSpec, RunRequest  # noqa: E402

SOURCE = """
import jax.numpy as jnp

def sum_squared_error(a, b):
    return jnp.sum((a - b) ** 2)
"""
SETUP = """
import jax
key = jax.random.PRNGKey(8)
key, k1, k2 = jax.random.split(key, 3)
a = jax.random.normal(k1, (500, 500))
b = jax.random.normal(k2, (500, 500))
"""


def request() -> RunRequest:
    # Fixed repeats so both sides do exactly the same work.
    return RunRequest(
        source=SOURCE,
        setup=SETUP,
        entry="sum_squared_error",
        cases=[CaseSpec("a, b")],
        repeats=3,
        min_repeats=3,
        time_per_mode=0.0,
    )


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1e3


def bench_overhead(pool: WorkerPool, rounds: int) -> dict[str, float]:
    from jittutor.engine.worker.runner import Runner

    runner = Runner()
    runner.warm_up()
    inproc, worker = [], []
    for _ in range(2):  # warm both paths
        runner.execute(request())
        pool.run(request())
    for _ in range(rounds):  # interleave so machine noise hits both alike
        t0 = time.perf_counter()
        report = runner.execute(request())
        inproc.append(time.perf_counter() - t0)
        assert report.all_agree, report
        t0 = time.perf_counter()
        report = pool.run(request())
        worker.append(time.perf_counter() - t0)
        assert report.all_agree, report
    return {
        "in_process_ms": median_ms(inproc),
        "worker_ms": median_ms(worker),
        "overhead_ms": median_ms(worker) - median_ms(inproc),
    }


def _standby_ready(pool: WorkerPool, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        standby = pool._standby
        if standby is not None and standby.ready.is_set():
            return
        time.sleep(0.05)
    raise RuntimeError("standby did not become ready")


def bench_replacement(pool: WorkerPool, rounds: int) -> dict[str, float]:
    crash = RunRequest(source="import os\ndef f(x):\n    os._exit(9)\n", entry="f", cases=[CaseSpec("1.0")])
    simple = RunRequest(
        source="def f(x):\n    return x\n", entry="f", cases=[CaseSpec("1.0")], repeats=1, min_repeats=1
    )
    to_report, to_next = [], []
    for _ in range(rounds):
        _standby_ready(pool)
        t0 = time.perf_counter()
        report = pool.run(crash)
        t1 = time.perf_counter()
        assert report.error is not None and report.error.kind == "worker-crashed", report.error
        after = pool.run(simple)
        t2 = time.perf_counter()
        assert after.all_agree
        to_report.append(t1 - t0)
        to_next.append(t2 - t0)
        pool.crashes = 0
    return {"crash_report_ms": median_ms(to_report), "next_result_after_crash_ms": median_ms(to_next)}


def bench_cli_version(rounds: int) -> dict[str, float]:
    exe = shutil.which("jittutor")
    cmd = [exe, "--version"] if exe else [sys.executable, "-m", "jittutor", "--version"]
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=REPO)
        times.append(time.perf_counter() - t0)
    bare = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - t0)
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from jittutor.cli.main import main\ntry:\n main(['--version'])\nexcept SystemExit: pass\nprint('jax' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return {
        "cli_version_ms": median_ms(times),
        "bare_python_ms": median_ms(bare),
        "imports_jax": probe.stdout.strip().endswith("True"),
        "command": " ".join(Path(c).name for c in cmd),
    }


def bench_lessons(rounds: int, count: int = 200) -> dict[str, float]:
    from jittutor.lessons.catalogue import builtin_lessons_dir, load_catalogue

    sources = sorted(builtin_lessons_dir().glob("*.yaml"))
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(count):
            src = sources[n % len(sources)]
            text = src.read_text(encoding="utf-8")
            original_id = text.split("id:", 1)[1].split("\n", 1)[0].strip()
            text = text.replace(f"id: {original_id}", f"id: {original_id}-{n:03d}", 1)
            (Path(tmp) / f"{n:03d}-{src.name}").write_text(text, encoding="utf-8")
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            catalogue = load_catalogue([Path(tmp)])
            times.append(time.perf_counter() - t0)
        assert len(catalogue.lessons) == count and not catalogue.broken, catalogue.broken
    return {"lessons": count, "load_validate_ms": median_ms(times)}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    env = dict(os.environ)
    env.setdefault("JAX_PLATFORMS", "cpu")
    with WorkerPool(env=env, standby=True) as pool:
        info = pool.info()
        overhead = bench_overhead(pool, args.rounds)
        replacement = bench_replacement(pool, max(3, args.rounds // 3))
    cli = bench_cli_version(args.rounds)
    lessons = bench_lessons(max(3, args.rounds // 3))
    results = {
        "machine": machine(),
        "jax_version": info.jax_version,
        "device": info.default_device,
        **overhead,
        **replacement,
        **cli,
        **lessons,
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    rows = [
        ("eager+jit report, in-process (median)", f"{overhead['in_process_ms']:.1f} ms", ""),
        ("same report through the warm worker", f"{overhead['worker_ms']:.1f} ms", ""),
        ("worker overhead", f"{overhead['overhead_ms']:.1f} ms", "<= 20 ms"),
        ("crash -> crash report", f"{replacement['crash_report_ms']:.0f} ms", ""),
        (
            "crash -> next result (standby takes over)",
            f"{replacement['next_result_after_crash_ms']:.0f} ms",
            "<= 200 ms",
        ),
        (f"cold `{cli['command']}`", f"{cli['cli_version_ms']:.0f} ms", "<= 300 ms"),
        ("  (bare `python -c pass`)", f"{cli['bare_python_ms']:.0f} ms", ""),
        ("  imports jax?", "yes" if cli["imports_jax"] else "no", "no"),
        (f"load + validate {lessons['lessons']} lessons", f"{lessons['load_validate_ms']:.0f} ms", "<= 1000 ms"),
    ]
    print(f"machine: {results['machine']}; jax {results['jax_version']} on {results['device']}")
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'median':>10}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>10}  {target}")


if __name__ == "__main__":
    main()
