"""First paint of the app vs a bare Textual app, in a real terminal (tmux).

    python benchmarks/bench_app.py [--rounds N] [--json]

Each round starts the program in a fresh detached tmux session (100x32) and
polls ``tmux capture-pane`` every 5 ms until the expected text is on screen;
the time from launch to that moment is the first paint as a person would see
it. Both programs are measured in the same run, interleaved, and compared as a
ratio (target: jittutor <= 2.5x the bare app). Printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Static

class Bare(App):
    def compose(self):
        yield Static("bare textual app ready")
        yield Footer()

Bare().run()
"""


def first_paint(command: str, needle: str, env: dict[str, str], timeout: float = 60.0) -> float:
    session = f"bench{os.getpid()}{time.monotonic_ns()}"
    t0 = time.perf_counter()
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "32", command],
        check=True,
        env=env,
    )
    try:
        while time.perf_counter() - t0 < timeout:
            screen = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
            ).stdout
            if needle in screen:
                return time.perf_counter() - t0
            time.sleep(0.005)
        raise TimeoutError(f"{needle!r} never appeared for {command}")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("bench_app needs tmux")
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE_APP)
        env = dict(os.environ, JITTUTOR_HOME=str(Path(tmp) / "home"), TERM="xterm-256color")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
        python = shlex.quote(sys.executable)
        bare_cmd = f"{python} {shlex.quote(str(bare))}"
        tutor_cmd = f"{python} -m jittutor --lesson static-args"
        bare_times, tutor_times = [], []
        first_paint(bare_cmd, "ready", env)  # warm the file cache for both
        first_paint(tutor_cmd, "cond_func", env)
        for _ in range(args.rounds):
            bare_times.append(first_paint(bare_cmd, "ready", env))
            tutor_times.append(first_paint(tutor_cmd, "cond_func", env))
    bare_ms = statistics.median(bare_times) * 1e3
    tutor_ms = statistics.median(tutor_times) * 1e3
    results = {"bare_textual_ms": bare_ms, "jittutor_ms": tutor_ms, "ratio": tutor_ms / bare_ms, "rounds": args.rounds}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'measure':<44}{'median':>10}  target")
    print(f"{'first paint, bare Textual app':<44}{bare_ms:>8.0f} ms")
    print(f"{'first paint, jittutor --lesson static-args':<44}{tutor_ms:>8.0f} ms")
    print(f"{'ratio':<44}{results['ratio']:>9.2f}x  <= 2.5x")


if __name__ == "__main__":
    main()
