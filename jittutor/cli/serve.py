"""``jittutor serve``: the tutor in a web browser, through textual-serve.

Each browser tab that connects gets its own ``jittutor`` app process (and so
its own worker), started with the options given to ``serve``. The page and
everything it loads (xterm.js, the Roboto Mono fonts) come from this server:
textual-serve's own page asks a font CDN for its font, so we send our page
(``serve_page/app_index.html``) instead, and the tutor works offline.

Loopback by default: the app runs Python code as the user who started
``serve``, so anyone who can reach the port can do the same. Reach it from a
laptop with SSH port forwarding. No jax, no textual here (textual-serve does
not import textual; the app runs in the child process).
"""

from __future__ import annotations

import ipaddress
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

PAGE_DIR = Path(__file__).parent / "serve_page"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


class ServeError(Exception):
    """``serve`` cannot start; the message says what to do."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, port: int) -> str | None:
    """The warning ``serve`` prints for a host other than loopback, else None."""
    if is_loopback(host):
        return None
    return (
        f"warning: serving on {host}:{port}, not only on this machine: anyone who can reach this port "
        "can run Python code as you through the tutor. Prefer the default 127.0.0.1 and "
        f"SSH port forwarding (ssh -L {port}:127.0.0.1:{port} HOST), see docs/workshop.md."
    )


def app_command(app_args: Sequence[str]) -> str:
    """The shell command that starts one app for one browser session."""
    return shlex.join([sys.executable, "-m", "jittutor", *app_args])


def public_url_for(host: str, port: int) -> str:
    """The URL the page's websocket connects back to."""
    shown = host
    if host in ("0.0.0.0", "::", ""):
        import socket

        shown = socket.getfqdn() or "localhost"
    elif ":" in host and not host.startswith("["):
        shown = f"[{host}]"
    return f"http://{shown}:{port}"


def serve(
    app_args: Sequence[str],
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    public_url: str | None = None,
    title: str = "jittutor",
) -> int:
    """Serve the app until ctrl+c; returns the exit code."""
    try:
        from textual_serve.server import Server
    except ImportError as exc:
        raise ServeError(
            f"serving to a browser needs textual-serve ({exc}); install it: pip install textual-serve"
        ) from None

    url = public_url or public_url_for(host, port)
    command = app_command(app_args)

    class TutorServer(Server):  # type: ignore[misc]
        async def on_startup(self, app: object) -> None:
            print(f"jittutor: serving the tutor on {url} (ctrl+c stops)", flush=True)
            print(f"jittutor: each browser tab runs: {command}", flush=True)

    server = TutorServer(command, host=host, port=port, title=title, public_url=url, templates_path=PAGE_DIR)
    try:
        server.serve()
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); try another --port") from None
    return 0
