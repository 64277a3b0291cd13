"""`envol run`, `envol worker`, `envol migrate`: serving and maintaining the service."""

from __future__ import annotations

import argparse
import os
import sys

import uvicorn
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from envol.cli.webprocesses import WebProcesses, listening_sockets
from envol.core.cache import CACHE_TABLE
from envol.core.worker import EmbeddedWorker, run_worker_process


def _pending_migrations() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _migrate(verbosity: int = 1) -> None:
    call_command("migrate", interactive=False, verbosity=verbosity)


def run(args: argparse.Namespace) -> int:
    if _pending_migrations():
        if connection.vendor != "sqlite":
            # Several web processes may start at once on a shared database: migrating is an
            # explicit, single step there.
            print("envol: the database has unapplied migrations; run `envol migrate` first", file=sys.stderr)
            return 1
        _migrate(verbosity=0)
    if args.workers > 1:
        _share_rate_limits()
    config = uvicorn.Config(
        "envol.core.asgi:application",
        host=args.host,
        port=args.port,
        lifespan="off",
        log_config=None,
        workers=args.workers,
    )
    try:
        # Several processes: this one binds a socket per web process (cli/webprocesses.py), before
        # anything starts, so that a port in use is said at once.
        sockets = listening_sockets(config, args.workers) if args.workers > 1 else []
    except OSError as error:
        print(f"envol: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 1
    worker = None if args.no_worker else EmbeddedWorker()
    if worker:
        worker.start()
    print(f"Envol is serving on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    try:
        if sockets:
            # Starts the web processes, replaces any that dies, and keeps the background worker here;
            # Ctrl-C stops them all.
            WebProcesses(config, sockets).run()
        else:
            uvicorn.Server(config).run()
    except KeyboardInterrupt:
        # uvicorn drains requests on Ctrl-C, then re-raises the signal for the caller: ours is a
        # normal, clean stop.
        pass
    finally:
        if worker:
            worker.stop()
    return 0


def _share_rate_limits() -> None:
    """Several web processes must count sign-ins and uploads together: unless the operator chose,
    their cache (the rate-limit counters) is the database table, created here if need be."""
    if not os.environ.get("ENVOL_CACHE", "").strip():
        os.environ["ENVOL_CACHE"] = "database"  # read by the web processes' settings
        call_command("createcachetable", CACHE_TABLE, verbosity=0)


def worker(args: argparse.Namespace) -> int:
    run_worker_process(interval=args.interval)
    return 0


def migrate(args: argparse.Namespace) -> int:
    _migrate()
    return 0
