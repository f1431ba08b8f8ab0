"""Helpers for the workshop tests: ports, launcher scripts, process groups, a headless browser."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from support import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 120.0, proc: subprocess.Popen[Any] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def launcher_script(path: Path, *, banner: bool = True, delay: float = 0.0, env_dump: Path | None = None) -> Path:
    """A stand-in for srun: prints a banner, may wait in a "queue", then execs the worker.

    It writes its pid (= its process group, the supervisor starts it in a new
    session) to ``PATH.pid``.
    """
    lines = ["#!/bin/sh", f'echo $$ > "{path}.pid"']
    if banner:
        lines.append('echo "srun: job 4242 queued and waiting for resources" >&2')
    if env_dump is not None:
        lines.append(f'env > "{env_dump}"')
    if delay:
        lines.append(f"sleep {delay}")
    if banner:
        lines.append('echo "srun: job 4242 has been allocated resources" >&2')
    lines.append(f'exec "{sys.executable}" -m jittutor.worker')
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o755)
    return path


def live_group_members(pgid: int) -> list[int]:
    """Pids of processes (not zombies) in process group ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may contain spaces, so split after the last ')'.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def wait_gone(pgid: int, timeout: float = 60.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = live_group_members(pgid)
        if not left:
            return []
        time.sleep(0.1)
    return live_group_members(pgid)


def stop(proc: subprocess.Popen[Any], sig: int = signal.SIGINT, timeout: float = 60.0) -> int:
    """Signal a process we started, then make sure it is gone (SIGKILL only after ``timeout``: a hang, not a slow exit)."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    return proc.returncode


def jittutor_popen(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "jittutor", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


# --- a headless Chromium driven over the DevTools protocol ------------------------------

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_command(binary: str, profile: Path) -> list[str]:
    return [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--remote-debugging-port=0", "--window-size=1200,800", "about:blank",
    ]  # fmt: skip


class Browser:
    """A headless Chromium: open a URL, wait for a condition in the page, take a screenshot.

    ``--screenshot`` alone cannot do this: with ``--virtual-time-budget`` the page's
    clock runs ahead of the app process, which needs real seconds to start.
    """

    def __init__(self, binary: str, profile: Path) -> None:
        self.profile = profile
        self.proc = subprocess.Popen(
            chromium_command(binary, profile), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise AssertionError("chromium did not open its DevTools port")
            time.sleep(0.1)
        self.port = int(port_file.read_text().split()[0])

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)

    def visit(self, url: str, until_js: str, timeout: float, screenshot: Path, settle: float = 2.0) -> dict[str, Any]:
        """Open ``url``, wait until ``until_js`` is true, wait ``settle`` s, save a PNG; returns page facts."""
        return asyncio.run(self._visit(url, until_js, timeout, screenshot, settle))

    async def _visit(self, url: str, until_js: str, timeout: float, screenshot: Path, settle: float) -> dict[str, Any]:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{self.port}/json/list") as response:
                targets = await response.json()
            page = next(t for t in targets if t.get("type") == "page")
            async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                counter = 0
                failed_requests: list[str] = []
                requested: list[str] = []

                async def call(method: str, **params: Any) -> dict[str, Any]:
                    nonlocal counter
                    counter += 1
                    my_id = counter
                    await ws.send_json({"id": my_id, "method": method, "params": params})
                    while True:
                        msg = await ws.receive_json()
                        if msg.get("method") == "Network.requestWillBeSent":
                            requested.append(msg["params"]["request"]["url"])
                        elif msg.get("method") == "Network.loadingFailed":
                            failed_requests.append(msg["params"].get("errorText", "?"))
                        if msg.get("id") == my_id:
                            if "error" in msg:
                                raise AssertionError(f"{method}: {msg['error']}")
                            return msg.get("result", {})

                async def evaluate(expression: str) -> Any:
                    result = await call("Runtime.evaluate", expression=expression, returnByValue=True)
                    return result.get("result", {}).get("value")

                await call("Network.enable")
                await call("Page.navigate", url=url)
                deadline = time.monotonic() + timeout
                ok = False
                while time.monotonic() < deadline:
                    if await evaluate(f"Boolean({until_js})"):
                        ok = True
                        break
                    await asyncio.sleep(0.25)
                if ok:
                    await asyncio.sleep(settle)
                shot = await call("Page.captureScreenshot", format="png")
                screenshot.write_bytes(base64.b64decode(shot["data"]))
                return {
                    "ready": ok,
                    "body_class": await evaluate("document.body.className"),
                    "terminal": await evaluate("Boolean(document.querySelector('.textual-terminal .xterm'))"),
                    "text": await evaluate("document.body.innerText"),
                    "requested": requested,
                    "failed": failed_requests,
                }


def png_colour_count(path: Path, limit: int = 64) -> int:
    """How many distinct pixel colours a PNG has (up to ``limit``): 1 means blank.

    A small decoder for 8-bit RGB/RGBA PNGs (what Chromium writes), so the test
    needs no imaging library.
    """
    import struct
    import zlib

    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour_type in (2, 6), f"unsupported PNG (depth {depth}, colour type {colour_type})"
            channels = 3 if colour_type == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    colours: set[bytes] = set()
    for y in range(height):
        start = y * (stride + 1)
        filter_type, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if filter_type == 1:
                line[i] = (line[i] + left) & 0xFF
            elif filter_type == 2:
                line[i] = (line[i] + up) & 0xFF
            elif filter_type == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif filter_type == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
                line[i] = (line[i] + predictor) & 0xFF
        previous = line
        if y % 8 == 0:  # every 8th row is plenty to tell text from a blank page
            for x in range(0, width, 2):
                colours.add(bytes(line[x * channels : x * channels + 3]))
                if len(colours) >= limit:
                    return len(colours)
    return len(colours)
