"""Write synthetic X archives byte-for-byte in X's real layouts (for tests and benchmarks).

X pretty-prints with Jackson's default printer: objects one key per line (``"key" : value``, two
spaces per level), arrays inline (``[ {`` … ``}, {`` … ``} ]``), no trailing newline. Since 2021 the
top-level list of each data file is printed one item per line instead (``= [`` / ``  {`` / ``  },``
/ ``]``). Layouts: "2021" (data/ + manifest, 2021 to now), "2020" (data/ + manifest, compact lists),
"2019" (files at the zip root, no manifest, as in 2018-2020 archives). Everything is streamed: a
10M-follower archive is written without holding its lists in memory.
"""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

import numpy as np
import orjson
from numpy.typing import NDArray

from envol.archive.base import DIRECTIONS, ITEM_KEYS, Direction

Layout = Literal["2021", "2020", "2019"]
_BATCH = 50_000


def jackson_json(value: object, level: int = 0) -> str:
    """``value`` as Jackson's DefaultPrettyPrinter writes it (arrays do not add indentation)."""
    if isinstance(value, dict):
        if not value:
            return "{ }"
        inner = "  " * (level + 1)
        fields = [f"{inner}{_string(str(k))} : {jackson_json(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(fields) + "\n" + "  " * level + "}"
    if isinstance(value, list):
        return "[ " + ", ".join(jackson_json(v, level) for v in value) + " ]" if value else "[ ]"
    if isinstance(value, str):
        return _string(value)
    return orjson.dumps(value).decode()


def _string(text: str) -> str:
    return orjson.dumps(text).decode()


def render_data_js(global_name: str, items: list[object], layout: Layout) -> bytes:
    """A whole small data file such as account.js, in the given layout."""
    return b"".join(
        _list_pieces(global_name, [[jackson_json(i, 1 if layout == "2021" else 0) for i in items]], layout)
    )


def _list_pieces(global_name: str, batches: Iterable[list[str]], layout: Layout) -> Iterator[bytes]:
    """``window.<global_name> = [ … ]`` around pre-rendered items (2021: items rendered at level 1)."""
    first, separator, last = ("[\n  ", ",\n  ", "\n]") if layout == "2021" else ("[ ", ", ", " ]")
    yield f"window.{global_name} = ".encode()
    started = False
    for batch in batches:
        if batch:
            yield ((separator if started else first) + separator.join(batch)).encode()
            started = True
    yield last.encode() if started else (b"[ ]" if layout == "2021" else b"[]")


def render_list_js(
    direction: Direction, ids: Iterable[int], *, part: int = 0, layout: Layout = "2021"
) -> Iterator[bytes]:
    """A follower/following (or block/mute) file as pieces of bytes (join them, or write them one
    after another)."""
    level = 1 if layout == "2021" else 0
    item = {
        ITEM_KEYS[direction]: {"accountId": "%d", "userLink": "https://twitter.com/intent/user?user_id=%d"}
    }
    template = jackson_json(item, level)
    batches = ([template % (i, i) for i in batch] for batch in itertools.batched(ids, _BATCH))
    yield from _list_pieces(f"YTD.{direction}.part{part}", batches, layout)


def synthetic_ids(count: int, seed: int) -> Iterator[NDArray[np.uint64]]:
    """Plausible X ids: 40% sequential-era (< 4e9), 60% snowflakes (1e17 … 2^61)."""
    rng = np.random.default_rng(seed)
    for start in range(0, count, _BATCH):
        size = min(_BATCH, count - start)
        old = rng.integers(12, 4_000_000_000, size, dtype=np.uint64)
        snowflake = rng.integers(10**17, 2**61, size, dtype=np.uint64)
        yield np.where(rng.random(size) < 0.6, snowflake, old)


@dataclass(frozen=True)
class SyntheticArchive:
    path: Path
    counts: dict[Direction, int]
    members: tuple[str, ...]


