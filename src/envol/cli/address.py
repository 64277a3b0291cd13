"""`envol address TEXT`: every Bluesky and Mastodon address found in TEXT, normalised, as JSON."""

from __future__ import annotations

import argparse
import json

from envol.addresses.parse import find_addresses


def run(args: argparse.Namespace) -> int:
    report = find_addresses(" ".join(args.text), fediverse=args.fediverse)
    print(json.dumps(report.to_json_dict(), ensure_ascii=False))
    return 0
