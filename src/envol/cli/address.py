"""`envol address TEXT`: every Bluesky and Mastodon address found in TEXT, normalised, as JSON."""

from __future__ import annotations

import argparse
import json

from envol.cli.main import Command


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "text", nargs="+", metavar="TEXT", help="an address in any written form, or a whole bio"
    )
    parser.add_argument(
        "--fediverse",
        action="store_true",
        help="read user@host as a fediverse account, not an e-mail address",
    )


def run(args: argparse.Namespace) -> int:
    from envol.addresses.parse import find_addresses  # pure: no Django set-up needed

    report = find_addresses(" ".join(args.text), fediverse=args.fediverse)
    print(json.dumps(report.to_json_dict(), ensure_ascii=False))
    return 0


COMMANDS = [Command("address", "find and normalise Bluesky and Mastodon addresses in a text", configure, run)]
