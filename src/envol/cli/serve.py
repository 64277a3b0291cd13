"""`envol run`, `envol worker`, `envol migrate`: serving and maintaining the service."""

from __future__ import annotations

import argparse
import sys

import uvicorn
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

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
    worker = None if args.no_worker else EmbeddedWorker()
    if worker:
        worker.start()
    config = uvicorn.Config(
        "envol.core.asgi:application", host=args.host, port=args.port, lifespan="off", log_config=None
    )
    print(f"Envol is serving on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:
        # uvicorn drains requests on Ctrl-C, then re-raises the signal for the caller: ours is a
        # normal, clean stop.
        pass
    finally:
        if worker:
            worker.stop()
    return 0


def worker(args: argparse.Namespace) -> int:
    run_worker_process(interval=args.interval)
    return 0


def migrate(args: argparse.Namespace) -> int:
    _migrate()
    return 0
