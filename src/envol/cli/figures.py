"""`envol figures`: count the public figures now, instead of waiting for the periodic task."""

from __future__ import annotations

import argparse
import json

from envol.cli.main import Command, setup_django


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(args: argparse.Namespace) -> int:
    setup_django()
    from envol.core.periodic import ran_now
    from envol.stats.tasks import JOB, refresh_all

    summary = refresh_all()
    ran_now(JOB)  # the periodic job's next run comes one interval from now
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"Snapshot {summary['snapshot']} taken; {summary['outlets_with_figures']} outlets have figures; "
            f"{summary['declarations_deleted']} stale declarations deleted, "
            f"{summary['emails_erased']} declarant addresses erased."
        )
    return 0


COMMANDS = [
    Command("figures", "Count the public figures and the media outlets' figures now.", configure, run)
]
