"""`envol match`: how many of a person's X people are on Bluesky and Mastodon, by direction.

envol match [--person ID] [--json] [--recompute]
envol match import-suggestions FILE
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from envol.matching.materialise import refresh_around, refresh_everyone
from envol.matching.service import UnknownPersonError, all_match_summaries, match_summary
from envol.matching.suggestions import import_file

_NETWORK_NAMES = {"bluesky": "Bluesky", "mastodon": "Mastodon"}


def run(args: argparse.Namespace) -> int:
    if args.action == "import-suggestions":
        return _import_suggestions(args.file)

    result: dict[str, Any] | list[dict[str, Any]]
    if args.person is not None:
        try:
            if args.recompute:
                match_summary(args.person)  # refuses an unknown id before any work
                refresh_around({args.person})
            result = match_summary(args.person)
        except UnknownPersonError as error:
            print(f"envol match: {error}", file=sys.stderr)
            return 2
    else:
        if args.recompute:
            refresh_everyone()
        result = all_match_summaries()
    if args.json:
        print(json.dumps(result))
        return 0
    summaries = [result] if isinstance(result, dict) else result
    if not summaries:
        print("No person has an archive or a verified X account yet.")
    for summary in summaries:
        print(_plain(summary))
    return 0


def _import_suggestions(path: Path | None) -> int:
    if path is None or not path.is_file():
        print("envol match import-suggestions: give the path of a CSV file", file=sys.stderr)
        return 2

    report = import_file(path)
    for line in report.skipped:
        print(f"skipped {line}", file=sys.stderr)
    refresh_everyone()
    print(
        f"{report.rows:,} lines read, {report.stored:,} new suggestions stored (never followed automatically)"
    )
    return 0


def _plain(summary: dict[str, Any]) -> str:
    lines = [f"Person {summary['person_id']}:"]
    for key, name in _NETWORK_NAMES.items():
        c = summary[key]
        lines.append(
            f"  {name + ':':<10} {c['total']:>7,} found — {c['followee_only']:,} you follow, "
            f"{c['follower_only']:,} follow you, {c['mutual']:,} mutual"
        )
    return "\n".join(lines)
