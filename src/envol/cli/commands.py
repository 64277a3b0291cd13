"""Every `envol` command: its name, its help and its options (argparse only, nothing else imported).

`envol --help` and a mistyped option answer at once; the module that runs a command (``run``, as
``module:function``) is imported only when that command runs, after Django is set up when it needs
it (its imports are then at its top, as everywhere else).
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import django


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    # `module:function` under envol.cli: imported only when the command runs (see commands.py).
    run: str
    django: bool = True  # set Django up before importing `run`'s module

    def handler(self) -> Callable[[argparse.Namespace], int]:
        if self.django:
            setup_django()
        module, _, function = self.run.partition(":")
        found: Callable[[argparse.Namespace], int] = getattr(
            importlib.import_module(f"envol.cli.{module}"), function
        )
        return found


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "envol.core.settings")
    django.setup()


def _run_options(parser: argparse.ArgumentParser) -> None:
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


def _worker_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between polls when idle (default: %(default)s)"
    )


def _no_options(parser: argparse.ArgumentParser) -> None:
    return None


def _ingest_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="the archive zip, its extracted folder, or its .js files")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument(
        "--timings",
        action="store_true",
        help='also say where the time went, stage by stage (with --json: a "timings" object)',
    )
    parser.add_argument("--honour-blocks", action="store_true",
                        help="also read block.js and mute.js (the upload page's opt-in)")  # fmt: skip


def _address_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "text", nargs="+", metavar="TEXT", help="an address in any written form, or a whole bio"
    )
    parser.add_argument(
        "--fediverse",
        action="store_true",
        help="read user@host as a fediverse account, not an e-mail address",
    )


def _rotate_keys_options(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Re-encrypt every stored token and secret under the first key of ENVOL_TOKEN_KEYS. "
        "Run it after putting a new key first; drop the old key only once it succeeded."
    )


def _match_options(parser: argparse.ArgumentParser) -> None:
    every = "every person with an archive or a verified X account"
    what = "import-suggestions FILE: store an operator's list of unverified addresses"
    parser.add_argument("action", nargs="?", choices=["import-suggestions"], help=what)
    parser.add_argument("file", nargs="?", type=Path, help="the CSV file (x_id,address per line)")
    parser.add_argument("--person", type=int, metavar="ID", help=f"only this person (default: {every})")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    parser.add_argument(
        "--recompute", action="store_true", help="rebuild the candidates first (of --person, or of everyone)"
    )


def _privacy_options(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="scan every table and column; non-zero exit on a finding")
    check.add_argument("--quiet", action="store_true", help="print findings only, not the inventory")
    export = sub.add_parser("export", help="print everything held about one person, as JSON")
    export.add_argument("--person", type=int, required=True, metavar="ID")
    erase = sub.add_parser("erase", help="erase one person (revokes their tokens), print the receipt")
    erase.add_argument("--person", type=int, required=True, metavar="ID")
    erase.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    erase.add_argument(
        "--undo-follows",
        action="store_true",
        help="first remove the follows Envol made for the person (erasure pending until done)",
    )
    sub.add_parser("retention", help="apply the retention rules now and print what was done (counts)")
    docs = sub.add_parser("docs", help="print the generated inventory of docs/privacy.md")
    docs.add_argument("--write", action="store_true", help="rewrite the generated blocks of docs/privacy.md")


def _figures_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def _reconnect_options(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    status = sub.add_parser(
        "status", help="progress per linked account (done, remaining, failed, ETA, errors)"
    )
    status.add_argument(
        "--person", type=int, metavar="ID", help="only this person (default: everyone with tasks)"
    )
    status.add_argument("--json", action="store_true", help="print JSON")
    plan = sub.add_parser("plan", help="plan (again) the follows of a person, or of everyone who chose")
    plan.add_argument("--person", type=int, metavar="ID")
    undo = sub.add_parser("undo", help="remove the follows Envol created for one account")
    undo.add_argument("--account", type=int, metavar="ID", required=True)


COMMANDS = [
    Command(
        "run", "serve the web site with a background worker in the same process", _run_options, "serve:run"
    ),
    Command(
        "worker",
        "run a background worker process (PostgreSQL deployments run several)",
        _worker_options,
        "serve:worker",
    ),
    Command("migrate", "create or upgrade the database tables", _no_options, "serve:migrate"),
    Command("ingest", "import an X archive's follower and following lists", _ingest_options, "ingest:run"),
    Command(
        "address",
        "find and normalise Bluesky and Mastodon addresses in a text",
        _address_options,
        "address:run",
        django=False,
    ),
    Command(
        "rotate-keys",
        "re-encrypt stored tokens and secrets under the first ENVOL_TOKEN_KEYS key",
        _rotate_keys_options,
        "keys:run",
    ),
    Command(
        "match", "count who of a person's X people is on Bluesky and Mastodon", _match_options, "match:run"
    ),
    Command("privacy", "privacy: check, export, erase, retention, docs", _privacy_options, "privacy:run"),
    Command(
        "figures",
        "Count the public figures and the media outlets' figures now.",
        _figures_options,
        "figures:run",
    ),
    Command("reconnect", "follow tasks: status, plan, undo", _reconnect_options, "reconnect:run"),
]
