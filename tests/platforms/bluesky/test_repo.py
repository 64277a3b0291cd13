"""Follow records on the real PDS: batches, pagination, duplicates and re-used record keys, deletes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from envol.platforms.bluesky.errors import RecordExists, RecordsMissing
from envol.platforms.bluesky.repo import (
    FOLLOW,
    NewFollow,
    create_follows,
    delete_follows,
    iter_follows,
    list_follows,
    new_follow,
)
from envol.platforms.bluesky.tid import new_tid
from envol.platforms.bluesky.writes import MAX_WRITES, Create, apply_writes, existing_rkeys
from envol.platforms.bluesky.xrpc import Xrpc
from envol.platforms.errors import NotFound, Rejected
from support.atproto_net import AtprotoNetwork

from .conftest import account_xrpc, fake_did


@pytest.fixture
def me(http: httpx.Client, atproto_network: AtprotoNetwork) -> Xrpc:
    return account_xrpc(http, atproto_network)


def subjects(n: int, seed: str = "s") -> list[str]:
    return [fake_did(f"{seed}-{i}") for i in range(n)]


def test_batches_of_200_and_pagination_past_100(me: Xrpc, atproto_network: AtprotoNetwork) -> None:
    when = datetime(2026, 11, 23, 12, 0, 0, 123000, tzinfo=UTC)
    first = [
        new_follow(s, created_at=when) for s in [atproto_network.account("bob").did, *subjects(199, "a")]
    ]
    second = [new_follow(s, created_at=when) for s in subjects(50, "b")]
    created = create_follows(me, first)
    assert len(created) == MAX_WRITES
    assert [c.rkey for c in created] == [f.rkey for f in first]  # the keys we chose, in order
    assert all(c.uri == f"at://{me.did}/{FOLLOW}/{c.rkey}" and c.cid for c in created)
    create_follows(me, second)

    page = list_follows(me)
    assert len(page.records) == 100
    assert page.cursor is not None
    everything = list(iter_follows(me))
    assert len(everything) == 250  # three pages: 100 + 100 + 50
    assert {f.subject for f in everything} == {f.subject for f in first + second}
    assert {f.rkey for f in everything} == {f.rkey for f in first + second}
    assert [f.rkey for f in everything] == sorted((f.rkey for f in everything), reverse=True)  # newest first
    bob = next(f for f in everything if f.subject == atproto_network.account("bob").did)
    assert bob.created_at == when
    assert bob.uri == f"at://{me.did}/{FOLLOW}/{bob.rkey}"
    # Another account's follows are public: read them with repo=.
    assert len(list(iter_follows(Xrpc(me.http, me.service_url), repo=me.did))) == 250


def test_201_writes_are_refused_before_sending(me: Xrpc) -> None:
    with pytest.raises(ValueError, match="at most 200"):
        create_follows(me, [new_follow(s) for s in subjects(201)])
    with pytest.raises(ValueError, match="at most 200"):
        delete_follows(me, [new_tid() for _ in range(201)])
    assert list(iter_follows(me)) == []


def test_local_checks(me: Xrpc) -> None:
    with pytest.raises(ValueError, match="not a DID"):
        create_follows(me, [new_follow("bob.test")])
    with pytest.raises(ValueError, match="not a TID"):
        create_follows(me, [NewFollow(fake_did("x"), "self")])
    with pytest.raises(ValueError, match="same subject"):
        create_follows(me, [new_follow(fake_did("x")), new_follow(fake_did("x"))])
    rkey = new_tid()
    with pytest.raises(ValueError, match="twice in one batch"):
        create_follows(me, [NewFollow(fake_did("x"), rkey), NewFollow(fake_did("y"), rkey)])
    assert create_follows(me, []) == []
    assert list(iter_follows(me)) == []


def test_the_pds_does_not_deduplicate_subjects(me: Xrpc) -> None:
    # Two records for one subject with different keys, in one batch and across batches: all kept.
    # Callers (the reconnection engine) must list existing follows and create each subject once.
    subject = fake_did("twice")
    now = datetime.now(UTC)
    apply_writes(
        me, [Create(FOLLOW, new_tid(), {"subject": subject, "createdAt": now.isoformat()}) for _ in "ab"]
    )
    create_follows(me, [new_follow(subject)])
    assert [f.subject for f in iter_follows(me)] == [subject] * 3


def test_resending_a_committed_batch_is_refused_with_record_exists(me: Xrpc) -> None:
    batch = [new_follow(s) for s in subjects(150, "retry")]
    create_follows(me, batch)
    # A crash after the PDS committed but before we recorded it: the same batch is sent again.
    with pytest.raises(RecordExists) as caught:
        create_follows(me, batch)
    assert caught.value.rkeys == {f.rkey for f in batch}
    assert isinstance(caught.value, Rejected)
    assert caught.value.status == 500  # what the PDS says: InternalServerError
    # Even re-using the keys for other subjects is refused: nothing was written twice.
    with pytest.raises(RecordExists):
        create_follows(me, [NewFollow(fake_did("other"), batch[0].rkey)])
    assert len(list(iter_follows(me))) == 150


def test_a_batch_with_one_used_key_writes_nothing(me: Xrpc) -> None:
    done = new_follow(fake_did("done"))
    create_follows(me, [done])
    fresh = [new_follow(s) for s in subjects(20, "fresh")]
    with pytest.raises(RecordExists) as caught:
        create_follows(me, [*fresh[:10], done, *fresh[10:]])
    assert caught.value.rkeys == {done.rkey}
    assert [f.rkey for f in iter_follows(me)] == [done.rkey]  # atomic: none of the 20 went in


def test_the_pds_refuses_one_key_twice_in_a_batch(me: Xrpc, http: httpx.Client) -> None:
    # What the PDS itself answers (the connector refuses it locally, test_local_checks).
    rkey = new_tid()
    write = {
        "$type": "com.atproto.repo.applyWrites#create",
        "collection": FOLLOW,
        "rkey": rkey,
        "value": {"$type": FOLLOW, "subject": fake_did("k"), "createdAt": "2026-11-23T12:00:00.000Z"},
    }
    assert me.credentials is not None
    r = http.post(
        f"{me.service_url}/xrpc/com.atproto.repo.applyWrites",
        json={"repo": me.did, "writes": [write, write]},
        headers=me.credentials.headers("POST", ""),
    )
    assert r.status_code == 500
    assert r.json() == {"error": "InternalServerError", "message": "Internal Server Error"}
    assert list(iter_follows(me)) == []


def test_delete_follows(me: Xrpc) -> None:
    batch = [new_follow(s) for s in subjects(30, "del")]
    create_follows(me, batch)
    gone = [f.rkey for f in batch[:20]]
    delete_follows(me, gone)
    assert {f.rkey for f in iter_follows(me)} == {f.rkey for f in batch[20:]}
    # Deleting a key that is gone refuses the whole batch (the PDS answers 500): nothing deleted.
    with pytest.raises(RecordsMissing) as caught:
        delete_follows(me, [gone[0], batch[25].rkey])
    assert caught.value.rkeys == {gone[0]}
    assert isinstance(caught.value, NotFound)
    assert len(list(iter_follows(me))) == 10
    delete_follows(me, [f.rkey for f in batch[20:]])
    assert list(iter_follows(me)) == []
    delete_follows(me, [])


def test_existing_rkeys(me: Xrpc) -> None:
    before = new_tid()
    batch = [new_follow(s) for s in subjects(120, "ex")]
    create_follows(me, batch)
    after = new_tid()
    wanted = [before, batch[0].rkey, batch[57].rkey, batch[-1].rkey, after]
    assert existing_rkeys(me, FOLLOW, wanted) == {batch[0].rkey, batch[57].rkey, batch[-1].rkey}
    assert existing_rkeys(me, FOLLOW, [f.rkey for f in batch]) == {f.rkey for f in batch}
    assert existing_rkeys(me, FOLLOW, []) == set()
    old = NewFollow(fake_did("old"), new_tid(), datetime.now(UTC) - timedelta(days=1))
    assert existing_rkeys(me, "app.bsky.graph.block", [old.rkey]) == set()
