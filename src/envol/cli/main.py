"""Entry point of the `envol` command; the commands are declared in commands.py."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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


if __name__ == "__main__":
    sys.exit(main())
