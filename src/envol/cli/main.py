"""Entry point of the `envol` command; the commands are declared in commands.py."""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from envol.cli.commands import COMMANDS, Command


def _commands() -> list[Command]:
    return list(COMMANDS)


def build_parser(commands: Sequence[Command]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="envol",
        description="Envol: leave X without losing your community.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for command in commands:
        child = sub.add_parser(command.name, help=command.help, description=command.help)
        command.configure(child)
        child.set_defaults(command_entry=command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(_commands())
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    entry: Command = args.command_entry
    result: int = entry.handler()(args)
    return result


def run() -> NoReturn:
    """The `envol` program: `main`, then `leave`."""
    leave(main())


def leave(code: int) -> NoReturn:
    """End the process without Python's teardown of every object and module, one by one.

    Once a command has returned, that teardown is time the person waits for nothing: 0.14 s after
    storing a 4-million-follower archive (bench/ingest.py, stage "exit"; decision 0029), which the
    system does at once by reclaiming the memory. What an exit must still do is done: the exit
    handlers run (logging's flush, executors' joins, temporary files' finalizers), the database
    connections are closed (PostgreSQL's pool too, so the server sees them end properly), the
    standard streams flushed. With threads of the command still running (daemon threads, such as
    the pool's, end with the process in either case), the ordinary exit waits for them instead."""
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    db = sys.modules.get("django.db")
    if db is not None:
        for connection in db.connections.all(initialized_only=True):
            connection.close()
            if getattr(connection, "pool", None) is not None:  # PostgreSQL: its pool's own connections
                connection.close_pool()
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: as Python's own exit, say so by the code
        os._exit(code or 1)
    os._exit(code)


if __name__ == "__main__":
    run()
