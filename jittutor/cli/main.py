"""The ``jittutor`` command: the app by default, and a headless CLI for graders.

Exit codes: 0 success/passed, 1 failed (a check that did not pass, a run whose
cases did not all run and agree, invalid lessons), 2 bad usage or input (unknown
lesson, missing file, bad ``--args``, unknown device).

This module holds the parser, ``main``, the plumbing every command shares and
the student's commands; the workshop commands (``new``, ``progress``, ``serve``,
``validate --contract``) live in :mod:`jittutor.cli.workshop`.

It never imports jax: work runs in a worker process. Heavy imports are done
inside the commands so ``jittutor --version`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jittutor import __version__

if TYPE_CHECKING:
    from jittutor.engine.launch import WorkerLaunch
    from jittutor.engine.pool import WorkerPool
    from jittutor.engine.protocol import RunReport, RunRequest
    from jittutor.lessons.catalogue import Catalogue

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


# --- shared plumbing ------------------------------------------------------------


def _lesson_dirs(args: argparse.Namespace) -> list[Path] | None:
    extra = list(getattr(args, "lessons", None) or [])
    env = os.environ.get("JITTUTOR_LESSONS")
    if env:
        extra = [Path(p) for p in env.split(os.pathsep) if p] + extra
    if not extra:
        return None
    from jittutor.lessons.catalogue import builtin_lessons_dir

    for d in extra:
        if not Path(d).is_dir():
            raise UsageError(f"--lessons {d}: not a directory")
    return [builtin_lessons_dir(), *[Path(d) for d in extra]]


def catalogue_for(args: argparse.Namespace) -> Catalogue:
    """The built-in lessons plus those in --lessons and JITTUTOR_LESSONS directories."""
    from jittutor.lessons.catalogue import load_catalogue

    return load_catalogue(_lesson_dirs(args))


def launch_for(args: argparse.Namespace) -> WorkerLaunch:
    """The worker command and memory share: options, then environment, then settings.json."""
    from jittutor import config as locations
    from jittutor.engine.launch import LaunchError, resolve_launch
    from jittutor.state.store import State

    try:
        return resolve_launch(args.worker_cmd, args.mem_fraction, State(home=locations.home()).settings())
    except LaunchError as exc:
        raise UsageError(str(exc)) from None


@contextlib.contextmanager
def worker_pool(args: argparse.Namespace) -> Iterator[WorkerPool]:
    """A one-shot worker pool that says so when its worker is slow to start (a queue)."""
    from jittutor.engine.launch import StartNotice
    from jittutor.engine.pool import WorkerPool

    launch = launch_for(args)
    notice = StartNotice()
    # One-shot commands need no standby: it would only double the start-up work.
    pool = WorkerPool(launch.command, standby=False, env=launch.env(), on_status=notice)
    try:
        yield pool
    finally:
        notice.cancel()
        # On ctrl+c too: this kills the launcher's whole process group (srun, ssh and their children).
        pool.close()


def _run(args: argparse.Namespace, pool: WorkerPool, request: RunRequest) -> RunReport:
    from jittutor.engine.devices import DeviceNotFound, resolve_device

    info = pool.info()
    try:
        device = resolve_device(args.device, info.devices, info.default_device)
    except DeviceNotFound as exc:
        raise UsageError(f"--device: {exc}") from None
    request.device = device.name
    return pool.run(request, timeout=args.timeout)


def _read_source(path: str) -> str:
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a Python file") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout; values JSON lacks (paths, ...) as strings."""
    print(json.dumps(data, indent=2, default=str))


# --- commands ------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    from jittutor.state.store import State

    catalogue = catalogue_for(args)
    state = State.load()
    for warning in state.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    rows = []
    for n, lesson in enumerate(catalogue.lessons, 1):
        rows.append({"n": n, "id": lesson.id, "title": lesson.title, "status": state.status(lesson.id)})
    broken = [{"path": str(b.path), "errors": [str(e) for e in b.errors]} for b in catalogue.broken]
    if args.json:
        print_json({"lessons": rows, "broken": broken})
        return EXIT_OK
    marks = {"done": "[x]", "in-progress": "[~]", "not-started": "[ ]"}
    width = max((len(r["id"]) for r in rows), default=2)
    for r in rows:
        print(f"{r['n']:>3}. {marks[r['status']]} {r['id']:<{width}}  {r['title']}")
    for b in broken:
        print(f"  !  broken: {b['errors'][0] if b['errors'] else b['path']}")
    return EXIT_OK


