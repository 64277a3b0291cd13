"""`envol figures`: count the public figures now, instead of waiting for the periodic task."""

from __future__ import annotations

import argparse
import json

from envol.core.periodic import ran_now
from envol.stats.tasks import JOB, refresh_all


def run(args: argparse.Namespace) -> int:
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
