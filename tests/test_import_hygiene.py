"""The front never imports jax; the core never imports textual (STYLE.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, worker_env

PACKAGE = REPO / "jittutor"
# Only the worker imports jax: its runner, and its entry point once the channel is safe.
JAX_ALLOWED = {
    "engine/worker/runner.py",
    "engine/worker/main.py",
    "engine/worker/values.py",
    "engine/worker/devices.py",
    "engine/worker/as_written.py",
}
CORE_MODULES = [
    "jittutor",
    "jittutor.cli.main",
    "jittutor.cli.parser",
    "jittutor.cli.student",
    "jittutor.cli.workshop",
    "jittutor.cli.serve",
    "jittutor.tutoring.session",
    "jittutor.tutoring.ladder",
    "jittutor.present.cells",
    "jittutor.present.documents",
    "jittutor.state.files",
    "jittutor.state.identity",
    "jittutor.present.classroom",
    "jittutor.cli.classroom",
    "jittutor.cli.watch",
    "jittutor.errors",
    "jittutor.lessons.model",
    "jittutor.lessons.source",
    "jittutor.lessons.catalogue",
    "jittutor.diagnosis",
    "jittutor.tutoring.grading",
    "jittutor.present.tables",
    "jittutor.state.store",
    "jittutor.config",
    "jittutor.engine.protocol",
    "jittutor.engine.pool",
    "jittutor.engine.devices",
    "jittutor.engine.worker.capture",
    "jittutor.engine.worker.hygiene",
    "jittutor.engine.launch",
    "jittutor.tutoring.contract",
    "jittutor.lessons.scaffold",
    "jittutor.state.export",
]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _python_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_source_imports(path: Path) -> None:
    rel = path.relative_to(PACKAGE).as_posix()
    names = _imports(path)
    if rel not in JAX_ALLOWED:
        assert not names & {"jax", "jaxlib"}, f"{rel} imports jax; only {sorted(JAX_ALLOWED)} may"
    if not rel.startswith("app/"):
        assert "textual" not in names, f"{rel} is core and imports textual"


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted(m.split('.')[0] for m in sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, env=worker_env(), timeout=300
    )
    assert out.returncode == 0, out.stderr
    return set(out.stdout.splitlines()[-1].split())


def test_core_modules_import_neither_jax_nor_textual() -> None:
    loaded = _loaded_after("\n".join(f"import {m}" for m in CORE_MODULES))
    assert "jax" not in loaded
    assert "textual" not in loaded


def test_app_module_does_not_import_jax() -> None:
    if not (PACKAGE / "app").is_dir():
        pytest.skip("no app package")
    loaded = _loaded_after("import jittutor.app\nimport jittutor.app.app\nimport jittutor.app.screens.playground")
    assert "textual" in loaded
    assert "jax" not in loaded


def test_cli_front_runs_a_check_without_importing_jax(tmp_path: Path) -> None:
    code = (
        "import os\n"
        f"os.environ['JITTUTOR_HOME'] = {str(tmp_path)!r}\n"
        "from jittutor.cli.main import main\n"
        "rc = main(['check', 'static-args', '--solution'])\n"
        "assert rc == 0, rc\n"
    )
    loaded = _loaded_after(code)
    assert "jax" not in loaded
    assert "textual" not in loaded
