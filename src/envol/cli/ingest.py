"""`envol ingest`: store an X archive's follower and following lists."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from envol.cli.main import Command, setup_django
from envol.cli.progress import ProgressLine


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="the archive zip, its extracted folder, or its .js files")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument(
        "--timings",
        action="store_true",
        help='also say where the time went, stage by stage (with --json: a "timings" object)',
    )


def run(args: argparse.Namespace) -> int:
    setup_django()
    from envol.archive.errors import ArchiveError
    from envol.archive.service import ingest
    from envol.core.stages import StageClock, timed

    progress = ProgressLine()
    # Monotonic clock readings (system-wide on Linux): the benchmark subtracts its own reading taken
    # before it started this process, which gives the start-up time.
    began = time.monotonic()
    try:
        with timed(StageClock()) as clock:
            result = ingest(args.paths, progress=progress)
    except ArchiveError as error:
        progress.finish()
        name = error.file or ", ".join(str(p) for p in args.paths)
        message = error.message.replace("\n", " ")
        print(f"envol ingest: {name}: {message}" if name not in message else f"envol ingest: {message}",
              file=sys.stderr)  # fmt: skip
        return 2
    progress.finish()
    summary = {
        "owner_x_id": str(result.owner.x_id),
        "owner_handle": result.owner.handle,
        "followers": result.followers,
        "following": result.following,
        "import_id": result.import_id,
    }
    if args.timings:
        timings = {name: round(seconds, 3) for name, seconds in clock.seconds.items()}
        timings |= {"began": round(began, 3), "ended": round(time.monotonic(), 3)}
        if args.json:
            summary["timings"] = timings
        else:
            print("timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()), file=sys.stderr)
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"Imported the archive of @{result.owner.handle} ({result.owner.x_id}): "
            f"{result.followers:,} followers, {result.following:,} following (import {result.import_id})."
        )
    return 0


COMMANDS = [Command("ingest", "import an X archive's follower and following lists", configure, run)]
