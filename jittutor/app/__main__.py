"""``python -m jittutor.app``: start the app directly, with the same settings and lesson packs as ``jittutor``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jittutor.app", description="The jittutor terminal app.")
    parser.add_argument("--lesson", metavar="ID", help="open this lesson first")
    parser.add_argument("--device", metavar="DEVICE", help="run on this device (cpu, cpu:1, gpu:0, ...)")
    parser.add_argument(
        "--lessons", action="append", type=Path, metavar="DIR", help="extra lesson directory (repeatable)"
    )
    parser.add_argument("--worker-cmd", metavar="CMD", help="command that starts a worker (default: this Python)")
    parser.add_argument("--mem-fraction", metavar="F", help="share of GPU memory the worker may take")
    args = parser.parse_args(argv)

    from jittutor.app.app import run_app
    from jittutor.config import load_settings
    from jittutor.errors import JittutorError

    try:
        settings = load_settings(lessons=args.lessons, worker_cmd=args.worker_cmd, mem_fraction=args.mem_fraction)
        return run_app(settings, lesson_id=args.lesson, device=args.device)
    except JittutorError as exc:
        print(f"jittutor: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
