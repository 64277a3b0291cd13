"""Curated lists on the real PDS: the list with its first members in one call, the rest in batches."""

from __future__ import annotations

import httpx
import pytest

from envol.platforms.bluesky.errors import RecordExists
from envol.platforms.bluesky.lists import (
    CURATE_LIST,
    LIST,
    add_list_items,
    create_list,
    iter_list_items,
    new_list_item,
)
from envol.platforms.bluesky.tid import new_tid
from envol.platforms.bluesky.xrpc import Xrpc
from support.atproto_net import AtprotoNetwork

from .conftest import account_xrpc, fake_did


@pytest.fixture
def me(http: httpx.Client, atproto_network: AtprotoNetwork) -> Xrpc:
    return account_xrpc(http, atproto_network)


def test_create_a_list_of_350(me: Xrpc, atproto_network: AtprotoNetwork) -> None:
    members = [atproto_network.account("bob").did, *(fake_did(f"m{i}") for i in range(349))]
    items = [new_list_item(did) for did in members]
    rkey = new_tid()
    made, first = create_list(
        me, "My X community", rkey=rkey, description="Found by Envol", items=items[:199]
    )
    assert made.uri == f"at://{me.did}/{LIST}/{rkey}"
    assert len(first) == 199
    rest = add_list_items(me, made.uri, items[199:])
    assert len(rest) == 151

    record = me.query("com.atproto.repo.getRecord", {"repo": me.did, "collection": LIST, "rkey": rkey})
    assert record["value"]["purpose"] == CURATE_LIST
    assert (record["value"]["name"], record["value"]["description"]) == ("My X community", "Found by Envol")
    read = list(iter_list_items(me, made.uri))
    assert sorted(item.subject for item in read) == sorted(members)
    assert {item.rkey for item in read} == {item.rkey for item in items}
    # Members of another list are not mixed in.
    other, _ = create_list(me, "Other", rkey=new_tid(), items=[new_list_item(fake_did("o"))])
    assert [i.subject for i in iter_list_items(me, other.uri)] == [fake_did("o")]
    assert len(list(iter_list_items(me, made.uri))) == 350


def test_a_resent_list_is_refused(me: Xrpc) -> None:
    rkey = new_tid()
    items = [new_list_item(fake_did("a"))]
    made, _ = create_list(me, "Once", rkey=rkey, items=items)
    with pytest.raises(RecordExists) as caught:
        create_list(me, "Once", rkey=rkey, items=items)
    assert caught.value.rkeys == {rkey, items[0].rkey}
    with pytest.raises(RecordExists):
        add_list_items(me, made.uri, items)
    assert len(list(iter_list_items(me, made.uri))) == 1


def test_local_checks(me: Xrpc) -> None:
    with pytest.raises(ValueError, match="at most 199"):
        create_list(me, "Big", rkey=new_tid(), items=[new_list_item(fake_did(str(i))) for i in range(200)])
    with pytest.raises(ValueError, match="at most 200"):
        add_list_items(me, "at://x/y/z", [new_list_item(fake_did(str(i))) for i in range(201)])
    with pytest.raises(ValueError, match="1 to 64 bytes"):
        create_list(me, "  ", rkey=new_tid())
    with pytest.raises(ValueError, match="1 to 64 bytes"):
        create_list(me, "é" * 33, rkey=new_tid())
    with pytest.raises(ValueError, match="not a DID"):
        create_list(me, "Bad", rkey=new_tid(), items=[new_list_item("bob.test")])
    with pytest.raises(ValueError, match="twice"):
        create_list(
            me, "Twice", rkey=new_tid(), items=[new_list_item(fake_did("t")), new_list_item(fake_did("t"))]
        )
    assert me.query("com.atproto.repo.listRecords", {"repo": me.did, "collection": LIST})["records"] == []
