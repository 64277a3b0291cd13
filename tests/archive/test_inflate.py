"""The Deflate decoder: ISA-L where its wheel exists, the standard library's zlib otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from envol.archive import inflate
from envol.archive.parse import open_archive
from envol.archive.synthetic import write_synthetic_archive

FALLBACK = """
import sys
sys.modules["isal"] = None  # as on a platform without its wheel
from pathlib import Path
from envol.archive import inflate
from envol.archive.parse import open_archive
assert inflate.NAME == "zlib", inflate.NAME
with open_archive(Path(sys.argv[1])) as archive:
    print(sum(len(ids) for ids in archive.iter_ids("follower")))
"""


def test_this_platform_has_the_isal_wheel() -> None:
    assert inflate.NAME == "isal"


def test_without_isal_the_standard_zlib_reads_the_same_archive(tmp_path: Path) -> None:
    path = tmp_path / "archive.zip"
    write_synthetic_archive(path, owner_id=7, handle="someone", followers=3000, following=10, seed=1)
    with open_archive(path) as archive:
        expected = sum(len(ids) for ids in archive.iter_ids("follower"))
    result = subprocess.run(
        [sys.executable, "-c", FALLBACK, str(path)], capture_output=True, text=True, check=True
    )
    assert int(result.stdout) == expected == 3000


def test_decoders_agree_with_zlib_on_crc() -> None:
    import zlib

    data = bytes(range(256)) * 1000
    assert inflate.crc32(data) == zlib.crc32(data)
    assert inflate.crc32(data, 12345) == zlib.crc32(data, 12345)
