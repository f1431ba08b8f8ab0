"""The one owner of settings: precedence, parsing, and messages that name the variable or key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jittutor.config import ALL_ENV, load_settings, parse_size, worker_mem_limit
from jittutor.errors import ConfigError


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {"JITTUTOR_HOME": str(home), **extra}


def _write_settings(home: Path, data: object) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.json").write_text(json.dumps(data))


def test_defaults(tmp_path: Path) -> None:
    s = load_settings(environ=_env(tmp_path))
    assert s.home == tmp_path
    assert (s.worker_cmd, s.worker_cmd_origin, s.mem_fraction, s.progress_dir) == (None, "default", None, None)
    assert s.lesson_dirs == () and s.start_timeout == 180.0
    assert s.worker_env() is None


def test_command_line_beats_environment_beats_file(tmp_path: Path) -> None:
    _write_settings(tmp_path, {"worker_cmd": "srun x", "mem_fraction": 0.5, "start_timeout": 30, "progress_dir": "/f"})
    s = load_settings(environ=_env(tmp_path))
    assert (s.worker_cmd, s.worker_cmd_origin, s.mem_fraction, s.start_timeout) == (
        "srun x",
        "settings.json",
        0.5,
        30.0,
    )
    assert s.progress_dir == Path("/f")
    env = _env(tmp_path, JITTUTOR_WORKER_CMD="ssh y", JITTUTOR_MEM_FRACTION="0.25", JITTUTOR_PROGRESS_DIR="/e")
    s = load_settings(environ=env)
    assert (s.worker_cmd, s.worker_cmd_origin, s.mem_fraction, s.progress_dir) == (
        "ssh y",
        "JITTUTOR_WORKER_CMD",
        0.25,
        Path("/e"),
    )
    s = load_settings(worker_cmd="z", mem_fraction="1", progress_dir="/c", environ=env)
    assert (s.worker_cmd, s.worker_cmd_origin, s.mem_fraction, s.progress_dir) == ("z", "--worker-cmd", 1.0, Path("/c"))
    assert s.worker_env(env)["JITTUTOR_MEM_FRACTION"] == "1"  # type: ignore[index]


def test_lesson_directories_add_up(tmp_path: Path) -> None:
    _write_settings(tmp_path, {"lessons": ["/from-file"]})
    s = load_settings(lessons=[Path("/from-cli")], environ=_env(tmp_path, JITTUTOR_LESSONS="/a:/b"))
    assert s.lesson_dirs == (Path("/from-file"), Path("/a"), Path("/b"), Path("/from-cli"))


@pytest.mark.parametrize(
    ("env", "data", "named"),
    [
        ({"JITTUTOR_MEM_FRACTION": "2"}, {}, "JITTUTOR_MEM_FRACTION"),
        ({"JITTUTOR_MEM_FRACTION": "half"}, {}, "JITTUTOR_MEM_FRACTION"),
        ({}, {"mem_fraction": "nan"}, "settings.json: mem_fraction"),
        ({}, {"worker_cmd": ["srun"]}, "settings.json: worker_cmd"),
        ({"JITTUTOR_WORKER_CMD": "srun 'unbalanced"}, {}, "JITTUTOR_WORKER_CMD"),
        ({"JITTUTOR_START_TIMEOUT": "soon"}, {}, "JITTUTOR_START_TIMEOUT"),
        ({"JITTUTOR_START_TIMEOUT": "-1"}, {}, "JITTUTOR_START_TIMEOUT"),
        ({}, {"lessons": 3}, "settings.json: lessons"),
        ({}, {"progress_dir": 3}, "settings.json: progress_dir"),
    ],
)
def test_a_value_that_cannot_be_used_names_where_it_came_from(
    tmp_path: Path, env: dict[str, str], data: dict, named: str
) -> None:
    _write_settings(tmp_path, data)
    with pytest.raises(ConfigError, match=named):
        load_settings(environ=_env(tmp_path, **env))


def test_bad_command_line_value_names_the_option(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--mem-fraction"):
        load_settings(mem_fraction="0", environ=_env(tmp_path))
    with pytest.raises(ConfigError, match="--worker-cmd"):
        load_settings(worker_cmd="a 'b", environ=_env(tmp_path))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4G", 4 << 30),
        ("4GB", 4 << 30),
        ("4GiB", 4 << 30),
        ("4096M", 4 << 30),
        ("1.5g", 3 << 29),
        ("1048576", 1 << 20),
        ("512k", 512 << 10),
    ],
)
def test_memory_sizes(text: str, expected: int) -> None:
    assert parse_size(text, "X") == expected


def test_memory_limit_that_cannot_be_read_is_an_error_not_ignored() -> None:
    with pytest.raises(ConfigError, match="JITTUTOR_MEM_LIMIT"):
        worker_mem_limit({"JITTUTOR_MEM_LIMIT": "lots"})
    assert worker_mem_limit({"JITTUTOR_MEM_LIMIT": "4GiB"}) == 4 << 30
    assert worker_mem_limit({"JITTUTOR_MEM_LIMIT": "none"}) == 0
    assert worker_mem_limit({}) is None


def test_every_variable_is_read_only_in_config() -> None:
    """The README's promise: one module reads the environment's JITTUTOR_* variables."""
    package = Path(__file__).resolve().parents[1] / "jittutor"
    offenders = []
    for path in package.rglob("*.py"):
        if path.name == "config.py" and path.parent == package:
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(package)}: {name}" for name in ALL_ENV if f'"{name}"' in text]
    assert offenders == []
