"""The ``jittutor`` command: the app by default, and a headless CLI for graders.

Exit codes: 0 success/passed, 1 failed (a check that did not pass, a run whose
cases did not all run and agree, invalid lessons), 2 bad usage or input (unknown
lesson, missing file, bad ``--args``, unknown device).

This module never imports jax: work runs in a worker process. Heavy imports are
done inside the commands so ``jittutor --version`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jittutor import __version__

if TYPE_CHECKING:
    from jittutor.catalogue import Catalogue
    from jittutor.engine.protocol import RunReport, RunRequest
    from jittutor.engine.supervisor import WorkerPool

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
    from jittutor.catalogue import builtin_lessons_dir

    for d in extra:
        if not Path(d).is_dir():
            raise UsageError(f"--lessons {d}: not a directory")
    return [builtin_lessons_dir(), *[Path(d) for d in extra]]


def _catalogue(args: argparse.Namespace) -> Catalogue:
    from jittutor.catalogue import load_catalogue

    return load_catalogue(_lesson_dirs(args))


def _warn_broken(catalogue: Catalogue) -> None:
    for broken in catalogue.broken:
        first = broken.errors[0] if broken.errors else f"{broken.path}: broken"
        print(f"warning: skipped broken lesson {first}", file=sys.stderr)


def _pool(args: argparse.Namespace) -> WorkerPool:
    from jittutor.engine.supervisor import WorkerPool

    # One-shot commands need no standby: it would only double the start-up work.
    return WorkerPool(args.worker_cmd or os.environ.get("JITTUTOR_WORKER_CMD"), standby=False)


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


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


# --- commands ------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    from jittutor.state import State

    catalogue = _catalogue(args)
    state = State.load()
    for warning in state.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    rows = []
    for n, lesson in enumerate(catalogue.lessons, 1):
        rows.append({"n": n, "id": lesson.id, "title": lesson.title, "status": state.status(lesson.id)})
    broken = [{"path": str(b.path), "errors": [str(e) for e in b.errors]} for b in catalogue.broken]
    if args.json:
        _print_json({"lessons": rows, "broken": broken})
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
    catalogue = _catalogue(args)
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
    from jittutor.grading import grade, lesson_request
    from jittutor.reporting import format_report, report_json
    from jittutor.state import State

    catalogue = _catalogue(args)
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
    with _pool(args) as pool:
        report = _run(args, pool, request)
    verdict = grade(lesson, report)
    if not (args.starter or args.solution):
        state.record_attempt(lesson.id, verdict.passed, report.device, report.jax_version)
    if args.json:
        _print_json(report_json(report, verdict, lesson.id))
    else:
        print(format_report(report, verdict, title=f"{lesson.title} ({lesson.id}): checking {origin}"))
        if report.jaxpr:
            print("\njaxpr of the first case:\n" + report.jaxpr)
    return EXIT_OK if verdict.passed else EXIT_FAILED


def cmd_run(args: argparse.Namespace) -> int:
    from jittutor.grading import assess, free_request
    from jittutor.reporting import format_report, report_json

    source = sys.stdin.read() if args.file == "-" else _read_source(args.file)
    if not args.entry.isidentifier():
        raise UsageError(f"--entry {args.entry!r}: not a Python name")
    for expr in args.args:
        try:
            compile(f"f({expr})", "--args", "eval")
        except SyntaxError as exc:
            raise UsageError(f"--args {expr!r}: not a valid argument list ({exc.msg})") from None
    request = free_request(source, args.entry, args.args, None, filename=Path(args.file).name, jaxpr=args.jaxpr)
    with _pool(args) as pool:
        report = _run(args, pool, request)
    checks: dict[str, Any] = {}
    if args.max_compiles is not None:
        checks["max_compiles"] = args.max_compiles
    verdict = assess(report, **checks)
    if args.json:
        _print_json(report_json(report, verdict))
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
        _print_json(
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
    with _pool(args) as pool:
        info = pool.info()
    if args.json:
        _print_json(
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
    from jittutor.catalogue import builtin_lessons_dir, validate_paths

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
    return EXIT_OK


def cmd_app(args: argparse.Namespace) -> int:
    try:
        from jittutor.app import run_app
    except ImportError as exc:
        print(f"jittutor: the terminal app is not available ({exc}); use the subcommands, see --help", file=sys.stderr)
        return EXIT_USAGE
    return run_app(
        lesson_id=args.lesson,
        device=args.device,
        worker_cmd=args.worker_cmd or os.environ.get("JITTUTOR_WORKER_CMD"),
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


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a sub-command must not reset what was given before it (jittutor --lessons D list).
    common.add_argument(
        "--lessons", action="append", type=Path, metavar="DIR", default=argparse.SUPPRESS,
        help="extra lesson directory (repeatable; also JITTUTOR_LESSONS)",
    )
    common.add_argument(
        "--worker-cmd", metavar="CMD", default=argparse.SUPPRESS,
        help="command that starts a worker (default: this python -m jittutor.worker; also JITTUTOR_WORKER_CMD)",
    )

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
    parser.set_defaults(lessons=None, worker_cmd=None)
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

    p = sub.add_parser("validate", help="check lesson files (exit 1 if any is invalid)")
    p.add_argument("paths", metavar="PATH", nargs="*", help="lesson files or directories (default: the built-in lessons)")
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from jittutor.engine.supervisor import EngineError

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
