"""What every command shares: settings, the catalogue, a one-shot worker pool, JSON output.

Heavy imports happen inside the functions, so ``jittutor --version`` stays fast;
nothing here imports jax.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from jittutor.config import Settings, load_settings

if TYPE_CHECKING:
    from jittutor.engine.pool import WorkerPool
    from jittutor.lessons.catalogue import Catalogue
    from jittutor.lessons.model import Lesson
    from jittutor.state.store import State


def settings_for(args: argparse.Namespace) -> Settings:
    """The settings for this command line (resolved once; see :mod:`jittutor.config`)."""
    cached = getattr(args, "_settings", None)
    if cached is None:
        cached = load_settings(
            lessons=getattr(args, "lessons", None),
            worker_cmd=getattr(args, "worker_cmd", None),
            mem_fraction=getattr(args, "mem_fraction", None),
            progress_dir=getattr(args, "progress_dir", None),
            standby=getattr(args, "standby", None),
        )
        for warning in cached.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        args._settings = cached
    return cached


def catalogue_for(args: argparse.Namespace) -> Catalogue:
    """The built-in lessons plus the packs from ``--lessons``, ``JITTUTOR_LESSONS`` and settings.json."""
    from jittutor.lessons.catalogue import lesson_dirs, load_catalogue

    return load_catalogue(lesson_dirs(settings_for(args).lesson_dirs))


def get_lesson(catalogue: Catalogue, lesson_id: str) -> Lesson:
    """The lesson, or a usage error suggesting the closest ids."""
    return catalogue.get(lesson_id)


def load_state() -> State:
    """The student's progress and drafts, with any warning about damaged files printed."""
    from jittutor.state.store import State

    state = State.load()
    for warning in state.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    state.warnings.clear()
    return state


@contextlib.contextmanager
def worker_pool(args: argparse.Namespace) -> Iterator[WorkerPool]:
    """A one-shot worker pool that says so when its worker is slow to start (a queue)."""
    from jittutor.engine.launch import StartNotice
    from jittutor.engine.pool import WorkerPool

    settings = settings_for(args)
    notice = StartNotice()
    # One-shot commands need no standby: it would only double the start-up work. Nor a replacement
    # the moment a run times out or crashes: under srun that is a job submitted only to be killed.
    pool = WorkerPool(
        settings.worker_cmd,
        standby=False,
        respawn=False,
        env=settings.worker_env(),
        on_status=notice,
        start_timeout=settings.start_timeout,
    )
    try:
        yield pool
    finally:
        notice.cancel()
        # On ctrl+c too: this kills the launcher's whole process group (srun, ssh and their children).
        pool.close()


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout; values JSON lacks (paths, ...) as strings."""
    print(json.dumps(data, indent=2, default=str))
