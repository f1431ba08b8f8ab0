"""The ``jittutor`` command line: every command, option and its help text."""

from __future__ import annotations

import argparse
from pathlib import Path

from jittutor import __version__
from jittutor.cli import student, watch, workshop

#: Options a command may lack (they are not in its parser); main() fills them in.
SHARED_DEFAULTS = {"lessons": None, "worker_cmd": None, "mem_fraction": None, "progress_dir": None, "standby": None}


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"must be 1..65535, got {text!r}")
    return value


def _option_parents() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser, argparse.ArgumentParser]:
    """(lesson options, worker options, running options), shared by the commands that take them.

    SUPPRESS: a sub-command must not reset what was given before it (``jittutor
    --lessons D list``). No set_defaults on these: parents share their action
    objects, so a default set on one parser would be set on all of them.
    """
    lesson_opts = argparse.ArgumentParser(add_help=False)
    lesson_opts.add_argument(
        "--lessons", action="append", type=Path, metavar="DIR", default=argparse.SUPPRESS,
        help="extra lesson directory (repeatable; also JITTUTOR_LESSONS)",
    )  # fmt: skip
    worker_opts = argparse.ArgumentParser(add_help=False)
    worker_opts.add_argument(
        "--worker-cmd", metavar="CMD", default=argparse.SUPPRESS,
        help="command that starts a worker, e.g. 'srun --gres=gpu:1 -n1 python -m jittutor.worker' "
        "(default: this python -m jittutor.worker; also JITTUTOR_WORKER_CMD or worker_cmd in settings.json)",
    )  # fmt: skip
    worker_opts.add_argument(
        "--mem-fraction", metavar="F", default=argparse.SUPPRESS,
        help="share of GPU memory the worker may take, 0 < F <= 1 (also JITTUTOR_MEM_FRACTION; "
        "passed to the worker as XLA_PYTHON_CLIENT_MEM_FRACTION)",
    )  # fmt: skip
    worker_opts.add_argument(
        "--standby", choices=("auto", "on", "off"), default=argparse.SUPPRESS,
        help="keep a pre-warmed second worker in the app (auto: only without --worker-cmd, since under a "
        "launcher each worker is a scheduler job; also JITTUTOR_STANDBY)",
    )  # fmt: skip
    running = argparse.ArgumentParser(add_help=False)
    running.add_argument("--device", metavar="D", help="cpu, gpu, cpu:N, cuda:N, ... (see `jittutor devices`)")
    running.add_argument(
        "--timeout", type=_positive_float, default=10.0, metavar="S", help="deadline per run in seconds (default 10)"
    )
    running.add_argument("--json", action="store_true", help="machine-readable output")
    running.add_argument(
        "--jaxpr", action="store_true", help="also show jax.make_jaxpr of the function for the first case"
    )
    return lesson_opts, worker_opts, running


def _student_commands(
    sub: argparse._SubParsersAction, common: argparse.ArgumentParser, running: argparse.ArgumentParser
) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("list", parents=[common], help="lessons in order, with your progress")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=student.cmd_list)

    p = sub.add_parser("show", parents=[common], help="a lesson's text, starter and docs link")
    p.add_argument("lesson", metavar="LESSON")
    p.set_defaults(func=student.cmd_show)

    p = sub.add_parser("start", parents=[common], help="write a lesson's starter to DIR/LESSON.py for your own editor")
    p.add_argument("lesson", metavar="LESSON")
    p.add_argument("dir", metavar="DIR", nargs="?", default=".", help="where to write it (default: here)")
    p.set_defaults(func=student.cmd_start)

    p = sub.add_parser(
        "check", parents=[common, running], help="check your code against a lesson (exit 0 passed, 1 not yet)"
    )
    p.add_argument("lesson", metavar="LESSON")
    p.add_argument(
        "file", metavar="FILE", nargs="?",
        help="your code (default: ./LESSON.py if it is here, else your saved draft, else the starter)",
    )  # fmt: skip
    which = p.add_mutually_exclusive_group()
    which.add_argument("--starter", action="store_true", help="check the lesson's starter")
    which.add_argument("--solution", action="store_true", help="check the lesson's solution")
    p.set_defaults(func=student.cmd_check)

    p = sub.add_parser("hint", parents=[common], help="reveal the next hint for your last check of a lesson")
    p.add_argument("lesson", metavar="LESSON")
    p.add_argument(
        "file", metavar="FILE", nargs="?",
        help="your code, for the solution diff at the end (default: ./LESSON.py if it is here, else your draft)",
    )  # fmt: skip
    p.set_defaults(func=student.cmd_hint)

    p = sub.add_parser(
        "watch", parents=[common], help="check your file on every save; h: next hint, q: quit",
        description="Checks FILE against the lesson now and after every save, with one warm worker. "
        "Keys: h reveals the next hint, r checks again, q (or ctrl+c) quits. From a pipe: one key a line.",
    )  # fmt: skip
    p.add_argument("lesson", metavar="LESSON")
    p.add_argument(
        "file", metavar="FILE", nargs="?",
        help="the file to watch (default: ./LESSON.py if it exists, else your saved draft)",
    )  # fmt: skip
    p.add_argument("--device", metavar="D", help="cpu, gpu, cpu:N, cuda:N, ... (see `jittutor devices`)")
    p.add_argument(
        "--timeout", type=_positive_float, default=10.0, metavar="S", help="deadline per run in seconds (default 10)"
    )
    p.set_defaults(func=watch.cmd_watch)

    _running_commands(sub, common, running)

    p = sub.add_parser("devices", parents=[common], help="devices the worker can run on")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=student.cmd_devices)


