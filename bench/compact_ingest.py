"""The browser path's server side, alone in a process, as `bench.ingest` measures it.

    python -m bench.compact_ingest FILE            read FILE as the upload view does, store it, print JSON
    python -m bench.compact_ingest --write ZIP FILE   write the compact upload of an archive's lists

Storing runs what `archive.browser.browser_upload` runs once the request is accepted (the compact
reader and the ingestion service), without the HTTP layer; the owner is the archive's, unproven.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray


def write(archive: Path, out: Path) -> None:
    """Encode with NumPy (the project's `encode_compact` is a plain loop, fine for tests only)."""
    import gzip

    import orjson

    from envol.archive.compact import _LENGTH, MAGIC
    from envol.archive.parse import open_archive

    header: dict[str, object] = {}
    bodies = []
    with open_archive(archive) as source:
        owner = source.owner
        assert owner is not None
        header["owner"] = {"id": str(owner.x_id), "handle": owner.handle, "name": owner.display_name}
        for direction in ("follower", "following"):
            chunks = list(source.iter_ids(direction))
            ids = np.sort(np.concatenate(chunks)) if chunks else np.empty(0, dtype=np.uint64)
            del chunks
            header[direction] = {"count": int(ids.size), "expected": int(ids.size), "files": []}
            bodies.append(varints(np.diff(ids, prepend=np.uint64(0))))
    head = orjson.dumps(header)
    tmp = out.with_suffix(".tmp")
    with gzip.open(tmp, "wb", compresslevel=6) as file:
        file.write(MAGIC + _LENGTH.pack(len(head)) + head)
        for body in bodies:
            file.write(body)
    tmp.rename(out)


def varints(values: NDArray[np.uint64]) -> bytes:
    """Unsigned LEB128 of every value, as `archive.compact.encode_varints`, vectorised."""
    groups = np.empty((values.size, 10), dtype=np.uint8)
    length = np.ones(values.size, dtype=np.int64)
    for k in range(10):
        part = (values >> np.uint64(7 * k)) & np.uint64(0x7F)
        groups[:, k] = part.astype(np.uint8)
        if k:
            length = np.where(values >> np.uint64(7 * k) > 0, k + 1, length)
    keep = np.arange(10) < length[:, None]
    more = np.arange(10) < (length - 1)[:, None]
    groups |= np.where(more, 0x80, 0).astype(np.uint8)
    return groups[keep].tobytes()


def ingest(path: Path) -> None:
    from envol.cli.commands import setup_django

    setup_django()
    from envol.archive.compact import CompactUpload
    from envol.archive.models import Source
    from envol.archive.service import ingest_lists
    from envol.core.config import CONFIG
    from envol.core.stages import StageClock, timed

    began = time.monotonic()
    with timed(StageClock()) as clock, path.open("rb") as file:
        upload = CompactUpload(
            file,
            max_bytes=CONFIG.browser_upload_max_bytes,
            max_ids=CONFIG.browser_upload_max_ids,
            input_bytes=path.stat().st_size,
        )
        result = ingest_lists(upload, source=Source.BROWSER)
    timings = {name: round(seconds, 3) for name, seconds in clock.seconds.items()}
    timings |= {f"{name}_cpu": round(seconds, 3) for name, seconds in clock.cpu.items()}
    timings |= {"began": began, "ended": time.monotonic()}
    print(json.dumps({"followers": result.followers, "following": result.following, "timings": timings}))


if __name__ == "__main__":
    if sys.argv[1] == "--write":
        write(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        ingest(Path(sys.argv[1]))
