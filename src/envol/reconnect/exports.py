"""Exports of the person's found community: Mastodon's following_accounts.csv, a JSON of every
candidate with its task state, and a Bluesky list (app.bsky.graph.list) made in the background."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import UTC, datetime
from typing import Any

from django.tasks import task
from django.utils import timezone

from envol.addresses.syntax import MastodonAddress
from envol.core.ids import Platform
from envol.matching.candidates import KnownAccount
from envol.platforms.bluesky.follow_port import BlueskyFollowPort
from envol.platforms.bluesky.lists import (
    LIST,
    NewListItem,
    add_list_items,
    create_list,
    iter_list_items,
    list_uri,
)
from envol.platforms.bluesky.tid import new_tid
from envol.platforms.bluesky.writes import MAX_WRITES, existing_rkeys
from envol.platforms.errors import RateLimited
from envol.reconnect.connect import ports_for
from envol.reconnect.models import FollowTask, ReconnectChoice
from envol.reconnect.plan import candidates_rows, wanted
from envol.registry.models import Account

logger = logging.getLogger("envol.reconnect")

#: Mastodon's own export header, which its import expects (notes/mastodon-api.md §8).
MASTODON_CSV_HEADER = ["Account address", "Show boosts", "Notify on new posts", "Languages"]


def _chosen(person_id: int, network: Platform) -> list[KnownAccount]:
    """The network's candidates, narrowed to the person's chosen directions when they chose."""
    found = [c for c in candidates_rows(person_id) if c.network == network]
    choice = ReconnectChoice.objects.filter(account__person_id=person_id, account__platform=network).first()
    if choice is None or choice.directions == "none":
        return found
    return [c for c in found if wanted(c, choice.directions)]


def csv_address(handle: str) -> str | None:
    """`handle` as the file may carry it: an address of the grammar (`user@domain`, the user starting
    with a letter, a digit or `_`), else None. A server chose the handle: one starting with `=`, `+`,
    `-`, `@`, a tab or a CR would run as a formula in a spreadsheet (CSV injection), and quoting it
    would stop Mastodon importing the file, so such a handle is left out."""
    user, at, domain = handle.removeprefix("@").partition("@")
    address = MastodonAddress.build(user, domain) if at else None
    return str(address) if address is not None else None


def mastodon_addresses(person_id: int) -> tuple[list[str], int]:
    """The chosen Mastodon addresses for the file, once each, and how many were left out."""
    kept: dict[str, None] = {}
    left_out = 0
    for candidate in _chosen(person_id, Platform.MASTODON):
        address = csv_address(candidate.handle)
        if address is None:
            left_out += 1
        else:
            kept[address] = None
    return list(kept), left_out


def mastodon_csv(person_id: int) -> str:
    """following_accounts.csv: Mastodon imports it without the 400-a-day limit of the API."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MASTODON_CSV_HEADER)
    for address in mastodon_addresses(person_id)[0]:
        writer.writerow([address, "true", "false", ""])
    return out.getvalue()


def candidates_json(person_id: int) -> str:
    """Every candidate on every network, with the state of its task per linked account."""
    tasks: dict[tuple[str, str], dict[str, Any]] = {}
    for row in FollowTask.objects.filter(source__person_id=person_id).values(
        "network", "target_id", "state", "reason", "followed_acct", "finished_at"
    ):
        finished = row["finished_at"]
        tasks[(row["network"], row["target_id"])] = {
            "state": row["state"],
            "reason": row["reason"],
            "followed_as": row["followed_acct"],
            "finished_at": finished.isoformat() if finished else None,
        }
    items = []
    for c in candidates_rows(person_id):
        entry: dict[str, Any] = {"network": c.network.value, "id": c.stable_id, "handle": c.handle,
                 "you_followed_them_on_x": c.followee, "they_followed_you_on_x": c.follower}  # fmt: skip
        entry["task"] = tasks.get((c.network.value, c.stable_id))
        items.append(entry)
    return json.dumps(
        {"person_id": person_id, "exported_at": timezone.now().isoformat(), "candidates": items}
    )


@task()
def make_bluesky_list(account_id: int, name: str, description: str, rkey: str) -> str:
    """Create (or complete) the Bluesky list `rkey` of the account's found community.

    The list's key is chosen by the caller, so running this again (after a crash, or a rate limit)
    completes the same list instead of making a second one: members already in it are not re-added.
    """
    account = Account.objects.get(pk=account_id)
    subjects = [c.stable_id for c in _chosen(account.person_id, Platform.BLUESKY)]
    port = ports_for(account)
    assert isinstance(port, BlueskyFollowPort)
    try:
        uri = list_uri(port.did, rkey)
        present = {item.subject for item in iter_list_items(port.xrpc, uri)}
        missing = [s for s in subjects if s not in present]
        if not present and not _list_exists(port, rkey):
            first = [NewListItem(subject=s, rkey=new_tid()) for s in missing[: MAX_WRITES - 1]]
            create_list(port.xrpc, name, rkey=rkey, description=description, items=first)
            missing = missing[len(first) :]
        for start in range(0, len(missing), MAX_WRITES):
            chunk = [NewListItem(subject=s, rkey=new_tid()) for s in missing[start : start + MAX_WRITES]]
            add_list_items(port.xrpc, uri, chunk)
    except RateLimited as error:
        make_bluesky_list.using(run_after=max(error.retry_at, datetime.now(UTC))).enqueue(
            account_id, name, description, rkey
        )
        return "rate_limited"
    finally:
        port.close()
    logger.info("bluesky list %s of account %s: %d members", rkey, account_id, len(subjects))
    return "done"


def _list_exists(port: BlueskyFollowPort, rkey: str) -> bool:
    return bool(existing_rkeys(port.xrpc, LIST, [rkey]))


def request_bluesky_list(account: Account, name: str, description: str = "") -> str:
    """Queue the making of the list; returns its record key."""
    rkey = new_tid()
    make_bluesky_list.enqueue(account.pk, name, description, rkey)
    return rkey