def _running_commands(
    sub: argparse._SubParsersAction, common: argparse.ArgumentParser, running: argparse.ArgumentParser
) -> None:  # type: ignore[type-arg]
    """``run`` and ``explain``: any function, any pasted error."""
    p = sub.add_parser("run", parents=[common, running], help="run any function with and without jit")
    p.add_argument("file", metavar="FILE", help="a Python file (- for stdin)")
    p.add_argument("--entry", required=True, metavar="NAME", help="the function to call")
    p.add_argument(
        "--args", action="append", required=True, metavar="EXPR",
        help="an argument list, e.g. 'jnp.ones(3), 2.0' (repeat for more cases)",
    )  # fmt: skip
    p.add_argument(
        "--max-compiles", type=int, metavar="N", help="fail if jit compiles more than N times across the cases"
    )
    p.set_defaults(func=student.cmd_run)

    p = sub.add_parser("explain", help="explain a pasted JAX error or traceback")
    p.add_argument("file", metavar="FILE", nargs="?", help="a file with the error text (default or -: stdin)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=student.cmd_explain)


def _workshop_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
    lesson_opts: argparse.ArgumentParser,
    worker_opts: argparse.ArgumentParser,
) -> None:
    p = sub.add_parser("validate", parents=[worker_opts], help="check lesson files (exit 1 if any is invalid)")
    p.add_argument(
        "paths", metavar="PATH", nargs="*", help="lesson files or directories (default: the built-in lessons)"
    )
    p.add_argument(
        "--contract", action="store_true",
        help="also run each lesson's starter (it must fail with starter_fails_with) and solution (it must pass)",
    )  # fmt: skip
    p.add_argument("--device", metavar="D", help="with --contract: the device to run on")
    p.add_argument(
        "--timeout",
        type=_positive_float,
        default=60.0,
        metavar="S",
        help="with --contract: deadline per run (default 60)",
    )
    p.set_defaults(func=workshop.cmd_validate)

    p = sub.add_parser("new", help="write a working lesson skeleton to edit (never overwrites)")
    p.add_argument("lesson_id", metavar="LESSON_ID", help="the new lesson's id: lowercase letters, digits, dashes")
    p.add_argument(
        "--dir", default=".", metavar="DIR", help="the lesson pack directory (default: here; created if missing)"
    )
    p.add_argument("--title", metavar="TEXT", help="the lesson's title")
    p.add_argument(
        "--order", type=int, default=1000, metavar="N", help="position in the list (built-in lessons use 10, 20, ...)"
    )
    p.set_defaults(func=workshop.cmd_new)

    p = sub.add_parser("progress", parents=[lesson_opts], help="export your progress, or collect a room's exports")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")
    p.add_argument(
        "--progress-dir", metavar="DIR",
        help="also write the export to DIR/USER@HOST.json for an instructor (also JITTUTOR_PROGRESS_DIR; "
        "then every `check` refreshes it)",
    )  # fmt: skip
    p.add_argument("--collect", metavar="DIR", help="merge every student's export in DIR into one table")
    p.set_defaults(func=workshop.cmd_progress)

    p = sub.add_parser("serve", parents=[common], help="serve the tutor to a web browser (textual-serve)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    p.add_argument(
        "--public-url", metavar="URL", help="the URL browsers use to reach this server, if not http://HOST:PORT"
    )
    p.add_argument("--lesson", metavar="ID", help="open this lesson first")
    p.add_argument("--device", metavar="D", help="device to start the app on")
    p.set_defaults(func=workshop.cmd_serve)


def _classroom_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from jittutor.cli import classroom  # here, so this block and its call are all the registration there is

    p = sub.add_parser("class", help="the instructor's live view of a room's progress directory (who is stuck)")
    p.add_argument("dir", metavar="DIR", help="the shared progress directory (the students' JITTUTOR_PROGRESS_DIR)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="print the rows once as CSV (no screen)")
    fmt.add_argument("--json", action="store_true", help="print the rows once as JSON, with each student's lessons")
    p.add_argument(
        "--every", type=_positive_float, default=classroom.DEFAULT_EVERY, metavar="S",
        help=f"seconds between two reads of DIR (default {classroom.DEFAULT_EVERY:g})",
    )  # fmt: skip
    p.set_defaults(func=classroom.cmd_class)

    p = sub.add_parser("config", help="your settings; `config name NAME`: the name the instructor's view shows")
    p.add_argument("key", choices=["name"], help="the setting (only `name` for now)")
    p.add_argument("value", metavar="NAME", nargs="?", help="the new value (without it: print the current one)")
    p.add_argument("--clear", action="store_true", help="forget the chosen name")
    p.set_defaults(func=classroom.cmd_config)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the app's options, then one sub-command per task."""
    lesson_opts, worker_opts, running = _option_parents()
    common = argparse.ArgumentParser(add_help=False, parents=[lesson_opts, worker_opts])
    parser = argparse.ArgumentParser(
        prog="jittutor",
        description="A terminal tutor for the subtleties of jax.jit. With no command, opens the tutor.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"jittutor {__version__}")
    parser.add_argument("--lesson", metavar="ID", help="open this lesson in the app")
    parser.add_argument("--device", metavar="D", help="device to start the app on")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _student_commands(sub, common, running)
    _workshop_commands(sub, common, lesson_opts, worker_opts)
    _classroom_commands(sub)
    return parser
