"""`envol figures`: count the public figures now, instead of waiting for the periodic task."""

from __future__ import annotations

import argparse
import json

from envol.stats.periodic import ensure_scheduled
from envol.stats.tasks import refresh_all


def run(args: argparse.Namespace) -> int:
    summary = refresh_all()
    ensure_scheduled()
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"Snapshot {summary['snapshot']} taken; {summary['outlets_with_figures']} outlets have figures; "
            f"{summary['declarations_deleted']} stale declarations deleted, "
            f"{summary['emails_erased']} declarant addresses erased."
        )
    return 0