def _get_lesson(catalogue: Catalogue, lesson_id: str):  # type: ignore[no-untyped-def]
    try:
        return catalogue.get(lesson_id)
    except KeyError as exc:
        message = exc.args[0] if exc.args else f"unknown lesson {lesson_id!r}"
        raise UsageError(str(message)) from None


def cmd_show(args: argparse.Namespace) -> int:
    catalogue = catalogue_for(args)
    lesson = _get_lesson(catalogue, args.lesson)
    print(f"# {lesson.title}  ({lesson.id})\n")
    print(lesson.explanation.rstrip())
    print(f"\nJAX docs: {lesson.docs}")
    if lesson.setup.strip():
        print("\n## Setup (defined for you)\n")
        print(lesson.setup.rstrip())
    print(f"\n## Starter (the tutor runs `{lesson.entry}`)\n")
    print(lesson.starter.rstrip())
    print("\n## Cases\n")
    for case in lesson.cases:
        expect = f"  -> expect {case.expect}" if case.expect else ""
        print(f"  {lesson.entry}({case.args}){expect}")
    print(f"\nCheck your work: jittutor check {lesson.id} FILE")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from jittutor.present.tables import format_report, report_json
    from jittutor.state.store import State
    from jittutor.tutoring.grading import grade, lesson_request

    catalogue = catalogue_for(args)
    lesson = _get_lesson(catalogue, args.lesson)
    state = State.load()
    if args.starter:
        source, origin = lesson.starter, "the starter"
    elif args.solution:
        source, origin = lesson.solution, "the solution"
    elif args.file:
        source, origin = _read_source(args.file), args.file
    else:
        draft = state.load_draft(lesson.id)
        source, origin = (draft, "your saved draft") if draft is not None else (lesson.starter, "the starter")
    request = lesson_request(lesson, source, None, jaxpr=args.jaxpr)
    with worker_pool(args) as pool:
        report = _run(args, pool, request)
    verdict = grade(lesson, report)
    if not (args.starter or args.solution):
        state.record_attempt(lesson.id, verdict.passed, report.device, report.jax_version)
        from jittutor.cli.workshop import publish_progress

        publish_progress(args)
    if args.json:
        print_json(report_json(report, verdict, lesson.id))
    else:
        print(format_report(report, verdict, title=f"{lesson.title} ({lesson.id}): checking {origin}"))
        if report.jaxpr:
            print("\njaxpr of the first case:\n" + report.jaxpr)
    return EXIT_OK if verdict.passed else EXIT_FAILED


def cmd_run(args: argparse.Namespace) -> int:
    from jittutor.present.tables import format_report, report_json
    from jittutor.tutoring.grading import assess, free_request

    source = sys.stdin.read() if args.file == "-" else _read_source(args.file)
    if not args.entry.isidentifier():
        raise UsageError(f"--entry {args.entry!r}: not a Python name")
    for expr in args.args:
        try:
            compile(f"f({expr})", "--args", "eval")
        except SyntaxError as exc:
            raise UsageError(f"--args {expr!r}: not a valid argument list ({exc.msg})") from None
    request = free_request(source, args.entry, args.args, None, filename=Path(args.file).name, jaxpr=args.jaxpr)
    with worker_pool(args) as pool:
        report = _run(args, pool, request)
    checks: dict[str, Any] = {}
    if args.max_compiles is not None:
        checks["max_compiles"] = args.max_compiles
    verdict = assess(report, **checks)
    if args.json:
        print_json(report_json(report, verdict))
    else:
        print(format_report(report, verdict, title=f"{args.file}: {args.entry}"))
        if report.jaxpr:
            print("\njaxpr of the first case:\n" + report.jaxpr)
    return EXIT_OK if verdict.passed else EXIT_FAILED


def cmd_explain(args: argparse.Namespace) -> int:
    from jittutor.diagnosis import explain_text

    if args.file in (None, "-"):
        if sys.stdin.isatty():
            print("Paste the error or traceback, then press ctrl+d:", file=sys.stderr)
        text = sys.stdin.read()
    else:
        text = _read_source(args.file)
    result = explain_text(text)
    if args.json:
        print_json(
            {
                "kind": result.kind,
                "type": result.type,
                "title": result.title,
                "message": result.message,
                "line": result.line,
                "filename": result.filename,
                "code": result.code,
                "explanation": result.explanation,
                "hints": list(result.hints),
                "docs": result.docs,
            }
        )
        return EXIT_OK
    import textwrap

    print(f"{result.kind}: {result.title}")
    if result.type or result.message:
        print(textwrap.indent(f"{result.type or 'error'}: {result.message}".strip(), "  | "))
    if result.line is not None:
        print(f"  at {result.filename or '?'}, line {result.line}: {result.code or ''}")
    print()
    print(textwrap.fill(result.explanation, 88))
    print("\nhints:")
    for n, hint in enumerate(result.hints, 1):
        print(f"  {n}. " + textwrap.fill(hint, 84, subsequent_indent="     "))
    print(f"\ndocs: {result.docs}")
    return EXIT_OK


