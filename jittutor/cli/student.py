"""The student's commands: list, show, start, check, hint, run, explain, devices (``watch``: cli/watch.py).

Each is a thin front over the core: a lesson is checked through
:class:`~jittutor.tutoring.session.LessonSession`, exactly as the app checks it,
and printed through :mod:`jittutor.present`.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Any

from jittutor.cli.common import catalogue_for, get_lesson, load_state, print_json, settings_for, worker_pool
from jittutor.errors import EXIT_FAILED, EXIT_OK, UsageError


def cmd_list(args: argparse.Namespace) -> int:
    """``jittutor list``: the lessons in order, your status in each, and a progress bar."""
    from jittutor.present.cells import MARKS, progress_bar

    catalogue = catalogue_for(args)
    state = load_state()
    rows = [
        {"n": n, "id": lesson.id, "title": lesson.title, "status": state.status(lesson.id)}
        for n, lesson in enumerate(catalogue.lessons, 1)
    ]
    broken = [{"path": str(b.path), "errors": [str(e) for e in b.errors]} for b in catalogue.broken]
    if args.json:
        print_json({"lessons": rows, "broken": broken})
        return EXIT_OK
    width = max((len(r["id"]) for r in rows), default=2)
    for r in rows:
        print(f"{r['n']:>3}. {MARKS[r['status']]} {r['id']:<{width}}  {r['title']}")
    for b in broken:
        print(f"  !  broken: {b['errors'][0] if b['errors'] else b['path']}")
    if rows:
        print("\n" + progress_bar(sum(r["status"] == "done" for r in rows), len(rows)))
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    """``jittutor show``: a lesson's text, setup, starter, cases and docs link."""
    lesson = get_lesson(catalogue_for(args), args.lesson)
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
    print(f"\nStart it in your editor: jittutor start {lesson.id}   (or check a file: jittutor check {lesson.id} FILE)")
    return EXIT_OK


def lesson_session(args: argparse.Namespace, lesson_id: str) -> Any:
    """The lesson's :class:`~jittutor.tutoring.session.LessonSession`, with the student's saved progress."""
    from jittutor.tutoring.session import LessonSession

    catalogue = catalogue_for(args)
    lesson = get_lesson(catalogue, lesson_id)
    return LessonSession(lesson, load_state(), catalogue, progress_dir=settings_for(args).progress_dir)


def own_file(lesson_id: str) -> Path | None:
    """``./LESSON.py`` when it is here (what ``jittutor start`` wrote): the default FILE of check, hint and watch."""
    here = Path(f"{lesson_id}.py")
    return here if here.is_file() else None


def cmd_check(args: argparse.Namespace) -> int:
    """``jittutor check``: check code against a lesson through the tutoring core (exit 0 passed, 1 not yet)."""
    from jittutor.present.documents import checked_json
    from jittutor.present.tables import format_checked

    session = lesson_session(args, args.lesson)
    which = "starter" if args.starter else "solution" if args.solution else None
    file = args.file if args.file is not None or which else own_file(session.lesson.id)
    code = session.code(file=file, which=which)
    with worker_pool(args) as pool:
        checked = session.check(pool, code, device=args.device, timeout=args.timeout, jaxpr=args.jaxpr)
    for warning in checked.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print_json(checked_json(checked))
    else:
        print(format_checked(checked))
    return EXIT_OK if checked.passed else EXIT_FAILED


def cmd_hint(args: argparse.Namespace) -> int:
    """Reveal the next rung of the ladder the student is on (the app and `check` share the count)."""
    from jittutor.present.tables import format_reveal

    session = lesson_session(args, args.lesson)
    if not session.ladder.rungs:
        print(f"No hints yet: check your code first (jittutor check {args.lesson}).")
        return EXIT_OK
    reveal = session.reveal_next()
    from jittutor.tutoring.session import read_source

    file = args.file if args.file is not None else own_file(session.lesson.id)
    draft = session.state.load_draft(session.lesson.id)
    student = read_source(file) if file is not None else (draft or session.lesson.starter)
    print(format_reveal(reveal, session, student))
    for warning in [*session.state.warnings, reveal.warning]:
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK


def cmd_start(args: argparse.Namespace) -> int:
    """Write the lesson's starter to DIR/LESSON.py for the student's own editor (never overwrites)."""
    lesson = get_lesson(catalogue_for(args), args.lesson)
    directory = Path(args.dir)
    path = directory / f"{lesson.id}.py"
    if path.exists():
        raise UsageError(f"{path}: already exists; not overwritten. Check it with: jittutor check {lesson.id} {path}")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        f = path.open("x", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        with f:
            f.write(lesson.starter if lesson.starter.endswith("\n") else lesson.starter + "\n")
    except OSError as exc:  # a full disk: no empty file left behind to be "already there" next time
        path.unlink(missing_ok=True)
        raise UsageError(f"{path}: cannot write ({exc.strerror or exc})") from None
    print(f"wrote {path}: the starter of {lesson.title} ({lesson.id})")
    print(f"next:  jittutor watch {lesson.id} {path}   (checks it on every save; h: next hint, q: quit)")
    print(f"   or: edit it, then  jittutor check {lesson.id} {path}")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """``jittutor run``: any function with and without jit, one case per ``--args``."""
    from jittutor.present.documents import report_json
    from jittutor.present.tables import format_report
    from jittutor.tutoring.grading import assess
    from jittutor.tutoring.requests import free_request
    from jittutor.tutoring.session import read_source, run_on_device

    source = _read_stdin() if args.file == "-" else read_source(args.file)
    request = free_request(source, args.entry, args.args, None, filename=Path(args.file).name, jaxpr=args.jaxpr)
    with worker_pool(args) as pool:
        report = run_on_device(pool, request, args.device, args.timeout)
    checks: dict[str, Any] = {}
    if args.max_compiles is not None:
        checks["max_compiles"] = args.max_compiles
    verdict = assess(report, request, **checks)
    if args.json:
        print_json(report_json(report, verdict))
    else:
        print(format_report(report, verdict, title=f"{args.file}: {args.entry}"))
    return EXIT_OK if verdict.passed else EXIT_FAILED


def _read_stdin() -> str:
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"standard input: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def cmd_explain(args: argparse.Namespace) -> int:
    """``jittutor explain``: the kind, explanation and hints for a pasted error (exit 1 when there is none)."""
    from jittutor.diagnosis import NO_ERROR_FOUND, explain_text
    from jittutor.present.documents import explanation_json
    from jittutor.tutoring.session import read_source

    if args.file in (None, "-"):
        if sys.stdin.isatty():
            print("Paste the error or traceback, then press ctrl+d:", file=sys.stderr)
        text = _read_stdin()
    else:
        text = read_source(args.file)
    result = explain_text(text)
    if not result.found:
        if args.json:
            print_json({"found": False, "message": NO_ERROR_FOUND})
        else:
            print(NO_ERROR_FOUND, file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print_json(explanation_json(result))
        return EXIT_OK
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
    """``jittutor devices``: the devices the worker sees, the default marked."""
    from jittutor.present.cells import memory_text

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
        mem = memory_text(d.memory_in_use, d.memory_limit)
        print(f" {mark} {d.name:<8} {d.kind}{'  ' + mem if mem else ''}")
    return EXIT_OK
