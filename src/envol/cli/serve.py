"""`envol run`, `envol worker`, `envol migrate`: serving and maintaining the service."""

from __future__ import annotations

import argparse
import sys

from envol.cli.main import Command, setup_django


def _pending_migrations() -> bool:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _migrate(verbosity: int = 1) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def configure_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    parser.add_argument(
        "--no-worker", action="store_true", help="do not run the background worker in this process"
    )


def run(args: argparse.Namespace) -> int:
    setup_django()
    import uvicorn
    from django.db import connection

    from envol.core.worker import EmbeddedWorker

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


def configure_worker(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between polls when idle (default: %(default)s)"
    )


def worker(args: argparse.Namespace) -> int:
    setup_django()
    from envol.core.worker import run_worker_process

    run_worker_process(interval=args.interval)
    return 0


def migrate(args: argparse.Namespace) -> int:
    setup_django()
    _migrate()
    return 0


def _no_options(parser: argparse.ArgumentParser) -> None:
    return None


COMMANDS = [
    Command("run", "serve the web site with a background worker in the same process", configure_run, run),
    Command(
        "worker",
        "run a background worker process (PostgreSQL deployments run several)",
        configure_worker,
        worker,
    ),
    Command("migrate", "create or upgrade the database tables", _no_options, migrate),
]
