"""The reader's modules one by one, in real Chromium: the list scanner fed its file cut anywhere
(each chunk released once pushed, as the worker does), and the release of a chunk's memory."""

from __future__ import annotations

import base64
import io
import random
from collections.abc import Callable

import pytest

from envol.archive.errors import ArchiveError
from envol.archive.jsfile import scan_list_ids

from .conftest import UploadPage

pytestmark = pytest.mark.django_db(transaction=True)
MakePage = Callable[..., UploadPage]

# Feeds a base64 text to a ListScanner in chunks of the given sizes, each chunk a buffer of its
# own that is released (detached) right after push(), as readMember releases inflated chunks.
_SCAN = """async ([url, data, sizes]) => {
  const { IdList, ListScanner } = await import(url);
  const { release } = await import(url.replace("scan.js", "release.js"));
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const ids = new IdList(4);
  const scanner = new ListScanner({ member: "data/follower.js", direction: "follower", ids });
  let at = 0;
  let detached = 0;
  try {
    for (let k = 0; at < bytes.length; k++) {
      const size = sizes[k % sizes.length];
      const chunk = bytes.slice(at, at + size);
      at += size;
      scanner.push(chunk);
      release(chunk);
      if (chunk.length === 0) detached++;
    }
    const count = scanner.finish();
    const view = new BigUint64Array(ids.words.buffer, 0, ids.length);
    return { count, ids: Array.from(view, String), detached };
  } catch (error) {
    return { error: error.code || String(error) };
  }
}"""


def _follower_js(ids: list[int], *, bad: str | None = None) -> bytes:
    """A follower.js as X writes it, with some irregular spacing the parsers must accept."""
    items = []
    for index, account_id in enumerate(ids):
        value = bad if bad is not None and index == len(ids) // 2 else str(account_id)
        space = " " if index % 3 else "\n\t "
        items.append(
            f'{{\n  "follower" :{space}{{\n    "accountId"{space}:{space}"{value}",\n'
            f'    "userLink" : "https://twitter.com/intent/user?user_id={account_id}"\n  }}\n}}'
        )
    return ("window.YTD.follower.part0 = [ " + ", ".join(items) + " ]").encode()


def _server_ids(data: bytes) -> list[int]:
    scan = scan_list_ids(io.BytesIO(data), member="data/follower.js", direction="follower", chunk_bytes=997)
    found: list[int] = []
    while True:
        try:
            found.extend(int(i) for i in next(scan))
        except StopIteration:
            return found


def _scan(page: UploadPage, data: bytes, sizes: list[int]) -> dict[str, object]:
    worker = page.page.locator("#browser-upload").get_attribute("data-worker") or ""
    url = worker.replace("extract-worker.js", "scan.js")
    result: dict[str, object] = page.page.evaluate(_SCAN, [url, base64.b64encode(data).decode(), sizes])
    return result


def test_the_scanner_reads_what_the_server_reads_wherever_the_chunks_are_cut(upload_page: MakePage) -> None:
    rng = random.Random(5)  # noqa: S311 (reproducible ids and cuts, not secrets)
    # 1,505 ids: more than the IdList starts with (1,024), so that it grows on the way.
    ids = [0, 2**64 - 1, 12, 2**53 + 1, *(rng.randrange(2**64) for _ in range(1500)), 12]
    data = _follower_js(ids)
    assert _server_ids(data) == ids
    page = upload_page()
    # Single bytes; sizes that cut ids, keys and the prefix; chunks without any "}"; big chunks.
    schedules = [[1], [2, 3, 5, 7], [64], [150, 1, 40], [4099], [65536]]
    schedules.append([rng.randrange(1, 900) for _ in range(50)])
    for sizes in schedules:
        result = _scan(page, data, sizes)
        assert result.get("error") is None, (sizes, result)
        assert result["count"] == len(ids), sizes
        assert [int(i) for i in result["ids"]] == ids, sizes  # in file order, before sorting
        assert result["detached"] > 0, sizes  # the chunks really were taken away after push()


def test_a_bad_id_is_found_wherever_the_chunks_are_cut(upload_page: MakePage) -> None:
    data = _follower_js(list(range(1, 200)), bad="12x4")
    with pytest.raises(ArchiveError) as raised:
        _server_ids(data)
    page = upload_page()
    for sizes in ([1], [3, 11], [100], [65536]):
        assert _scan(page, data, sizes) == {"error": raised.value.code}, sizes


def test_release_takes_a_whole_buffer_and_leaves_a_view_of_part_of_one(upload_page: MakePage) -> None:
    page = upload_page()
    worker = page.page.locator("#browser-upload").get_attribute("data-worker") or ""
    lengths = page.page.evaluate(
        """async (url) => {
            const { release } = await import(url);
            const whole = new Uint8Array(1 << 20).fill(7);
            const big = new Uint8Array(64);
            const part = big.subarray(8, 16);
            release(whole);
            release(part);
            return [whole.length, whole.buffer.byteLength, part.length, big.length, big[9]];
        }""",
        worker.replace("extract-worker.js", "release.js"),
    )
    assert lengths == [0, 0, 8, 64, 0]
