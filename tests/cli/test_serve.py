"""`envol run` serves pages with its worker, and one Ctrl-C stops both cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import uvicorn

from envol.cli.main import _commands
from envol.cli.webprocesses import listening_sockets


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str, language: str = "en") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept-Language": language})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_help_lists_every_command() -> None:
    result = subprocess.run(["envol", "--help"], capture_output=True, text=True, check=True)
    for command in _commands():
        assert f"    {command.name} " in result.stdout
        assert command.help.split()[0] in result.stdout


def test_run_serves_both_languages_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENVOL_") and k != "DATABASE_URL"}
    env.update(ENVOL_DATA_DIR=str(tmp_path), ENVOL_HEARTBEAT_SECONDS="1")
    process = subprocess.Popen(
        ["envol", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        health: dict[str, str] = {}
        while time.monotonic() < deadline:
            try:
                status, body = _get(f"{base}/healthz")
                health = json.loads(body)
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        assert health.get("worker") == "ok", health
        assert (
            tmp_path / "envol.sqlite3"
        ).exists()  # migrations applied to the SQLite file under the data dir
        assert "Quittez X, gardez vos liens" in _get(base + "/", "fr")[1]
        assert "Leave X, keep your people" in _get(base + "/", "en")[1]
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "stopped" in output  # the embedded worker finished too, not just the web server


def test_run_with_several_workers_serves_from_each_and_stops_them_all(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENVOL_") and k != "DATABASE_URL"}
    env.update(ENVOL_DATA_DIR=str(tmp_path), ENVOL_HEARTBEAT_SECONDS="1")
    process = subprocess.Popen(
        ["envol", "run", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        status = 0
        while time.monotonic() < deadline and status != 200:
            try:
                status, body = _get(f"{base}/healthz")
            except OSError:
                time.sleep(0.2)
        assert status == 200, body
        # Enough requests to reach both processes; each answers in the language asked for.
        for _ in range(10):
            assert '<html lang="fr">' in _get(base + "/faq/", "fr")[1]
            assert '<html lang="en">' in _get(base + "/faq/", "en")[1]
        with sqlite3.connect(tmp_path / "envol.sqlite3") as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "envol_cache" in tables  # the processes count rate limits together, in the database
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert output.count("Started server process") == 2, output
    assert "stopped" in output


def _web_processes(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    # Not multiprocessing's resource tracker, also a child.
    return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def _connections_per_process(parent: int, port: int) -> list[int]:
    """How many established connections to ``port`` each web process started by ``parent`` holds
    (Linux /proc)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 01: established
                inodes.add(fields[9])
    counts = []
    for child in _web_processes(parent):
        held = 0
        for fd in Path(f"/proc/{child}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            held += target.startswith("socket:[") and target[8:-1] in inodes
        counts.append(held)
    return counts


def test_several_workers_share_the_connections_and_one_that_dies_is_replaced(tmp_path: Path) -> None:
    # One socket shared by both processes let the first to wake accept every waiting connection:
    # 44 of the load benchmark's 50 kept-alive clients on one process (cli/webprocesses.py).
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENVOL_") and k != "DATABASE_URL"}
    env.update(ENVOL_DATA_DIR=str(tmp_path), ENVOL_HEARTBEAT_SECONDS="1")
    process = subprocess.Popen(
        ["envol", "run", "--port", str(port), "--workers", "2", "--no-worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    clients: list[socket.socket] = []
    try:
        base, deadline, status = f"http://127.0.0.1:{port}", time.monotonic() + 90, 0
        while time.monotonic() < deadline and status != 200:
            try:
                status, _ = _get(f"{base}/faq/")
            except OSError:
                time.sleep(0.2)
        time.sleep(2)  # both processes serving, not only the first
        for _ in range(40):
            clients.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        counts: list[int] = []
        while time.monotonic() < deadline:  # accepted within moments
            counts = _connections_per_process(process.pid, port)
            if sum(counts) == 40:
                break
            time.sleep(0.1)
        assert sum(counts) == 40, counts
        # A hash spreads 40 connections about evenly: fewer than 8 on either side happens with a
        # probability under 1 in 20,000.
        assert len(counts) == 2, counts
        assert min(counts) >= 8, counts
        for client in clients:
            client.close()
        victim = _web_processes(process.pid)[0]
        os.kill(victim, signal.SIGKILL)
        replaced: list[int] = []
        while time.monotonic() < deadline and len(replaced) != 2:
            time.sleep(0.2)
            replaced = [p for p in _web_processes(process.pid) if p != victim]
        assert len(replaced) == 2, replaced
        for _ in range(20):  # whichever socket each lands on, it is served
            assert _get(f"{base}/faq/")[0] == 200
    finally:
        for client in clients:
            client.close()
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output


@pytest.mark.parametrize("reuse_port", [False, True])
def test_a_port_in_use_is_refused_even_by_another_envol(reuse_port: bool) -> None:
    # SO_REUSEPORT alone would let a second `envol run --workers N` join the first one's sockets and
    # take part of its connections: the port must be free, as with one socket.
    with socket.socket() as other:
        if reuse_port:  # as another `envol run --workers N` of this user listens
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        config = uvicorn.Config("envol.core.asgi:application", host="127.0.0.1", port=port, workers=2)
        with pytest.raises(OSError, match="in use"):
            listening_sockets(config, 2)
    sockets = listening_sockets(config, 2)  # free again: one socket per process, on that port
    try:
        assert [s.getsockname()[1] for s in sockets] == [port, port]
    finally:
        for sock in sockets:
            sock.close()


def test_run_says_when_its_port_is_in_use(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENVOL_") and k != "DATABASE_URL"}
    env.update(ENVOL_DATA_DIR=str(tmp_path))
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        done = subprocess.run(["envol", "run", "--port", str(port), "--workers", "2", "--no-worker"],
                              env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1
    assert f"envol: cannot listen on 127.0.0.1:{port}: Address already in use" in done.stderr
    assert "Envol is serving" not in done.stdout
