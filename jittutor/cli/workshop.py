"""The workshop commands of ``jittutor``: for authors and instructors rather than students.

``new`` (a lesson skeleton), ``validate --contract`` (every starter fails, every
solution passes), ``progress`` (export, publish, collect a room's progress) and
``serve`` (the tutor in a browser). Like the rest of the front, it never imports
jax, and its heavy imports are done inside the commands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jittutor.cli.common import catalogue_for, load_state, print_json, settings_for, worker_pool
from jittutor.errors import EXIT_FAILED, EXIT_OK, UsageError


def cmd_validate(args: argparse.Namespace) -> int:
    """``jittutor validate``: every problem in lesson files; ``--contract`` also runs starters and solutions."""
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
    return check_contracts(args, paths)


def check_contracts(args: argparse.Namespace, paths: list[Path]) -> int:
    """Run every lesson's starter and solution through a worker: one line per lesson."""
    from jittutor.lessons.catalogue import load_catalogue
    from jittutor.lessons.validate import load_lesson
    from jittutor.tutoring.contract import check_contract

    lessons = []
    for p in paths:
        lessons += load_catalogue([p]).lessons if p.is_dir() else [load_lesson(p)]
    failed = 0
    with worker_pool(args) as pool:
        device = None
        if args.device:
            from jittutor.engine.devices import resolve_device

            info = pool.info()
            device = resolve_device(args.device, info.devices, info.default_device).name
        for lesson in lessons:
            result = check_contract(lesson, pool, device, timeout=args.timeout)
            failed += not result.ok
            print(result.line(), flush=True)
    if failed:
        print(f"{failed} of {len(lessons)} lesson(s) break the contract", file=sys.stderr)
        return EXIT_FAILED
    print(f"all {len(lessons)} lesson(s) keep the contract")
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    """``jittutor new``: a working lesson skeleton to edit (never overwrites)."""
    from jittutor.lessons.scaffold import ScaffoldError, new_lesson

    try:
        path = new_lesson(args.lesson_id, Path(args.dir), title=args.title, order=args.order)
    except ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {path}")
    print(f"next: edit it, then run: jittutor validate {args.dir} --contract")
    print(f"      try it as a student: jittutor --lessons {args.dir} --lesson {args.lesson_id}")
    return EXIT_OK


def cmd_progress(args: argparse.Namespace) -> int:
    """``jittutor progress``: export your progress, publish it to a directory, or collect a room's."""
    from jittutor.state import export as px

    if args.collect is not None:
        directory = Path(args.collect)
        if not directory.is_dir():
            raise UsageError(f"--collect {directory}: not a directory")
        collection = px.collect(directory)
        for problem in collection.problems:
            print(f"warning: {problem}", file=sys.stderr)
        if args.csv:
            sys.stdout.write(px.to_csv(collection.rows()))
        elif args.json:
            print_json({"students": collection.students, "problems": collection.problems})
        else:
            print(px.format_collection(collection))
        return EXIT_OK
    data = px.export_progress(load_state(), catalogue_for(args))
    target = settings_for(args).progress_dir
    if target is not None:
        try:
            path = px.write_export(target, data)
        except OSError as exc:
            raise UsageError(f"--progress-dir {target}: cannot write ({exc.strerror or exc})") from None
        print(f"wrote {path}", file=sys.stderr)
    if args.csv:
        sys.stdout.write(px.to_csv(px.rows(data)))
    elif args.json:
        print_json(data)
    elif target is None:
        print(px.format_export(data))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """``jittutor serve``: the app in a browser through textual-serve, with a bundled page."""
    from jittutor.cli.serve import ServeError, exposure_warning, serve

    settings = settings_for(args)  # validate the options here, not in every browser tab
    app_args: list[str] = []
    for d in getattr(args, "lessons", None) or []:
        app_args += ["--lessons", str(Path(d).resolve())]
    if args.worker_cmd:
        app_args += ["--worker-cmd", args.worker_cmd]
    if settings.mem_fraction is not None:
        app_args += ["--mem-fraction", f"{settings.mem_fraction:g}"]
    if args.device:
        app_args += ["--device", args.device]
    if args.lesson:
        app_args += ["--lesson", args.lesson]
    warning = exposure_warning(args.host, args.port)
    if warning:
        print(warning, file=sys.stderr)
    try:
        return serve(app_args, host=args.host, port=args.port, public_url=args.public_url)
    except ServeError as exc:
        raise UsageError(str(exc)) from None
