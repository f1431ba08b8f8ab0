"""``jittutor serve``: the app in a real headless browser, offline, loopback by default."""

from __future__ import annotations

import re
import shutil
import urllib.request
from pathlib import Path

import pytest
from support import worker_env
from workshop_support import (
    Browser,
    find_chromium,
    free_port,
    jittutor_popen,
    png_colour_count,
    stop,
    wait_for_port,
)

from jittutor.cli.serve import exposure_warning, is_loopback, public_url_for

textual_serve = pytest.importorskip(
    "textual_serve", reason="textual-serve is not installed (pip install textual-serve)"
)

#: Where the browser test leaves its screenshot for a human to look at.
SCREENSHOT_DIR_ENV = "JITTUTOR_SCREENSHOT_DIR"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("127.0.0.2", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
        ("node7", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    assert (exposure_warning(host, 8000) is None) is loopback


def test_public_url() -> None:
    assert public_url_for("127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert public_url_for("::1", 8123) == "http://[::1]:8123"
    assert not public_url_for("0.0.0.0", 8123).startswith("http://0.0.0.0")


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    env = worker_env(JITTUTOR_HOME=str(tmp_path / "home"))
    proc = jittutor_popen("serve", "--port", str(port), "--lesson", "static-args", env=env)
    try:
        wait_for_port(port, proc=proc)
        yield port, proc
    finally:
        stop(proc)


@pytest.mark.slow
def test_the_page_loads_nothing_from_outside(server) -> None:  # type: ignore[no-untyped-def]
    port, _ = server
    origin = f"http://127.0.0.1:{port}"
    page = urllib.request.urlopen(origin + "/", timeout=10).read().decode()
    assert 'class="textual-terminal"' in page
    assert f"ws://127.0.0.1:{port}/ws" in page
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)|url\(["']?([^"')]+)""", page)
    urls = [a or b for a, b in urls]
    assert urls, "the page loads no script, style or font?"
    for url in urls:
        assert url.startswith(origin + "/static/"), f"the page loads {url} from outside this server"
        assert urllib.request.urlopen(url, timeout=10).status == 200, url


@pytest.mark.slow
def test_serve_in_a_real_headless_chromium(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    binary = find_chromium()
    if binary is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium); .ci/run installs it")
    port, proc = server
    url = f"http://127.0.0.1:{port}/"
    browser = Browser(binary, tmp_path / "profile")
    shot = tmp_path / "serve.png"
    try:
        # -first-byte: textual.js got the app's first screen through the websocket.
        facts = browser.visit(
            url, "document.body.classList.contains('-first-byte')", timeout=90, screenshot=shot, settle=4
        )
    finally:
        browser.close()
    keep = worker_env().get(SCREENSHOT_DIR_ENV)
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "serve.png")
    assert facts["ready"], f"the app never drew in the browser: {facts}; server alive: {proc.poll() is None}"
    assert facts["terminal"], "no xterm terminal element in the page"
    assert "-closed" not in facts["body_class"], "the app session ended at once"
    outside = [
        u
        for u in facts["requested"]
        if not u.startswith(f"http://127.0.0.1:{port}") and not u.startswith("ws://127.0.0.1")
    ]
    assert not outside, f"the browser fetched from outside: {outside}"
    assert not facts["failed"], f"requests failed: {facts['failed']}"
    assert shot.stat().st_size > 10_000
    assert png_colour_count(shot) > 8, "the screenshot is blank"


@pytest.mark.slow
def test_a_non_loopback_host_is_warned_about(tmp_path: Path) -> None:
    port = free_port()
    env = worker_env(JITTUTOR_HOME=str(tmp_path / "home"))
    proc = jittutor_popen("serve", "--host", "0.0.0.0", "--port", str(port), env=env)
    try:
        wait_for_port(port, proc=proc)
    finally:
        code = stop(proc)
    err = proc.stderr.read() if proc.stderr else ""
    assert "warning: serving on 0.0.0.0" in err and "ssh -L" in err
    assert code == 0, err


def test_bad_serve_options_are_one_line_and_exit_2() -> None:
    from support import jittutor

    out = jittutor("serve", "--port", "70000")
    assert out.returncode == 2 and "--port" in out.stderr
    out = jittutor("serve", "--mem-fraction", "2")
    assert out.returncode == 2 and "--mem-fraction" in out.stderr


def test_a_port_in_use_is_one_line_and_exit_2() -> None:
    import socket

    from support import jittutor

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = jittutor("serve", "--port", str(port), timeout=60)
    assert out.returncode == 2, out.stdout + out.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in out.stderr
    assert "Traceback" not in out.stderr
