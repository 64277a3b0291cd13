"""Build the expected result of each fixture from ``reference`` (stdlib json), not from the parser.

Regenerate after a fixture changes with ``ENVOL_UPDATE_GOLDEN=1 uv run pytest tests/archive -k golden``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from envol.archive.base import DIRECTIONS

from .conftest import fixture_files
from .reference import checksum, list_ids, load_js

GOLDEN_DIR = Path(__file__).parent / "golden"


def golden_path(name: str) -> Path:
    return GOLDEN_DIR / f"{name}.json"


def build_golden(name: str) -> dict[str, object]:
    files = fixture_files(name)
    account = load_js(files["account.js"])[0]["account"]
    manifest = load_js(files["manifest.js"])
    assert isinstance(manifest, dict)
    listed = {d: manifest["dataTypes"].get(d, {}).get("files", []) for d in DIRECTIONS}
    lists = {d: checksum(list_ids(files[f"{d}.js"], d)) if f"{d}.js" in files else None for d in DIRECTIONS}
    error: dict[str, object] | None = None
    if all(value is None for value in lists.values()):
        error = {"code": "no_lists", "file": None}
    else:
        for direction in DIRECTIONS:
            for entry in listed[direction]:
                present = entry["fileName"].rsplit("/", 1)[-1] in files
                if not present and int(entry["count"]) > 0 and error is None:
                    error = {"code": "missing_list", "file": entry["fileName"]}
    if "follower-part1.js" in files:  # the synthetic split list: part0 then part1
        ids = list_ids(files["follower.js"], "follower") + list_ids(files["follower-part1.js"], "follower")
        lists["follower"] = checksum(ids)
    return {
        "fixture": name,
        "owner": {
            "x_id": account["accountId"],
            "handle": account["username"],
            "display_name": account["accountDisplayName"],
        },
        "manifest_counts": {d: sum(int(e["count"]) for e in listed[d]) for d in DIRECTIONS},
        "archive_error": error,
        "lists": lists,
    }


def read_golden(name: str) -> dict[str, Any]:
    data = json.loads(golden_path(name).read_text())
    assert isinstance(data, dict)
    return data


def write_golden(name: str) -> None:
    text = json.dumps(build_golden(name), indent=2, ensure_ascii=False) + "\n"
    golden_path(name).write_text(text)
