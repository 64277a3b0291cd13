"""`envol ingest`: store an X archive's follower and following lists."""

from __future__ import annotations

import argparse
import json
import sys
import time

from envol.archive.errors import ArchiveError
from envol.archive.service import ingest
from envol.cli.progress import ProgressLine
from envol.core.stages import StageClock, timed


def run(args: argparse.Namespace) -> int:
    progress = ProgressLine()
    # Monotonic clock readings (system-wide on Linux): the benchmark subtracts its own reading taken
    # before it started this process, which gives the start-up time.
    began = time.monotonic()
    try:
        with timed(StageClock()) as clock:
            result = ingest(args.paths, progress=progress, honour_blocks=args.honour_blocks)
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
        # The process's CPU seconds while each stage ran (all threads): steadier on a loaded machine.
        timings |= {f"{name}_cpu": round(seconds, 3) for name, seconds in clock.cpu.items()}
        timings |= {"began": round(began, 3), "ended": round(time.monotonic(), 3)}
        if args.json:
            summary["timings"] = timings
        else:
            print("timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()), file=sys.stderr)
    if args.honour_blocks:
        summary |= {"blocked": result.blocked, "muted": result.muted}
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"Imported the archive of @{result.owner.handle} ({result.owner.x_id}): "
            f"{result.followers:,} followers, {result.following:,} following (import {result.import_id})."
            + (
                f" Honoured {result.blocked:,} blocks and {result.muted:,} mutes."
                if args.honour_blocks
                else ""
            )
        )
    return 0
