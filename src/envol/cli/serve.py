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
    parser.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="web processes serving requests, one per core is the usual choice (default: %(default)s; "
        "docs/operations.md says how to size it)",
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return value


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
    if args.workers > 1:
        _share_rate_limits()
    worker = None if args.no_worker else EmbeddedWorker()
    if worker:
        _schedule_periodic()
        worker.start()
    config = uvicorn.Config(
        "envol.core.asgi:application",
        host=args.host,
        port=args.port,
        lifespan="off",
        log_config=None,
        workers=args.workers,
    )
    print(f"Envol is serving on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    try:
        if args.workers > 1:
            # uvicorn's supervisor: this process binds the socket, starts the web processes, restarts
            # any that dies, and keeps the background worker; Ctrl-C stops them all.
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[config.bind_socket()]).run()
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
    import os

    from django.core.management import call_command

    from envol.core.cache import CACHE_TABLE

    if not os.environ.get("ENVOL_CACHE", "").strip():
        os.environ["ENVOL_CACHE"] = "database"  # read by the web processes' settings
        call_command("createcachetable", CACHE_TABLE, verbosity=0)


def _schedule_periodic() -> None:
    """Periodic tasks re-enqueue themselves; a starting worker restarts any chain that broke."""
    from envol.stats.periodic import ensure_scheduled

    ensure_scheduled()


def configure_worker(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between polls when idle (default: %(default)s)"
    )


def worker(args: argparse.Namespace) -> int:
    setup_django()
    from envol.core.worker import run_worker_process

    _schedule_periodic()
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
