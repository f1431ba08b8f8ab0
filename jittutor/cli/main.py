"""The ``jittutor`` command: the app by default, and a headless CLI for students, graders and instructors.

Exit codes: 0 success/passed, 1 failed (a check that did not pass, a run whose
cases did not all run and agree, invalid lessons), 2 bad usage or input (unknown
lesson, missing file, bad ``--args``, unknown device, a setting that cannot be
used). Every error the user can cause is a :class:`~jittutor.errors.JittutorError`;
this module turns it into one line on stderr and its exit code, in one place.

It never imports jax: work runs in a worker process. Heavy imports are done
inside the commands so ``jittutor --version`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from jittutor.cli.common import catalogue_for, settings_for
from jittutor.errors import EXIT_OK, EXIT_USAGE, JittutorError


def cmd_app(args: argparse.Namespace) -> int:
    """Open the Textual app (no command given) with this command line's settings."""
    try:
        from jittutor.app import run_app
    except ImportError as exc:
        print(f"jittutor: the terminal app is not available ({exc}); use the subcommands, see --help", file=sys.stderr)
        return EXIT_USAGE
    return run_app(settings_for(args), lesson_id=args.lesson, device=args.device, catalogue=catalogue_for(args))


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit code (errors the user caused are one line)."""
    from jittutor.cli.parser import SHARED_DEFAULTS, build_parser

    args = build_parser().parse_args(argv)
    for name, default in SHARED_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, default)
    try:
        if args.command is None:
            return cmd_app(args)
        return int(args.func(args))
    except JittutorError as exc:
        print(f"jittutor: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("jittutor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


def entry_point() -> None:
    """The ``jittutor`` console script."""
    sys.exit(main())
