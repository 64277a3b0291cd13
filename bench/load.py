"""Envol under a crowd: 50 concurrent clients on loopback, on SQLite and on PostgreSQL.

    uv run python -m bench.load [--clients 50] [--workers 2] [--duration 10] [--runs 3]
                                [--postgres URL | --no-postgres] [--plain]
                                [--only sqlite|postgres|baseline] [--scenario public|review|dismiss]
                                [--set ENVOL_NAME=VALUE ...]

Each run seeds a fresh database (published media outlets, figures over time, signed-in persons
with candidates: bench/loadseed.py), starts `envol run --workers N` without its background worker,
and loads it with three scenarios in turn, each --clients clients at once (bench/loadclient.py):

- public: the home page, how it works, the FAQ, the media directory and the figures, in English
  and in French (each answer must be in the language asked for);
- review: each client signed in as its own person (half in English, half in French), reloading its
  "Your people" page, /people/ (each answer must show that person's own rows), with the session
  and CSRF cookies a browser keeps;
- dismiss: each client dismisses and restores its own candidates (a form POST, answered by a
  redirect).

Reported per scenario: throughput (requests/s), p50, p95 and p99 latency, errors (a wrong status
or a wrong page is an error), the fewest and most answers one client had counted (a client with
few was kept waiting behind the others), and the server's CPU time per answered request (all its
processes, from /proc): on a shared machine throughput follows what else runs, CPU per request
much less, and the cores divided by it bound the throughput. Baseline, in the same run: the
smallest ASGI application answering a page of the same size on the same server
(bench/loadbaseline.py). The load average is
printed before and after: the machine's two cores are shared. Medians of --runs runs; results go
to bench/out/load.json. Each scenario is bounded: --duration seconds and --max-requests requests.
With --plain, each database is measured a second time as Envol served before decision 0013: one
process, ENVOL_PAGE_CACHE=off (labels ending in "plain").
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.loadclient import Outcome, Request, load

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
PG_DEFAULT = os.environ.get("BENCH_LOAD_PG", "postgresql://postgres@127.0.0.1:5432/envol_bench_load")
PUBLIC_PATHS = ("/", "/how-it-works/", "/faq/", "/media/", "/figures/")
HTML_LANG = {"en": b'<html lang="en">', "fr": b'<html lang="fr">'}
PLAIN = " plain"  # label suffix: `envol run` with one process and ENVOL_PAGE_CACHE=off
CSRF = "benchcsrfsecret0123456789abcdefg"  # 32 characters: Django accepts its own secret as the form token


def _env(data_dir: str, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENVOL_") and k != "DATABASE_URL"}
    # A PYTHONPATH given stays first: `PYTHONPATH=/elsewhere/src` measures another tree's code.
    path = os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH", ""), str(ROOT)]))
    env.update(ENVOL_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="envol.core.settings", PYTHONPATH=path)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _setting(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not name.startswith("ENVOL_") or not equals:
        raise argparse.ArgumentTypeError(f"expected ENVOL_NAME=VALUE, not {text!r}")
    return name, value


def _reset_pg(url: str) -> None:
    import psycopg

    admin, name = url.rsplit("/", 1)
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


def _pg_reachable(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3):
            return True
    except Exception:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _serve(command: list[str], env: dict[str, str], log: Path, port: int) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT)
    _wait(f"http://127.0.0.1:{port}/faq/", process)
    return process


def public_client(i: int) -> tuple[dict[str, str], Callable[[int], Request]]:
    def make(n: int) -> Request:
        language = ("en", "fr")[(i + n // len(PUBLIC_PATHS)) % 2]
        return Request(
            "GET", PUBLIC_PATHS[(i + n) % len(PUBLIC_PATHS)], language, must_hold=(HTML_LANG[language],)
        )

    return {}, make


def review_client(i: int, person: dict[str, Any]) -> tuple[dict[str, str], Callable[[int], Request]]:
    marker = str(person["marker"]).encode()

    def make(n: int) -> Request:
        language = ("en", "fr")[i % 2]  # a person reads in one language; both are measured
        return Request("GET", "/people/", language, must_hold=(HTML_LANG[language], marker))

    # A browser sends back the CSRF cookie its first page set; without it, every page would make
    # a new secret and set the cookie again, which no person's reloads cost.
    return {"sessionid": str(person["session"]), "csrftoken": CSRF}, make


def dismiss_client(person: dict[str, Any]) -> tuple[dict[str, str], Callable[[int], Request]]:
    ids: list[int] = person["candidates"]

    def make(n: int) -> Request:
        action = "dismiss" if (n // len(ids)) % 2 == 0 else "undismiss"
        body = f"csrfmiddlewaretoken={CSRF}&candidate={ids[n % len(ids)]}&action={action}&next=/people/"
        return Request("POST", "/review/dismiss/", body=body.encode(), expect=302)

    return {"sessionid": str(person["session"]), "csrftoken": CSRF}, make


def _scenarios(people: list[dict[str, Any]], clients: int) -> dict[str, list[Any]]:
    return {
        "public": [public_client(i) for i in range(clients)],
        "review": [review_client(i, people[i % len(people)]) for i in range(clients)],
        "dismiss": [dismiss_client(people[i % len(people)]) for i in range(clients)],
    }


def _tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and all its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, grown = {pid}, True
    while grown:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    return sum(times.get(p, 0.0) for p in tree)


def _measure(name: str, port: int, server: subprocess.Popen[bytes], clients: list[Any],
             args: argparse.Namespace) -> dict[str, Any]:  # fmt: skip
    """One scenario, with the server's CPU per answered request: unlike throughput on a shared
    machine, it does not depend on what else runs, and 2 cores / it bounds the throughput."""
    before = _tree_cpu(server.pid)
    outcome = load("127.0.0.1", port, clients, warmup=args.warmup, duration=args.duration,
                   max_requests=args.max_requests)  # fmt: skip
    cpu = _tree_cpu(server.pid) - before
    return _report(name, outcome, cpu * 1000 / max(outcome.sent, 1))


def _report(name: str, outcome: Outcome, cpu_ms: float) -> dict[str, Any]:
    summary: dict[str, Any] = outcome.summary()
    summary["server_cpu_ms"] = cpu_ms
    summary["error_kinds"] = dict(outcome.errors.most_common(5))
    print(
        f"  {name:9} {summary['throughput']:8.0f} req/s  p50 {summary['p50_ms']:7.1f} ms  "
        f"p95 {summary['p95_ms']:7.1f} ms  p99 {summary['p99_ms']:7.1f} ms  errors {summary['errors']}  "
        f"server CPU {cpu_ms:.2f} ms/request  "
        f"per client {summary['fewest_per_client']}–{summary['most_per_client']}"
        + (f" {summary['error_kinds']}" if summary["errors"] else ""),
        flush=True,
    )
    return summary


def run_database(label: str, database_url: str | None, args: argparse.Namespace) -> dict[str, Any]:
    plain = label.endswith(PLAIN)  # one process, nothing kept: what the pages cost without the cache
    with tempfile.TemporaryDirectory(dir=OUT) as data_dir:
        if database_url:
            _reset_pg(database_url)
        env = _env(data_dir, database_url)
        if plain:
            env["ENVOL_PAGE_CACHE"] = "off"
        env.update(args.set)
        seeded = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.loadseed",
                str(args.clients),
                str(args.candidates),
                str(args.outlets),
            ],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        people = json.loads(seeded.stdout)
        port = _free_port()
        command = ["envol", "run", "--port", str(port), "--no-worker"]
        if args.workers != 1 and not plain:
            command += ["--workers", str(args.workers)]
        server = _serve(command, env, Path(data_dir) / "server.log", port)
        results: dict[str, Any] = {}
        try:
            print(f" {label}:", flush=True)
            for name, clients in _scenarios(people, args.clients).items():
                if args.scenario and name not in args.scenario:
                    continue
                results[name] = _measure(name, port, server, clients, args)
        finally:
            _stop(server)
        return results


def run_baseline(args: argparse.Namespace) -> dict[str, Any]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.loadbaseline:app",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with tempfile.TemporaryDirectory(dir=OUT) as scratch:
        server = _serve(command, env, Path(scratch) / "baseline.log", port)
        try:
            print(" baseline (minimal ASGI app):", flush=True)
            clients = [
                ({}, lambda n: Request("GET", "/", must_hold=(b"<html lang=en>",)))
                for _ in range(args.clients)
            ]
            return {"public": _measure("baseline", port, server, clients, args)}
        finally:
            _stop(server)


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        scenario: {
            key: statistics.median(run[scenario][key] for run in runs)
            for key in ("throughput", "p50_ms", "p95_ms", "p99_ms", "errors", "server_cpu_ms")
        }
        for scenario in runs[0]
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="`envol run --workers` (default: %(default)s)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds counted per scenario")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds not counted before each scenario")
    parser.add_argument(
        "--max-requests", type=int, default=100_000, help="counted requests per scenario, at most"
    )
    parser.add_argument("--candidates", type=int, default=150, help="candidates per signed-in person")
    parser.add_argument("--outlets", type=int, default=300, help="published media outlets")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", default=PG_DEFAULT, help="database to drop, create and use")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--only", choices=("sqlite", "postgres", "baseline"), action="append")
    parser.add_argument(
        "--scenario", choices=("public", "review", "dismiss"), action="append", help="only these scenarios"
    )
    parser.add_argument(
        "--plain", action="store_true", help="also measure one process without the page cache (before/after)"
    )
    parser.add_argument(
        "--set", type=_setting, action="append", default=[], metavar="ENVOL_NAME=VALUE",
        help="a setting for the server under test (repeatable): measures its effect, e.g. "
        "--set ENVOL_DB_PREPARE_THRESHOLD=0",
    )  # fmt: skip
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    targets: list[tuple[str, str | None]] = [("baseline", None), ("sqlite", None)]
    if not args.no_postgres:
        if _pg_reachable(args.postgres):
            targets.append(("postgres", args.postgres))
        else:
            print(f"PostgreSQL not reachable at {args.postgres}: measured on SQLite only", flush=True)
    if args.only:
        targets = [t for t in targets if t[0] in args.only]
    if args.plain:
        targets += [(label + PLAIN, url) for label, url in targets if label != "baseline"]
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in targets}
    load_before = os.getloadavg()
    print(
        f"load: {args.clients} clients, {args.workers} worker(s), load average {load_before[0]:.2f}"
        + "".join(f", {name}={value}" for name, value in args.set),
        flush=True,
    )
    for run in range(args.runs):
        print(f"run {run + 1}:", flush=True)
        for label, url in targets:
            runs[label].append(run_baseline(args) if label == "baseline" else run_database(label, url, args))
    median = {label: _median(results) for label, results in runs.items()}
    load_after = os.getloadavg()
    print(
        f"medians of {args.runs} run(s) "
        f"(load average before {load_before[0]:.2f}, after {load_after[0]:.2f}):"
    )
    base = median.get("baseline", {}).get("public", {}).get("throughput")
    for label, scenarios in median.items():
        for name, figures in scenarios.items():
            ratio = f"  {figures['throughput'] / base:.2f}× baseline" if base and label != "baseline" else ""
            print(
                f"  {label:15} {name:8} {figures['throughput']:8.0f} req/s  p50 {figures['p50_ms']:6.1f} ms  "
                f"p95 {figures['p95_ms']:6.1f} ms  errors {figures['errors']:.0f}  "
                f"CPU {figures['server_cpu_ms']:.2f} ms/req{ratio}"
            )
    result = {
        "clients": args.clients,
        "workers": args.workers,
        "settings": dict(args.set),
        "runs": runs,
        "median": median,
        "load_average": {"before": load_before, "after": load_after},
    }
    (OUT / "load.json").write_text(json.dumps(result, indent=1))
    failed = any(figures["errors"] for label, s in median.items() for figures in s.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
