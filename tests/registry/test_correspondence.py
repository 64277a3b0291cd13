"""verified_accounts_for_x_keys: the one query matching will use."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.registry.correspondence import Correspondence, verified_accounts_for_x_keys
from envol.registry.linking import ProvenIdentity, prove_account
from envol.registry.service import person_for_claimed_x_owner

pytestmark = pytest.mark.django_db


def _person(x_id: int, *, did: str | None = None, actor: str | None = None) -> int:
    person = prove_account(ProvenIdentity(Platform.X, str(x_id), f"u{x_id}"), signed_in=None).person
    if did:
        prove_account(ProvenIdentity(Platform.BLUESKY, did, f"u{x_id}.bsky.social"), signed_in=person)
    if actor:
        acct = f"u{x_id}@m.test"
        vouched = frozenset({"m.test"})
        proven = ProvenIdentity(Platform.MASTODON, actor, acct, access_token="t", authority=vouched)
        prove_account(proven, signed_in=person)
    return person.pk


def test_each_key_maps_to_its_persons_verified_accounts_in_one_query() -> None:
    key = pseudonymizer().key
    both = _person(1, did="did:plc:one", actor="https://m.test/users/u1")
    only_masto = _person(2, actor="https://m.test/users/u2")
    only_x = _person(3)
    person_for_claimed_x_owner(4, "claimed", "")  # claimed: never part of a correspondence
    unknown = key(5)
    with CaptureQueriesContext(connection) as queries:
        found = verified_accounts_for_x_keys([key(1), key(2), key(3), key(4), unknown, key(1)])
    assert len(queries) == 1
    assert found == {
        key(1): Correspondence(both, "did:plc:one", "https://m.test/users/u1", "u1@m.test"),
        key(2): Correspondence(only_masto, None, "https://m.test/users/u2", "u2@m.test"),
        key(3): Correspondence(only_x, None, None, None),
    }


def test_many_keys_in_one_parameter() -> None:
    key = pseudonymizer().key
    _person(7, actor="https://m.test/users/u7")
    keys = [key(i) for i in range(100_000, 140_000)] + [key(7)]  # past SQLite's bound-variable limit
    assert list(verified_accounts_for_x_keys(keys)) == [key(7)]
    assert verified_accounts_for_x_keys([]) == {}
