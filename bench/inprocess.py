"""The signed-in review page in-process: CPU per page through the ASGI application, one at a time and
25 at once, without a server, a client or the network in the way.

    uv run python -m bench.inprocess [--rounds 5] [--postgres URL]

Seeds a fresh database (4 signed-in persons of 150 candidates: bench/loadseed.py), then calls
`envol.core.asgi.application` as uvicorn calls it, each person reloading their own page, half in
English and half in French; every answer must be 200 and hold that person's rows. Reports the CPU
time of this process per page (best of the rounds: the machine's other work only adds), and, on
PostgreSQL, the wall time per page one at a time and the CPU the database server's processes spent
meanwhile. The web settings are read from the environment (ENVOL_REQUEST_THREADS,
ENVOL_REQUESTS_AT_ONCE), so their effect is measured by setting them. See decision 0028.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pwd
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _seed(env: dict[str, str]) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-m", "bench.loadseed", "4", "150", "20"], env=env, cwd=ROOT,
                          check=True, capture_output=True)  # fmt: skip
    people: list[dict[str, Any]] = json.loads(done.stdout)
    return people


def _postgres_cpu() -> float:
    """CPU seconds of every process of the `postgres` user so far (Linux /proc)."""
    try:
        uid = pwd.getpwnam("postgres").pw_uid
    except KeyError:
        return 0.0
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or entry.stat().st_uid != uid:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def measure(people: list[dict[str, Any]], rounds: int) -> dict[str, float]:
    from bench.load import CSRF  # the cookies a browser keeps, as the load benchmark sends them
    from envol.core.asgi import application

    async def one(i: int) -> None:
        person, language = people[i % len(people)], ("en", "fr")[i % 2]
        headers = [(b"host", b"127.0.0.1"), (b"accept-language", language.encode()),
                   (b"cookie", f"sessionid={person['session']}; csrftoken={CSRF}".encode())]  # fmt: skip
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": "/people/", "raw_path": b"/people/", "query_string": b"",
                 "root_path": "", "client": ("127.0.0.1", 5555), "server": ("127.0.0.1", 80),
                 "headers": headers}  # fmt: skip
        sent: list[dict[str, Any]] = []
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await application(scope, receive, send)
        body = b"".join(m.get("body", b"") for m in sent[1:])
        if sent[0]["status"] != 200 or str(person["marker"]).encode() not in body:
            raise SystemExit(f"wrong answer: {sent[0]['status']}")

    async def in_turn(n: int) -> None:
        for i in range(n):
            await one(i)

    async def at_once(n: int, clients: int) -> None:
        async def client(k: int) -> None:
            for i in range(n // clients):
                await one(k + i * clients)

        await asyncio.gather(*(client(k) for k in range(clients)))

    asyncio.run(in_turn(50))  # warm: templates, connections, the memo
    alone, crowd = [], []
    for _ in range(rounds):
        started = time.process_time()
        asyncio.run(in_turn(200))
        alone.append((time.process_time() - started) / 200 * 1000)
        started = time.process_time()
        asyncio.run(at_once(400, 25))
        crowd.append((time.process_time() - started) / 400 * 1000)
    database_cpu, wall_started, cpu_started = _postgres_cpu(), time.perf_counter(), time.process_time()
    asyncio.run(in_turn(400))
    return {
        "cpu_ms_one_at_a_time": min(alone),
        "cpu_ms_25_at_once": min(crowd),
        "wall_ms_one_at_a_time": (time.perf_counter() - wall_started) / 400 * 1000,
        "cpu_ms_while_wall_measured": (time.process_time() - cpu_started) / 400 * 1000,
        "postgres_cpu_ms": (_postgres_cpu() - database_cpu) / 400 * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", help="a database to drop, create and use (default: SQLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "ENVOL_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "envol.core.settings"}
        if args.postgres:
            from bench.load import _reset_pg

            _reset_pg(args.postgres)
            env["DATABASE_URL"] = args.postgres
        else:
            env.pop("DATABASE_URL", None)
        people = _seed(env)
        os.environ.clear()
        os.environ.update(env)
        result = measure(people, args.rounds)
    for name, value in result.items():
        if args.postgres or not name.startswith(("postgres", "wall")):
            print(f"{name:28} {value:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
