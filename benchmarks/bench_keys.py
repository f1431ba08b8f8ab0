"""Keystroke latency in the app while a huge result arrives, in a real terminal (tmux).

    python benchmarks/bench_keys.py [--rounds N] [--json]

What a student feels after pressing F5 on code that prints megabytes and
raises an exception with a 20 MB message (the worst report student code can
make; every field is capped, issue 13.3): does the editor still answer?

Each round starts the app in a fresh detached tmux session (100x32, a fresh
JITTUTOR_HOME, a real JAX worker), waits for the worker, presses F5 and then
types one character at a time into the editor, timing each from `send-keys`
to the moment `capture-pane` shows it, until the verdict is on screen and a
few keystrokes after. The same is done with code that prints one line and
raises a short error. Printed, never asserted (the machines are shared):
the figure to read is the ratio of the slowest keystroke with the huge report
to the slowest with the small one, measured in the same run.
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
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROBE = "q"  # typed into the editor, one per keystroke (the lessons' code has no q)
AFTER_VERDICT = 5  # keystrokes timed once the verdict is on screen
VERDICT = "NOT YET"  # the verdict line of a failed check

LESSON = """\
id: {id}
title: {title}
order: {order}
summary: A benchmark lesson.
docs: https://docs.jax.dev/en/latest/errors.html
explanation: |
  # {title}

  Code that prints and then raises.
entry: f
starter: |
{starter}
solution: |
  def f(x):
      return x
starter_fails_with: exception
cases:
  - args: "1.0"
hints:
  - Read the error's last line.
  - Return x instead of raising.
"""

SMALL = """\
# probe:
def f(x):
    print("one line")
    raise ValueError("a short message")
"""

# 2 MB of output (capped at 1 MB) and a 20 MB message (capped, with a note).
HUGE = """\
# probe:
def f(x):
    for i in range(20000):
        print("line", i, "x" * 90)
    raise ValueError("y" * 20_000_000)
"""


def write_pack(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for order, (lesson_id, title, code) in enumerate(
        (("small-report", "Small report", SMALL), ("huge-report", "Huge report", HUGE)), start=1
    ):
        starter = textwrap.indent(code, "  ")
        text = LESSON.format(id=lesson_id, title=title, order=order, starter=starter)
        (directory / f"{lesson_id}.yaml").write_text(text)


class Terminal:
    def __init__(self, command: str, env: dict[str, str]) -> None:
        self.session = f"keys{os.getpid()}{time.monotonic_ns()}"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.session, "-x", "100", "-y", "32", command], check=True, env=env
        )

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.session], capture_output=True, text=True).stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.session, *keys], check=True)

    def wait(self, needle: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.screen():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{needle!r} never appeared; the screen shows:\n{self.screen()}")
            time.sleep(0.05)

    def close(self) -> None:
        """Quit as a student would (ctrl+q), so the app has saved its draft before the home goes."""
        subprocess.run(["tmux", "send-keys", "-t", self.session, "C-q"], capture_output=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if subprocess.run(["tmux", "has-session", "-t", self.session], capture_output=True).returncode != 0:
                return
            time.sleep(0.1)
        subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True)


def probes_on_screen(screen: str) -> int:
    """How many probe characters the editor shows (after a run the cursor may sit on the error's line)."""
    lines = screen.splitlines()
    top = next((i for i, line in enumerate(lines) if ".py ▔" in line), None)
    if top is None:
        return -1
    bottom = next((i for i in range(top + 1, len(lines)) if "▁▁▁▁" in lines[i]), len(lines))
    return sum(line.count(PROBE) for line in lines[top + 1 : bottom])


def keystroke(term: Terminal, typed: int, timeout: float = 120.0) -> float:
    """Type one probe; seconds until the screen shows it."""
    t0 = time.perf_counter()
    term.keys(PROBE)
    while probes_on_screen(term.screen()) < typed + 1:
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError(f"a keystroke never showed; the screen shows:\n{term.screen()}")
        time.sleep(0.002)
    return time.perf_counter() - t0


def one_round(lesson_id: str, pack: Path, env: dict[str, str]) -> dict[str, float]:
    command = f"{shlex.quote(sys.executable)} -m jittutor --lessons {shlex.quote(str(pack))} --lesson {lesson_id}"
    term = Terminal(command, env)
    try:
        term.wait("worker ready")
        term.wait("# probe:")
        term.keys("End")
        idle = [keystroke(term, n) for n in range(5)]
        typed = len(idle)
        # Run the code as it was when F5 was pressed; the probes only touch the draft after it.
        term.keys("F5")
        t_run = time.perf_counter()
        during: list[float] = []
        after = 0
        while after < AFTER_VERDICT:
            during.append(keystroke(term, typed))
            typed += 1
            if VERDICT in term.screen():
                after += 1
            if time.perf_counter() - t_run > 300:
                raise TimeoutError("no verdict after 300 s")
        return {
            "idle_median_ms": statistics.median(idle) * 1e3,
            "during_median_ms": statistics.median(during) * 1e3,
            "during_max_ms": max(during) * 1e3,
            "keystrokes": len(during),
            "to_verdict_s": time.perf_counter() - t_run,
        }
    finally:
        term.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("bench_keys needs tmux")
    rows: dict[str, list[dict[str, float]]] = {"small-report": [], "huge-report": []}
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        pack = Path(tmp) / "pack"
        write_pack(pack)
        for n in range(args.rounds):
            for lesson_id in rows:  # interleaved, so load on the machine hits both alike
                env = dict(os.environ, JITTUTOR_HOME=str(Path(tmp) / f"home-{lesson_id}-{n}"), TERM="xterm-256color")
                env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
                env.setdefault("JAX_PLATFORMS", "cpu")
                rows[lesson_id].append(one_round(lesson_id, pack, env))
    summary = {
        lesson_id: {key: statistics.median(r[key] for r in runs) for key in runs[0]} for lesson_id, runs in rows.items()
    }
    summary["ratio_worst_keystroke"] = (
        summary["huge-report"]["during_max_ms"] / summary["small-report"]["during_max_ms"]
    )
    summary["rounds"] = args.rounds
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"{'medians over ' + str(args.rounds) + ' rounds':<38}{'small report':>14}{'huge report':>14}")
    for key, label, unit in (
        ("idle_median_ms", "keystroke, idle", "ms"),
        ("during_median_ms", "keystroke, F5 to verdict (median)", "ms"),
        ("during_max_ms", "keystroke, F5 to verdict (slowest)", "ms"),
        ("keystrokes", "keystrokes timed", ""),
        ("to_verdict_s", "F5 to verdict", "s"),
    ):
        small, huge = summary["small-report"][key], summary["huge-report"][key]
        print(f"{label:<38}{small:>11.0f} {unit:<2}{huge:>11.0f} {unit:<2}")
    print(f"{'slowest keystroke, huge / small':<38}{summary['ratio_worst_keystroke']:>27.2f}x")


if __name__ == "__main__":
    main()
