"""The message table (``diagnosis/messages.yaml``) against the installed JAX.

Every row's example must classify as the row's kind, and a row's version claim
must hold for the installed JAX: a wording claimed for this release occurs in
its source, one claimed gone does not. The source is read as text through
``tools/jax_messages.py`` (string literals, docstrings left out), the way the
report over all released wheels reads it.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
from importlib import metadata
from pathlib import Path
from types import ModuleType

import pytest

from jittutor.diagnosis import ALL_KINDS, TRACING_KINDS, classify
from jittutor.diagnosis.messages import (
    PRE,
    MessageRow,
    MessageTableError,
    claimed_present,
    load_rows,
    parse_rows,
    scanned_releases,
    version_key,
)

ROOT = Path(__file__).resolve().parents[1]
ROWS = load_rows()


@functools.cache
def _tool() -> ModuleType:
    """``tools/jax_messages.py``, which is a script, not part of the package."""
    spec = importlib.util.spec_from_file_location("jax_messages", ROOT / "tools" / "jax_messages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _row_id(row: MessageRow) -> str:
    return f"{row.kind}:{row.pattern.pattern[:40]}"


@pytest.mark.parametrize("row", ROWS, ids=[_row_id(r) for r in ROWS])
def test_every_example_classifies_as_its_row(row: MessageRow) -> None:
    mro = [row.example_type] if row.example_type else []
    assert classify(row.example_type, mro, row.example, inside_jax=row.inside_jax_only) == row.kind
    if row.inside_jax_only:
        assert classify(row.example_type, mro, row.example) == "exception"


def test_rows_cover_every_tracing_kind() -> None:
    assert set(TRACING_KINDS) <= {row.kind for row in ROWS}
    assert {row.kind for row in ROWS} <= set(ALL_KINDS)


def test_versions_are_ordered() -> None:
    for row in ROWS:
        if row.first != PRE:
            assert row.last != PRE and version_key(row.first) <= version_key(row.last), _row_id(row)


def test_claims_read_pre_as_before_the_window() -> None:
    old = next(r for r in ROWS if r.first == PRE and r.last == PRE)
    assert claimed_present(old, "0.2.10") is None
    assert claimed_present(old, "0.4.30") is False
    slices = next(r for r in ROWS if r.pattern.pattern == "Slice entries must be static integers")
    assert [claimed_present(slices, v) for v in ("0.8.1", "0.8.2", "0.10.2")] == [False, True, True]


def test_malformed_rows_are_refused() -> None:
    good = {"kind": "tracer-bool", "pattern": "x", "jax": ["x"], "first": PRE, "last": "0.10.2", "example": "x"}
    assert len(parse_rows({"rows": [good]}, "T")) == 1
    for bad, match in [
        ({**good, "kind": "nope"}, "unknown kind"),
        ({**good, "pattern": "("}, "bad pattern"),
        ({**good, "first": "0.4"}, "versions"),
        ({**good, "jax": []}, "fragments"),
        ({**good, "origin": "python"}, "fragments"),
        ({**good, "example": ""}, "example"),
    ]:
        with pytest.raises(MessageTableError, match=match):
            parse_rows({"rows": [bad]}, "T")


@pytest.fixture(scope="module")
def installed_source() -> tuple[str, str]:
    """The installed JAX's version and its string literals (the package is read, not imported)."""
    release = _tool().installed_release()
    return release.version, release.text


def test_claims_hold_for_the_installed_jax(installed_source: tuple[str, str]) -> None:
    version, text = installed_source
    first, last = scanned_releases()
    if not version_key(first) <= version_key(version) <= version_key(last):
        pytest.skip(f"jax {version} is outside the releases the table was checked on ({first} .. {last})")
    tool = _tool()
    wrong = []
    for row in ROWS:
        if not row.jax:
            continue
        claim = claimed_present(row, version)
        if claim is not None and claim != tool.occurs(row, text):
            wrong.append(f"{_row_id(row)} claimed {'present' if claim else 'absent'} in {version}")
    assert not wrong, "run tools/jax_messages.py on the wheels and fix messages.yaml:\n" + "\n".join(wrong)


def test_installed_version_is_the_distributions() -> None:
    assert re.fullmatch(r"\d+(?:\.\d+)+", metadata.version("jax"))


def test_report_runs_offline_on_a_folder_of_wheels(tmp_path: Path) -> None:
    # A tiny stand-in wheel: the report reads literals, not docstrings.
    import zipfile

    source = (
        '"""The error arose in jnp.nonzero."""\n'
        "def f(what1, what2):\n"
        '    raise TypeError(f"{what1} and {what2} must have identical types, got {1}.")\n'
    )
    with zipfile.ZipFile(tmp_path / "jax-0.5.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("jax/_src/fake.py", source)
    tool = _tool()
    releases = tool.load_releases(tmp_path)
    assert [r.version for r in releases] == ["0.5.0"]
    assert "{} and {} must have identical types, got {}." in releases[0].text
    assert "jnp.nonzero" not in releases[0].text
    lines, wrong = tool.report(list(ROWS), releases)
    assert wrong > 0  # most wordings are missing from the stand-in
    assert any("seen 0.5.0 .. 0.5.0; claimed 0.5.0 .. 0.10.2" in line for line in lines)
