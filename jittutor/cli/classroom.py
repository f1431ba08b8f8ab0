"""The room's commands: ``jittutor class DIR`` (the instructor's live view) and ``jittutor config name`` (who I am).

``class`` opens a Textual screen that re-reads the shared progress directory by
itself; ``--csv`` / ``--json`` print the same rows once, without Textual. It
never runs student code, so neither path imports jax. ``config name`` stores
the name a student goes by in that view (``settings.json``'s ``student``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from jittutor.cli.common import print_json, settings_for
from jittutor.errors import EXIT_OK, EXIT_USAGE, ConfigError, UsageError

DEFAULT_EVERY = 5.0  # seconds between two reads of the directory


def cmd_class(args: argparse.Namespace) -> int:
    """``jittutor class DIR``: the room, stuck longest first; live in a terminal, once with --csv/--json."""
    from jittutor.present.classroom import read_room, room_csv, room_document

    directory = Path(args.dir).expanduser()
    if not directory.is_dir():
        raise UsageError(f"{directory}: not a directory (the shared progress directory, JITTUTOR_PROGRESS_DIR)")
    if args.csv or args.json:
        now = time.time()
        room = read_room(directory, now)
        for problem in room.problems:
            print(f"warning: {problem}", file=sys.stderr)
        if args.csv:
            sys.stdout.write(room_csv(room, now))
        else:
            print_json(room_document(room, now))
        return EXIT_OK
    try:
        # Deferred: the one-off exports above need no Textual.
        from jittutor.app.class_app import run_class_app
    except ImportError as exc:
        print(f"jittutor: the terminal view is not available ({exc}); use --csv or --json", file=sys.stderr)
        return EXIT_USAGE
    return run_class_app(directory, every=args.every)


def cmd_config(args: argparse.Namespace) -> int:
    """``jittutor config name [NAME | --clear]``: the name the room sees; without NAME, print it."""
    from jittutor import config
    from jittutor.state.identity import identity_for, save_student_name

    root = config.home()
    if args.clear or args.value is not None:
        try:
            warnings = save_student_name(root, None if args.clear else args.value)
        except ConfigError as exc:
            raise UsageError(f"config name: {str(exc).removeprefix('name: ')}") from None
        except OSError as exc:
            raise UsageError(f"{root / config.SETTINGS_FILE}: cannot write ({exc.strerror or exc})") from None
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"saved in {root / config.SETTINGS_FILE}", file=sys.stderr)
        if os.environ.get(config.STUDENT_ENV, "").strip():
            print(f"note: {config.STUDENT_ENV} is set and wins over settings.json in this shell", file=sys.stderr)
    settings = settings_for(args)
    who = identity_for(root, settings.student)
    print(who.student)
    if not who.chosen:
        print(
            "(not chosen: the instructor's view shows your account, host and a hash of your home; "
            "choose a name with: jittutor config name NAME)",
            file=sys.stderr,
        )
    return EXIT_OK
