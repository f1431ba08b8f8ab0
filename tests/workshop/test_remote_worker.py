"""A worker started through a launcher: a wrapper script like srun, and a real OpenSSH server."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import REPO, TWO_CPUS, jittutor, worker_env
from workshop_support import free_port, jittutor_popen, launcher_script, stop, wait_for_port, wait_gone

from jittutor.engine.launch import StartNotice

pytestmark = pytest.mark.slow


# --- through a wrapper script, as srun would start it -------------------------------------


def test_check_through_a_launcher_script(tmp_path: Path) -> None:
    script = launcher_script(tmp_path / "fake-srun")
    out = jittutor("check", "static-args", "--solution", "--worker-cmd", str(script), "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    data = json.loads(out.stdout)
    assert data["passed"] is True
    assert data["device"] == "cpu:0"
    assert (tmp_path / "fake-srun.pid").exists(), "the launcher did not run"


def test_a_banner_on_the_launchers_stdout_is_ignored(tmp_path: Path) -> None:
    script = tmp_path / "chatty"
    script.write_text(f'#!/bin/sh\necho "Welcome to the cluster"\nexec "{sys.executable}" -m jittutor.worker\n')
    script.chmod(0o755)
    out = jittutor("devices", "--json", "--worker-cmd", str(script))
    assert out.returncode == 0, out.stderr
    assert [d["name"] for d in json.loads(out.stdout)["devices"]] == ["cpu:0", "cpu:1"]


def test_worker_cmd_from_settings_json_and_the_option_wins(tmp_path: Path, jittutor_home: Path) -> None:
    from_settings = launcher_script(tmp_path / "from-settings", banner=False)
    jittutor_home.mkdir(parents=True, exist_ok=True)
    (jittutor_home / "settings.json").write_text(json.dumps({"worker_cmd": str(from_settings)}))
    out = jittutor("devices", "--json")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "from-settings.pid").exists()
    (tmp_path / "from-settings.pid").unlink()
    from_option = launcher_script(tmp_path / "from-option", banner=False)
    out = jittutor("devices", "--json", "--worker-cmd", str(from_option))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "from-option.pid").exists()
    assert not (tmp_path / "from-settings.pid").exists()


def test_a_worker_cmd_given_before_the_command_is_kept(tmp_path: Path) -> None:
    script = launcher_script(tmp_path / "early", banner=False)
    out = jittutor("--worker-cmd", str(script), "devices", "--json")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "early.pid").exists()


def test_a_slow_start_is_shown_and_ctrl_c_kills_the_launcher(tmp_path: Path) -> None:
    script = launcher_script(tmp_path / "queued", delay=120)
    proc = jittutor_popen("check", "static-args", "--solution", "--worker-cmd", str(script), env=worker_env())
    assert proc.stderr is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
    reader.start()
    try:
        deadline = time.monotonic() + 120
        # The queue line comes from the launcher after it wrote its pid file; the notice, from a 2 s timer.
        while not all(any(needle in line for line in lines) for needle in ("waiting for the worker", "job 4242")):
            assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
            time.sleep(0.1)
        seen = "".join(lines)
        assert "waiting for the worker (command: " in seen and str(script) in seen, seen
        assert "ctrl+c" in seen
        launcher = int((tmp_path / "queued.pid").read_text())
        started = time.monotonic()
        code = stop(proc, signal.SIGINT, timeout=60)
        # About a second, even loaded; the launcher's "queue" lasts 120 s, which is what a ctrl+c that waits shows.
        assert time.monotonic() - started < 30, "ctrl+c took too long"
    finally:
        stop(proc, signal.SIGKILL)
    reader.join(timeout=10)
    text = "".join(lines)
    assert code == 130, text
    assert "Traceback" not in text
    assert "interrupted" in text
    # The launcher and its children (the "queue" sleep) are gone: the whole group was killed.
    assert wait_gone(launcher) == [], "the launcher's process group outlived ctrl+c"


# --- GPU sharing ---------------------------------------------------------------------------


def test_mem_fraction_reaches_the_worker(tmp_path: Path) -> None:
    dump = tmp_path / "worker-env"
    script = launcher_script(tmp_path / "envdump", banner=False, env_dump=dump)
    out = jittutor("devices", "--mem-fraction", "0.25", "--worker-cmd", str(script))
    assert out.returncode == 0, out.stderr
    assert "JITTUTOR_MEM_FRACTION=0.25" in dump.read_text().splitlines()


def test_mem_fraction_from_the_environment_reaches_a_local_worker() -> None:
    code = (
        "from jittutor.config import load_settings\n"
        "from jittutor.engine.pool import WorkerPool\n"
        "settings = load_settings()\n"
        "with WorkerPool(settings.worker_cmd, standby=False, env=settings.worker_env()) as pool:\n"
        "    print(pool.info().jax_version)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=worker_env(JITTUTOR_MEM_FRACTION="0.5"),
        cwd=REPO,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("value", ["0", "1.5", "-0.2", "half", "nan"])
def test_bad_mem_fraction_is_exit_2(value: str) -> None:
    out = jittutor("devices", "--mem-fraction", value)
    assert out.returncode == 2
    assert "--mem-fraction" in out.stderr and "Traceback" not in out.stderr


def test_bad_mem_fraction_in_the_environment_names_the_variable() -> None:
    out = jittutor("devices", env=worker_env(JITTUTOR_MEM_FRACTION="2"))
    assert out.returncode == 2
    assert "JITTUTOR_MEM_FRACTION" in out.stderr


def test_start_notice_speaks_only_when_slow() -> None:
    import io

    quick = io.StringIO()
    notice = StartNotice(quick, after=0.3)
    notice("starting", "srun python -m jittutor.worker")
    notice("ready", "jax 0.10.2")
    time.sleep(0.5)
    assert quick.getvalue() == ""
    slow = io.StringIO()
    notice = StartNotice(slow, after=0.05)
    notice("starting", "srun python -m jittutor.worker")
    deadline = time.monotonic() + 60  # the timer's thread may start late on a loaded machine
    while "waiting for the worker" not in slow.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    notice("ready", "jax 0.10.2")
    notice("busy", "f")
    notice("ready", "")
    lines = slow.getvalue().splitlines()
    assert lines == [
        "jittutor: waiting for the worker (command: srun python -m jittutor.worker); ctrl+c gives up",
        "jittutor: the worker is ready (jax 0.10.2)",
    ]


# --- through a real OpenSSH server on 127.0.0.1 -------------------------------------------


def _sshd_binary() -> str | None:
    return shutil.which("sshd") or next(
        (p for p in ("/usr/sbin/sshd", "/usr/local/sbin/sshd") if os.path.exists(p)), None
    )


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A throw-away sshd on a free port, accepting one generated key for the current user."""
    binary, keygen = _sshd_binary(), shutil.which("ssh-keygen")
    if binary is None or keygen is None or shutil.which("ssh") is None:
        pytest.skip("no OpenSSH (sshd, ssh, ssh-keygen) here: apt-get install openssh-server openssh-client")
    d = tmp_path / "ssh"
    d.mkdir(mode=0o700)
    for name in ("host_key", "user_key"):
        subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(d / name)], check=True, timeout=30)
    (d / "authorized_keys").write_text((d / "user_key.pub").read_text())
    (d / "authorized_keys").chmod(0o600)
    port = free_port()
    config = d / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d / 'host_key'}\nAuthorizedKeysFile {d / 'authorized_keys'}\n"
        f"PidFile {d / 'sshd.pid'}\nUsePAM no\nStrictModes no\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin prohibit-password\n"
        "AcceptEnv none\nLogLevel ERROR\n"
    )
    if os.geteuid() == 0 and not os.path.isdir("/run/sshd"):
        # sshd started as root wants its privilege separation directory (systemd normally makes it).
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    proc = subprocess.Popen(
        [binary, "-D", "-f", str(config), "-e"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        try:
            wait_for_port(port, timeout=20, proc=proc)
        except AssertionError as exc:
            log = proc.stdout.read() if proc.poll() is not None and proc.stdout else ""
            pytest.skip(f"sshd would not start here ({exc}): {log.strip()[-300:]}")
        yield port, d / "user_key"
    finally:
        stop(proc, signal.SIGTERM)


def _ssh_worker_cmd(port: int, key: Path, *, extra_env: str = "") -> str:
    ssh = (
        f"ssh -p {port} -i {shlex.quote(str(key))} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
        "-o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=20 127.0.0.1"
    )
    # The remote side gets a fresh login environment: name everything the worker needs.
    remote = (
        f"env PYTHONPATH={shlex.quote(str(REPO))} XLA_FLAGS={TWO_CPUS} JAX_PLATFORMS=cpu {extra_env}"
        f"{shlex.quote(sys.executable)} -m jittutor.worker"
    )
    return f"{ssh} {remote}"


def test_check_through_ssh(sshd: tuple[int, Path]) -> None:
    port, key = sshd
    out = jittutor("check", "static-args", "--solution", "--worker-cmd", _ssh_worker_cmd(port, key), "--json")
    if out.returncode != 0 and "Permission denied" in out.stderr:
        pytest.skip(f"this sshd refuses key logins for this user: {out.stderr.strip()[-300:]}")
    assert out.returncode == 0, out.stdout + out.stderr
    data = json.loads(out.stdout)
    assert data["passed"] is True
    assert data["device"] == "cpu:0"
    assert data["jax_version"]


def test_devices_and_second_device_through_ssh(sshd: tuple[int, Path]) -> None:
    port, key = sshd
    cmd = _ssh_worker_cmd(port, key, extra_env="JITTUTOR_MEM_FRACTION=0.3 ")
    out = jittutor("devices", "--json", "--worker-cmd", cmd)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert [d["name"] for d in data["devices"]] == ["cpu:0", "cpu:1"]
    out = jittutor("check", "static-args", "--solution", "--device", "cpu:1", "--worker-cmd", cmd, "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["device"] == "cpu:1"
