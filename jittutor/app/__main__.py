"""``python -m jittutor.app``: start the app directly (the ``jittutor`` CLI calls the same ``run_app``)."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jittutor.app", description="The jittutor terminal app.")
    parser.add_argument("--lesson", metavar="ID", help="open this lesson first")
    parser.add_argument("--device", metavar="DEVICE", help="run on this device (cpu, cpu:1, gpu:0, ...)")
    parser.add_argument("--worker-cmd", metavar="CMD", help="command that starts a worker (default: this Python)")
    args = parser.parse_args(argv)

    from jittutor.app.app import run_app

    return run_app(lesson_id=args.lesson, device=args.device, worker_cmd=args.worker_cmd)


if __name__ == "__main__":
    sys.exit(main())
