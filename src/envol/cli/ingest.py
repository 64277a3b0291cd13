"""`envol ingest`: store an X archive's follower and following lists."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from envol.cli.main import Command, setup_django
from envol.cli.progress import ProgressLine


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="the archive zip, its extracted folder, or its .js files")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument("--honour-blocks", action="store_true",
                        help="also read block.js and mute.js (the upload page's opt-in)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    setup_django()
    from envol.archive.errors import ArchiveError
    from envol.archive.service import ingest

    progress = ProgressLine()
    try:
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


COMMANDS = [Command("ingest", "import an X archive's follower and following lists", configure, run)]
