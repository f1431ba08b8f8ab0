"""The jittutor app: a thin shell that owns the worker pool, the run in progress, the state and the catalogue.

Screens never touch the pool: they ask the app to :meth:`JitTutorApp.run_code`
(or cancel, or restart the worker), and the result comes back to the asking
screen as a message (:class:`~jittutor.app.messages.RunDone` or
:class:`~jittutor.app.messages.RunStopped`). The app holds what every screen
shares (the worker's status, JAX version, devices, the chosen device, whether a
run is going) as reactives that the status line follows. The pool is started by
a thread worker after the first paint, so the screen appears before JAX is
loaded.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from jittutor.app.messages import PoolStatusChanged, RunDone, RunStopped, WorkerReady, WorkerStartFailed
from jittutor.app.screens.help import HelpScreen, editor_key_rows, screen_key_rows
from jittutor.app.screens.main import MainScreen
from jittutor.app.screens.palette import PlainCommandPalette
from jittutor.config import Settings, load_settings
from jittutor.engine.devices import DeviceNotFound, resolve_device
from jittutor.engine.pool import EngineError, RunCancelled, WorkerPool
from jittutor.engine.protocol import DeviceInfo, RunReport, RunRequest
from jittutor.lessons.catalogue import Catalogue, lesson_dirs, load_catalogue
from jittutor.present.cells import memory_text
from jittutor.state.store import State

#: Seconds a run may take before the pool stops it (compiling included).
RUN_TIMEOUT = 30.0


class JitTutorApp(App[None]):
    """Teaches the subtleties of ``jax.jit``: lessons, an editor, and a JAX worker process."""

    # Every screen's styles, loaded once: Textual does not load the CSS_PATH of the default screen.
    CSS_PATH = ["app.tcss", "screens/main.tcss", "screens/playground.tcss", "screens/dialogs.tcss"]
    TITLE = "jittutor"
    worker_status: reactive[str] = reactive("stopped")
    worker_detail: reactive[str] = reactive("")  # the pool's words for it: the queue and its reason, why it stopped
    jax_version: reactive[str] = reactive("")
    device: reactive[str | None] = reactive(None)
    device_memory: reactive[str] = reactive("")
    """Memory in use on the current device (``mem 1.2 GB / 80.0 GB``), where jax reports it."""

    def __init__(
        self,
        lesson_id: str | None = None,
        device: str | None = None,
        *,
        settings: Settings | None = None,
        catalogue: Catalogue | None = None,
        state: State | None = None,
        pool: WorkerPool | None = None,
        run_timeout: float = RUN_TIMEOUT,
        blink: bool = True,
        ask_predictions: bool = True,
        install_signal_handlers: bool = False,
    ) -> None:
        super().__init__()
        self.lesson_id = lesson_id
        self.settings = settings if settings is not None else load_settings()
        self.catalogue = catalogue if catalogue is not None else load_catalogue(lesson_dirs(self.settings.lesson_dirs))
        self.state = state if state is not None else State.load(self.settings.home)
        self.state.warnings[:0] = list(self.settings.warnings)
        self.owns_pool = pool is None
        self.pool = (
            pool
            if pool is not None
            else WorkerPool(
                self.settings.worker_cmd,
                env=self.settings.worker_env(),
                start_timeout=self.settings.start_timeout,
                standby=self.settings.use_standby,  # off under a launcher: one scheduler job per student
            )
        )
        self.run_timeout = run_timeout
        self.blink = blink
        self.ask_predictions = ask_predictions  # a lesson's predict question before its first run
        self.install_signal_handlers = install_signal_handlers
        saved = self.state.remembered().get("device")
        self.device_spec: str | None = device or (saved if isinstance(saved, str) else None)
        self.device = self.device_spec
        self.devices: list[DeviceInfo] = []
        self.run_busy = False  # a run is going (one at a time, whichever screen asked)
        self.cancelling = False  # it was asked to stop and has not stopped yet
        self._run_worker: Worker[None] | None = None
        self._previous_on_status: Any = None
        self._signals: list[int] = []
        self._failure_reported = False  # a toast already says the worker failed or died

    def get_default_screen(self) -> Screen[Any]:
        return MainScreen(self.lesson_id)

    # -- the worker ----------------------------------------------------------------

    def on_mount(self) -> None:
        self._previous_on_status = getattr(self.pool, "on_status", None)
        self.pool.on_status = self._pool_status
        self.worker_status = getattr(self.pool, "status", "stopped")
        if self.install_signal_handlers:
            self._install_signal_handlers()
        self.call_after_refresh(self.start_worker)

    def _pool_status(self, status: str, detail: str) -> None:
        """Called by the pool from its threads (or ours): hand it to the event loop."""
        self.post_message(PoolStatusChanged(status, detail))

    @on(PoolStatusChanged)
    def _status_changed(self, message: PoolStatusChanged) -> None:
        self.worker_status = message.status
        self.worker_detail = message.detail
        if message.status in ("dead", "failed") and message.detail:
            self._report_failure(message.status, message.detail)
        elif message.status not in ("dead", "failed"):
            self._failure_reported = False

    def _report_failure(self, status: str, detail: str) -> None:
        self._failure_reported = True
        title = "The JAX worker did not start" if status == "failed" else "The JAX worker died"
        self.notify(detail, title=title, severity="error", markup=False, timeout=30)

    @work(thread=True, exclusive=True, exit_on_error=False, group="pool", description="start the JAX worker")
    def start_worker(self) -> None:
        try:
            self.pool.start()
            info = self.pool.info()
        except EngineError as exc:
            self.post_message(WorkerStartFailed(str(exc)))
            return
        self.post_message(WorkerReady(info))

    @on(WorkerReady)
    def _worker_ready(self, message: WorkerReady) -> None:
        info = message.info
        self.devices = list(info.devices)
        self.jax_version = info.jax_version
        if self.worker_status in ("stopped", "starting"):
            self.worker_status = getattr(self.pool, "status", "ready")
        try:
            self.device = resolve_device(self.device_spec, self.devices, info.default_device).name
        except DeviceNotFound as exc:
            self.notify(str(exc), title="Device not available", severity="warning", markup=False, timeout=15)
            self.device = resolve_device(None, self.devices, info.default_device).name
        self._memory_of(self.device)

    @on(WorkerStartFailed)
    def _worker_failed(self, message: WorkerStartFailed) -> None:
        """The pool has usually reported this failure through its status already (one toast, not two)."""
        if not self._failure_reported:
            self._report_failure("failed", message.message)
        self.worker_status = "failed"

    @on(Worker.StateChanged)
    def _pool_worker_changed(self, event: Worker.StateChanged) -> None:
        """A failure nobody caught while starting the pool (EngineErrors are reported by the worker itself)."""
        if event.worker.group == "pool" and event.state == WorkerState.ERROR:
            self.worker_status = "failed"
            self.notify(str(event.worker.error), title="The JAX worker did not start", severity="error", markup=False)

    # -- running code (for the screens) ---------------------------------------------

    def run_code(self, screen: Screen[Any], request: RunRequest, judge: Any) -> bool:
        """Run ``request`` for ``screen``; its result comes back to it as RunDone/RunStopped.

        ``judge(report)`` turns the report into a verdict in the worker thread.
        Returns False (and runs nothing) while another run is going.
        """
        if self.run_busy:
            return False
        self.run_busy, self.cancelling = True, False
        self._run_worker = self._run_in_thread(screen, request, judge)
        return True

    # Not exclusive: run_busy already allows one run at a time, and an exclusive worker would mark the
    # previous (finishing) thread CANCELLED, which reads as a failure of the run that replaced it.
    @work(thread=True, exit_on_error=False, group="run", description="run code in the worker")
    def _run_in_thread(self, screen: Screen[Any], request: RunRequest, judge: Any) -> None:
        pool = self.pool
        try:
            if getattr(pool, "dead_reason", None):
                pool.restart()  # the student asked to run again after the pool gave up
            if request.device is not None and request.device not in {d.name for d in self.devices}:
                # Run pressed while the worker was starting: the device is still the user's spelling.
                info = pool.info()
                try:
                    request.device = resolve_device(request.device, info.devices, info.default_device).name
                except DeviceNotFound:
                    request.device = None
            report: RunReport = pool.run(request, timeout=self.run_timeout)
            result: Any = judge(report)
        except RunCancelled:
            screen.post_message(RunStopped(cancelled=True, message="Run cancelled."))
            return
        except EngineError as exc:
            screen.post_message(RunStopped(cancelled=False, message=str(exc)))
            return
        screen.post_message(RunDone(request=request, report=report, verdict=result))

    def cancel_run(self) -> None:
        """Ask the run in progress to stop (its screen gets RunStopped)."""
        if self.run_busy:
            self.cancelling = True
            self.pool.cancel()

    def run_finished(self) -> None:
        """The asking screen has its result: the next run may start."""
        self.run_busy = self.cancelling = False

    @on(Worker.StateChanged)
    def _run_worker_changed(self, event: Worker.StateChanged) -> None:
        """One place for failures nobody caught: a bug must not leave the app 'running' forever."""
        if event.worker is not self._run_worker:
            return  # an earlier run's thread: its result (or failure) has been told already
        if event.state in (WorkerState.ERROR, WorkerState.CANCELLED) and self.run_busy:
            reason = event.worker.error or "the run was interrupted"
            self.screen.post_message(RunStopped(cancelled=False, message=f"ERROR: {reason}"))

    def note_memory(self, in_use: int | None, limit: int | None) -> None:
        """Show the current device's memory in the status line (GPUs; CPUs report none)."""
        self.device_memory = memory_text(in_use, limit)

    def _memory_of(self, name: str | None) -> None:
        info = next((d for d in self.devices if d.name == name), None)
        self.note_memory(info.memory_in_use if info else None, info.memory_limit if info else None)

    def set_device(self, name: str) -> None:
        """Send the next runs to ``name`` and remember the choice."""
        self.device = self.device_spec = name
        self._memory_of(name)
        try:
            self.state.remember("device", name)
        except OSError as exc:
            self.notify(f"Could not save the device setting: {exc}", severity="warning", markup=False)

    def restart_worker(self) -> None:
        self.restart_pool()

    @work(thread=True, exclusive=True, exit_on_error=False, group="pool", description="restart the JAX worker")
    def restart_pool(self) -> None:
        try:
            self.pool.restart()
            info = self.pool.info()
        except EngineError as exc:
            self.post_message(WorkerStartFailed(str(exc)))
            return
        self.post_message(WorkerReady(info))

    # -- screens -------------------------------------------------------------------

    def open_playground(self) -> None:
        from jittutor.app.screens.playground import PlaygroundScreen

        self.push_screen(PlaygroundScreen())

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(screen_key_rows(self.screen), editor_key_rows(self)))

    def action_command_palette(self) -> None:
        if self.use_command_palette and not PlainCommandPalette.is_open(self):
            self.push_screen(PlainCommandPalette(id="--command-palette"))

    @property
    def screenshot_dir(self) -> Path:
        """Where ctrl+p → Screenshot saves: under JITTUTOR_HOME (never ~/Downloads, which SSH accounts lack)."""
        return self.state.home / "screenshots"

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Save an SVG of the screen in :attr:`screenshot_dir` (or ``path``) and say where, or why not."""
        if self._driver is not None and self._driver.is_web:
            return super().deliver_screenshot(filename, path, time_format)  # the browser downloads it
        folder = Path(path).expanduser() if path else self.screenshot_dir
        try:
            folder.mkdir(parents=True, exist_ok=True)
            saved = self.save_screenshot(filename, str(folder), time_format)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            self.notify(f"Could not save it in {folder}: {reason}", title="Screenshot", severity="error", markup=False)
            return None
        self.notify(f"Saved {saved}", title="Screenshot", markup=False)
        return saved

    def get_key_display(self, binding: Binding) -> str:
        """Function keys as F5 (not f5), the way keyboards print them."""
        shown = super().get_key_display(binding)
        return shown.upper() if shown[:1] == "f" and shown[1:].isdigit() else shown

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every bound action of the screen (with its key), the screen's extra commands, then Textual's."""
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if active.node not in (screen, self) or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            detail = binding.tooltip or binding.description
            yield SystemCommand(
                binding.description,
                f"{detail} ({self.get_key_display(binding)})",
                partial(self.run_action, binding.action, active.node),
            )
        extra = getattr(screen, "extra_commands", None)
        if extra is not None:
            for title, help_text, action in extra():
                yield SystemCommand(title, help_text, partial(self.run_action, action, screen))
        yield from super().get_system_commands(screen)

    # -- leaving -------------------------------------------------------------------

    def save_drafts(self) -> None:
        for screen in self.screen_stack:
            save = getattr(screen, "save_draft_now", None)
            if save is not None:
                save()

    async def action_quit(self) -> None:
        self.save_drafts()
        self.exit()

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self._on_terminate, sig)
                self._signals.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread, or a platform without these signals

    def _on_terminate(self, sig: int) -> None:
        """SIGHUP (terminal closed) or SIGTERM: save the draft, then leave."""
        self.save_drafts()
        code = 128 + sig
        if sig == signal.SIGHUP and self.install_signal_handlers:
            # The terminal is gone: there is nothing to restore, and Textual's orderly shutdown
            # can block forever writing to (or spin reading from) the dead tty.
            if self.owns_pool:
                self.pool.close()
            os._exit(code)
        self.exit(return_code=code)
        if self.install_signal_handlers:
            threading.Thread(target=_exit_if_stuck, args=(code,), name="jittutor-exit-watchdog", daemon=True).start()

    def on_unmount(self) -> None:
        if self._signals:
            loop = asyncio.get_running_loop()
            for sig in self._signals:
                loop.remove_signal_handler(sig)
        if self.owns_pool:
            self.pool.close()
        else:
            self.pool.on_status = self._previous_on_status