def write_synthetic_archive(
    path: Path,
    *,
    owner_id: int,
    handle: str,
    display_name: str | None = None,
    followers: Iterable[int] | int = 0,
    following: Iterable[int] | int = 0,
    seed: int = 0,
    layout: Layout = "2021",
    split_every: int | None = None,
    top_folder: str | None = None,
    email: str = "synthetic@example.invalid",
    created_via: str = "web",
    created_at: str = "2010-01-01T00:00:00.000Z",
    generation_date: str = "2025-01-01T00:00:00.000Z",
    size_bytes: int | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
    force_zip64: bool = False,
    padding_bytes: int = 0,
    bio: str | None = None,
    website: str = "",
    blocking: Iterable[int] | None = None,
    muting: Iterable[int] | None = None,
) -> SyntheticArchive:
    """Write a zip with account.js, the (optionally split) lists and, except for "2019", manifest.js;
    with a ``bio``, profile.js too; with ``blocking``/``muting`` ids, block.js/mute.js too.

    ``followers``/``following`` are ids, or a count of ids drawn from ``seed``. ``split_every`` caps
    the ids per file (``follower.js``, ``follower-part1.js``, …) like X's ~100 MB parts.
    ``padding_bytes`` adds a stored media file of incompressible bytes before the lists, as the
    gigabytes of pictures in a real archive (tests of readers that must skip them).
    """
    folder = (f"{top_folder}/" if top_folder else "") + ("" if layout == "2019" else "data/")
    manifest_types: dict[str, list[dict[str, str]]] = {}
    counts: dict[Direction, int] = {}
    members: list[str] = []
    written = 0
    with zipfile.ZipFile(path, "w", compression=compression, allowZip64=True) as archive:
        account = {
            "email": email,
            "createdVia": created_via,
            "username": handle,
            "accountId": str(owner_id),
            "createdAt": created_at,
            "accountDisplayName": display_name or handle,
        }
        data = render_data_js("YTD.account.part0", [{"account": account}], layout)
        archive.writestr(folder + "account.js", data)
        members.append(folder + "account.js")
        manifest_types["account"] = [_manifest_file("account.js", "YTD.account.part0", 1)]
        written += len(data)
        if bio is not None:
            description = {"bio": bio, "website": website, "location": ""}
            data = render_data_js("YTD.profile.part0", [{"profile": {"description": description}}], layout)
            archive.writestr(folder + "profile.js", data)
            members.append(folder + "profile.js")
            manifest_types["profile"] = [_manifest_file("profile.js", "YTD.profile.part0", 1)]
            written += len(data)
        if padding_bytes:
            _write_padding(archive, f"{folder}tweets_media/padding.bin", padding_bytes, seed)
        for direction, source in zip(DIRECTIONS, (followers, following), strict=True):
            ids = _id_stream(source, seed + (direction == "following"))
            zip64 = force_zip64 or not isinstance(source, int) or source > 2_000_000
            files, size = _write_list(archive, folder, direction, ids, layout, split_every, zip64)
            counts[direction] = sum(count for _, _, count in files)
            members += [folder + name for name, _, _ in files]
            manifest_types[direction] = [_manifest_file(*entry) for entry in files]
            written += size
        safety: tuple[tuple[Direction, Iterable[int] | None], ...] = (("block", blocking), ("mute", muting))
        for direction, given in safety:
            if given is not None:
                files, size = _write_list(archive, folder, direction, iter(given), layout, None, force_zip64)
                counts[direction] = sum(count for _, _, count in files)
                members += [folder + name for name, _, _ in files]
                manifest_types[direction] = [_manifest_file(*entry) for entry in files]
                written += size
        if layout != "2019":
            total_size = size_bytes if size_bytes is not None else written
            manifest = _manifest(
                owner_id, handle, display_name or handle, generation_date, total_size, manifest_types
            )
            archive.writestr(folder + "manifest.js", f"window.__THAR_CONFIG = {jackson_json(manifest)}")
            members.append(folder + "manifest.js")
    return SyntheticArchive(path=path, counts=counts, members=tuple(members))


def _write_padding(archive: zipfile.ZipFile, name: str, size: int, seed: int) -> None:
    block = np.random.default_rng(seed).bytes(16 << 20)  # repeated beyond deflate's 32 KiB window
    info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    with archive.open(info, "w", force_zip64=True) as member:
        for start in range(0, size, len(block)):
            member.write(block[: size - start])


def _id_stream(source: Iterable[int] | int, seed: int) -> Iterator[int]:
    if isinstance(source, int):
        return itertools.chain.from_iterable(chunk.tolist() for chunk in synthetic_ids(source, seed))
    return (int(i) for i in source)


def _write_list(
    archive: zipfile.ZipFile,
    folder: str,
    direction: Direction,
    ids: Iterator[int],
    layout: Layout,
    split_every: int | None,
    zip64: bool,
) -> tuple[list[tuple[str, str, int]], int]:
    """Write part files until ``ids`` runs out; return (file name, global name, count) per part."""
    files: list[tuple[str, str, int]] = []
    size = 0
    for part in itertools.count():
        head = list(itertools.islice(ids, 1))
        if part > 0 and not head:
            break
        part_ids = itertools.chain(head, itertools.islice(ids, split_every - 1) if split_every else ids)
        name = f"{direction}.js" if part == 0 else f"{direction}-part{part}.js"
        counted = _Counter(part_ids)
        with archive.open(folder + name, "w", force_zip64=zip64) as member:
            size += _write_all(member, render_list_js(direction, counted, part=part, layout=layout))
        files.append((name, f"YTD.{direction}.part{part}", counted.count))
        if not split_every:
            break
    return files, size


class _Counter:
    """Counts the ids as they stream past."""

    def __init__(self, ids: Iterable[int]) -> None:
        self._ids, self.count = ids, 0

    def __iter__(self) -> Iterator[int]:
        for i in self._ids:
            self.count += 1
            yield i


def _write_all(member: IO[bytes], pieces: Iterable[bytes]) -> int:
    total = 0
    for piece in pieces:
        total += member.write(piece)
    return total


def _manifest_file(name: str, global_name: str, count: int) -> dict[str, str]:
    return {"fileName": f"data/{name}", "globalName": global_name, "count": str(count)}


def _manifest(
    owner_id: int,
    handle: str,
    display_name: str,
    generation_date: str,
    size_bytes: int,
    data_types: dict[str, list[dict[str, str]]],
) -> dict[str, object]:
    return {
        "userInfo": {"accountId": str(owner_id), "userName": handle, "displayName": display_name},
        "archiveInfo": {
            "sizeBytes": str(size_bytes),
            "generationDate": generation_date,
            "isPartialArchive": False,
            "maxPartSizeBytes": "53687091200",
        },
        "readmeInfo": {"fileName": "data/README.txt", "directory": "data/", "name": "README.txt"},
        "dataTypes": {name: {"files": files} for name, files in sorted(data_types.items())},
    }
