from __future__ import annotations

import json
import subprocess


def test_address_prints_the_report_as_json() -> None:
    result = subprocess.run(
        ["envol", "address", "Find me at https://Mastodon.Social/@Bob or 🦋@Alice.bsky.social"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert report["mastodon"] == ["bob@mastodon.social"]
    assert report["bluesky"] == ["alice.bsky.social"]
    assert report["bridged"]["alice.bsky.social"] == "alice.bsky.social@bsky.brid.gy"
    assert report["native"] == {}


def test_address_fediverse_flag_reads_user_at_host_as_an_account() -> None:
    plain = json.loads(subprocess.run(["envol", "address", "bob@example.org"], capture_output=True,
                                      text=True, check=True).stdout)  # fmt: skip
    fedi = json.loads(subprocess.run(["envol", "address", "--fediverse", "bob@example.org"],
                                     capture_output=True, text=True, check=True).stdout)  # fmt: skip
    assert plain["mastodon"] == []
    assert fedi["mastodon"] == ["bob@example.org"]


def test_address_unwraps_bridged_forms() -> None:
    result = subprocess.run(
        ["envol", "address", "@x.com@bsky.brid.gy"], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout)["native"] == {
        "x.com@bsky.brid.gy": {"network": "bluesky", "handle": "x.com"}
    }