def _exit_if_stuck(code: int, grace: float = 10.0) -> None:
    """After a SIGTERM, leave even if the orderly shutdown hangs (the drafts are already saved)."""
    time.sleep(grace)
    os._exit(code)


def run_app(
    settings: Settings | None = None,
    *,
    lesson_id: str | None = None,
    device: str | None = None,
    catalogue: Catalogue | None = None,
) -> int:
    """Run the app in this terminal; returns the exit code (2 for an unknown lesson).

    ``settings`` default to :func:`~jittutor.config.load_settings`; the lessons
    are the built-in ones plus the settings' packs, unless ``catalogue`` is given.
    """
    settings = settings if settings is not None else load_settings()
    catalogue = catalogue if catalogue is not None else load_catalogue(lesson_dirs(settings.lesson_dirs))
    if lesson_id is not None and lesson_id not in catalogue:
        try:
            catalogue.get(lesson_id)
        except KeyError as exc:
            print(f"jittutor: {exc}", file=sys.stderr)
        return 2
    app = JitTutorApp(lesson_id, device, settings=settings, catalogue=catalogue, install_signal_handlers=True)
    app.run()
    code = app.return_code or 0
    if any(t.name == "textual-input" and t.is_alive() for t in threading.enumerate()):
        # The terminal hung up while the app was quitting: Textual's input thread then spins on
        # the dead tty and never ends, so the process would never exit. Drafts are saved and the
        # workers stopped by now; leave without waiting for it.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