def cmd_devices(args: argparse.Namespace) -> int:
    with worker_pool(args) as pool:
        info = pool.info()
    if args.json:
        print_json(
            {
                "jax_version": info.jax_version,
                "default": info.default_device,
                "host": info.host,
                "devices": [vars(d) for d in info.devices],
            }
        )
        return EXIT_OK
    print(f"jax {info.jax_version} on {info.host or 'this host'} (python {info.python})")
    for d in info.devices:
        mark = "*" if d.name == info.default_device else " "
        mem = ""
        if d.memory_limit:
            mem = f"  memory {d.memory_in_use or 0:,} / {d.memory_limit:,} bytes in use"
        print(f" {mark} {d.name:<8} {d.kind}{mem}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from jittutor.lessons.catalogue import builtin_lessons_dir, validate_paths

    paths = [Path(p) for p in args.paths] or [builtin_lessons_dir()]
    for p in paths:
        if not p.exists():
            raise UsageError(f"{p}: no such file or directory")
    errors = validate_paths(paths)
    for e in errors:
        print(e)
    if errors:
        files = len({e.path for e in errors})
        print(f"{len(errors)} problem(s) in {files} file(s)", file=sys.stderr)
        return EXIT_FAILED
    print("all lessons valid")
    if not args.contract:
        return EXIT_OK
    from jittutor.cli.workshop import check_contracts

    return check_contracts(args, paths)


def cmd_app(args: argparse.Namespace) -> int:
    try:
        from jittutor.app import run_app
    except ImportError as exc:
        print(f"jittutor: the terminal app is not available ({exc}); use the subcommands, see --help", file=sys.stderr)
        return EXIT_USAGE
    from jittutor.engine.launch import MEM_FRACTION_ENV, format_fraction

    launch = launch_for(args)
    if launch.mem_fraction is not None:
        # The app's pool starts its workers with this process's environment.
        os.environ[MEM_FRACTION_ENV] = format_fraction(launch.mem_fraction)
    return run_app(
        lesson_id=args.lesson,
        device=args.device,
        worker_cmd=launch.command,
        lesson_dirs=_lesson_dirs(args),
    )


# --- parser ---------------------------------------------------------------------------


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


#: Options every command that may use them reads with getattr-like defaults (see main()).
_SHARED_DEFAULTS = {"lessons": None, "worker_cmd": None, "mem_fraction": None}


def build_parser() -> argparse.ArgumentParser:
    from jittutor.cli import workshop  # imported here: it imports this module's plumbing

    # SUPPRESS: a sub-command must not reset what was given before it (jittutor --lessons D list).
    # No set_defaults for these on any parser: parents share their action objects, so a default
    # set on one parser would be set on all of them. main() fills in the missing ones.
    lesson_opts = argparse.ArgumentParser(add_help=False)
    lesson_opts.add_argument(
        "--lessons", action="append", type=Path, metavar="DIR", default=argparse.SUPPRESS,
        help="extra lesson directory (repeatable; also JITTUTOR_LESSONS)",
    )
    worker_opts = argparse.ArgumentParser(add_help=False)
    worker_opts.add_argument(
        "--worker-cmd", metavar="CMD", default=argparse.SUPPRESS,
        help="command that starts a worker, e.g. 'srun --gres=gpu:1 -n1 python -m jittutor.worker' "
        "(default: this python -m jittutor.worker; also JITTUTOR_WORKER_CMD or worker_cmd in settings.json)",
    )
    worker_opts.add_argument(
        "--mem-fraction", metavar="F", default=argparse.SUPPRESS,
        help="share of GPU memory the worker may take, 0 < F <= 1 (also JITTUTOR_MEM_FRACTION; "
        "passed to the worker as XLA_PYTHON_CLIENT_MEM_FRACTION)",
    )
    common = argparse.ArgumentParser(add_help=False, parents=[lesson_opts, worker_opts])

    running = argparse.ArgumentParser(add_help=False)
    running.add_argument("--device", metavar="D", help="cpu, gpu, cpu:N, cuda:N, ... (see `jittutor devices`)")
    running.add_argument("--timeout", type=_positive_float, default=10.0, metavar="S", help="deadline per run in seconds (default 10)")
    running.add_argument("--json", action="store_true", help="machine-readable output")
    running.add_argument("--jaxpr", action="store_true", help="also show jax.make_jaxpr of the function for the first case")

    parser = argparse.ArgumentParser(
        prog="jittutor",
        description="A terminal tutor for the subtleties of jax.jit. With no command, opens the tutor.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"jittutor {__version__}")
    parser.add_argument("--lesson", metavar="ID", help="open this lesson in the app")
    parser.add_argument("--device", metavar="D", help="device to start the app on")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("list", parents=[common], help="lessons in order, with your progress")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", parents=[common], help="a lesson's text, starter and docs link")
    p.add_argument("lesson", metavar="LESSON")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("check", parents=[common, running], help="check your code against a lesson (exit 0 passed, 1 not yet)")
    p.add_argument("lesson", metavar="LESSON")
    p.add_argument("file", metavar="FILE", nargs="?", help="your code (default: your saved draft, else the starter)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--starter", action="store_true", help="check the lesson's starter")
    which.add_argument("--solution", action="store_true", help="check the lesson's solution")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("run", parents=[common, running], help="run any function with and without jit")
    p.add_argument("file", metavar="FILE", help="a Python file (- for stdin)")
    p.add_argument("--entry", required=True, metavar="NAME", help="the function to call")
    p.add_argument("--args", action="append", required=True, metavar="EXPR", help="an argument list, e.g. 'jnp.ones(3), 2.0' (repeat for more cases)")
    p.add_argument("--max-compiles", type=int, metavar="N", help="fail if jit compiles more than N times across the cases")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("explain", help="explain a pasted JAX error or traceback")
    p.add_argument("file", metavar="FILE", nargs="?", help="a file with the error text (default or -: stdin)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("devices", parents=[common], help="devices the worker can run on")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_devices)

    p = sub.add_parser("validate", parents=[worker_opts], help="check lesson files (exit 1 if any is invalid)")
    p.add_argument("paths", metavar="PATH", nargs="*", help="lesson files or directories (default: the built-in lessons)")
    p.add_argument(
        "--contract", action="store_true",
        help="also run each lesson's starter (it must fail with starter_fails_with) and solution (it must pass)",
    )
    p.add_argument("--device", metavar="D", help="with --contract: the device to run on")
    p.add_argument("--timeout", type=_positive_float, default=60.0, metavar="S", help="with --contract: deadline per run (default 60)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("new", help="write a working lesson skeleton to edit (never overwrites)")
    p.add_argument("lesson_id", metavar="LESSON_ID", help="the new lesson's id: lowercase letters, digits, dashes")
    p.add_argument("--dir", default=".", metavar="DIR", help="the lesson pack directory (default: here; created if missing)")
    p.add_argument("--title", metavar="TEXT", help="the lesson's title")
    p.add_argument("--order", type=int, default=1000, metavar="N", help="position in the list (built-in lessons use 10, 20, ...)")
    p.set_defaults(func=workshop.cmd_new)

    p = sub.add_parser("progress", parents=[lesson_opts], help="export your progress, or collect a room's exports")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")
    p.add_argument(
        "--progress-dir", metavar="DIR",
        help="also write the export to DIR/USER@HOST.json for an instructor (also JITTUTOR_PROGRESS_DIR; "
        "then every `check` refreshes it)",
    )
    p.add_argument("--collect", metavar="DIR", help="merge every student's export in DIR into one table")
    p.set_defaults(func=workshop.cmd_progress)

    p = sub.add_parser("serve", parents=[common], help="serve the tutor to a web browser (textual-serve)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--public-url", metavar="URL", help="the URL browsers use to reach this server, if not http://HOST:PORT")
    p.add_argument("--lesson", metavar="ID", help="open this lesson first")
    p.add_argument("--device", metavar="D", help="device to start the app on")
    p.set_defaults(func=workshop.cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for name, default in _SHARED_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, default)
    from jittutor.engine.pool import EngineError

    try:
        if args.command is None:
            return cmd_app(args)
        return int(args.func(args))
    except UsageError as exc:
        print(f"jittutor: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except EngineError as exc:
        print(f"jittutor: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("jittutor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


def entry_point() -> None:
    sys.exit(main())
