"""Entry point of the `envol` command. Each command module registers its sub-commands here."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "envol.core.settings")
    import django

    django.setup()


def _commands() -> list[Command]:
    from envol.cli import address, figures, ingest, keys, match, privacy, reconnect, serve

    return [
        *serve.COMMANDS,
        *ingest.COMMANDS,
        *address.COMMANDS,
        *keys.COMMANDS,
        *match.COMMANDS,
        *privacy.COMMANDS,
        *figures.COMMANDS,
        *reconnect.COMMANDS,
    ]


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
        child.set_defaults(handler=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(_commands())
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
