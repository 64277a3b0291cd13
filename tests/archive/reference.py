"""An independent, slow, obviously-correct reading of fixtures (stdlib json), for golden files."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

_PREFIX = re.compile(r"^\ufeff?\s*window\.(YTD\.\w+\.part\d+|__THAR_CONFIG)\s*=\s*")


def load_js(data: bytes) -> Any:
    text = data.decode("utf-8")
    match = _PREFIX.match(text)
    assert match is not None
    return json.loads(text[match.end() :].rstrip().rstrip(";"))


def list_ids(data: bytes, direction: str) -> list[int]:
    items = load_js(data)
    assert isinstance(items, list)
    return [int(item[direction]["accountId"]) for item in items]


def checksum(ids: Iterable[int]) -> dict[str, object]:
    values = [int(i) for i in ids]
    xor = 0
    for value in values:
        xor ^= value
    return {
        "count": len(values),
        "xor": str(xor),
        "sum_mod_2_64": str(sum(values) % 2**64),
        "first3": [str(v) for v in values[:3]],
        "last3": [str(v) for v in values[-3:]],
    }
