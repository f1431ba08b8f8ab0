"""Nothing in the tutor reaches the network at run time; everything it shows is bundled."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from support import REPO

PACKAGE = REPO / "jittutor"
#: Modules that fetch from or talk to other hosts. ``serve`` listens (through
#: textual-serve); it never fetches, so its server side is not on this list.
NETWORK_CLIENTS = {
    "urllib.request", "urllib3", "requests", "httpx", "http.client", "aiohttp.client",
    "ftplib", "smtplib", "webbrowser", "pip", "huggingface_hub",
}  # fmt: skip
URL = re.compile(r"https?://[^\s\"'<>)]+")


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_network_client_is_imported(path: Path) -> None:
    imported = _imported(path)
    bad = {name for name in imported for client in NETWORK_CLIENTS if name == client or name.startswith(client + ".")}
    assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}: the tutor must work offline"
    if "aiohttp" in {name.split(".")[0] for name in imported}:
        pytest.fail(f"{path.relative_to(REPO)} imports aiohttp; only textual-serve may, for serving")


def test_the_served_page_loads_nothing_from_outside() -> None:
    page = (PACKAGE / "cli" / "serve_page" / "app_index.html").read_text(encoding="utf-8")
    assert not URL.findall(page), "the browser page must load only from the tutor's own server"
    assert "fonts.googleapis" not in page


def test_the_browser_assets_are_bundled() -> None:
    textual_serve = pytest.importorskip("textual_serve", reason="textual-serve is not installed")
    static = Path(textual_serve.__file__).parent / "static"
    page = (PACKAGE / "cli" / "serve_page" / "app_index.html").read_text(encoding="utf-8")
    for asset in re.findall(r"\{\{ config\.static\.url \}\}([\w./-]+)", page):
        assert (static / asset).is_file(), f"the page needs {asset}, which textual-serve does not ship"
    script = (static / "js" / "textual.js").read_text(encoding="utf-8", errors="replace")
    assert 'fetch("http' not in script and "googleapis" not in script


def test_lesson_texts_hints_and_docs_links_are_bundled() -> None:
    from jittutor.diagnosis import kind_info
    from jittutor.diagnosis.kinds import ALL_KINDS
    from jittutor.lessons.catalogue import builtin_lessons_dir, load_catalogue

    catalogue = load_catalogue([builtin_lessons_dir()])
    assert len(catalogue) >= 20
    for lesson in catalogue:
        assert lesson.explanation.strip() and lesson.hints
    for kind in ALL_KINDS:
        info = kind_info(kind)
        assert info.hints, kind
    assert (PACKAGE / "diagnosis" / "kinds.yaml").is_file()


def test_the_workshop_modules_import_neither_jax_nor_textual() -> None:
    import subprocess
    import sys

    from support import worker_env

    modules = [
        "jittutor.engine.launch",
        "jittutor.lessons.scaffold",
        "jittutor.tutoring.contract",
        "jittutor.state.export",
        "jittutor.cli.serve",
    ]
    probe = "\n".join(f"import {m}" for m in modules) + "\nimport sys\nprint(' '.join(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=worker_env(), cwd=REPO, timeout=120
    )
    assert out.returncode == 0, out.stderr
    loaded = {m.split(".")[0] for m in out.stdout.split()}
    assert not loaded & {"jax", "jaxlib", "textual", "textual_serve", "aiohttp"}
