"""Deferred erasure end to end, against the real local PDS and the strict fake Mastodon: the person
asks to remove Envol's follows first; the engine removes them (and only them) with the person's
tokens; the retention task then erases the person completely and only then revokes the tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from django.db import models
from django.test import Client
from django.utils import timezone

from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.platforms.errors import AuthExpired
from envol.platforms.http import SafeHttp
from envol.privacy.models import ErasureProof
from envol.privacy.relations import person_graph, rows_about
from envol.privacy.retention import Policy, run_retention
from envol.reconnect.executor import run_account
from envol.reconnect.models import FollowTask
from envol.registry.bluesky_tokens import password_session
from envol.registry.models import Account, Person
from envol.registry.session import SESSION_KEY
from fakes.mastodon import FakeClock, FakeMastodon
from fakes.mastodon.fixtures import FakeMastodonFactory
from reconnect.conftest import (
    account,
    bluesky_source,
    did_targets,
    pds_entryway,  # noqa: F401  (fixture)
    plan_targets,
    private_hosts,  # noqa: F401  (fixture)
    records_of,
    states,
)
from registry.conftest import point_mastodon_at, sign_in_with_mastodon
from support.atproto_net import AtprotoNetwork, TestAccount

from .conftest import Someone, leftovers

pytestmark = pytest.mark.django_db(transaction=True)
POLICY = Policy(
    edges_days=30, inactive_days=700, grace_days=30, upload_stale_minutes=60, undo_deadline_days=7
)
X_ID = 424242424242


def _mastodon_token_works(fake: FakeMastodon, token: str) -> bool:
    answer = httpx.get(
        fake.url("/api/v1/accounts/verify_credentials"), headers={"Authorization": f"Bearer {token}"}
    )
    return answer.status_code == 200


def _until_idle(source: Account, clock: FakeClock | None = None) -> None:
    outcomes: list[str] = []
    while not outcomes or outcomes[-1] == "more":
        outcomes.append(run_account(source.pk, clock=clock.now if clock else None))
    assert outcomes[-1] == "idle", outcomes


def _alice(
    net: AtprotoNetwork, home: FakeMastodon, client: Client, monkeypatch: pytest.MonkeyPatch
) -> tuple[Someone, Account, Account, TestAccount]:
    """Alice, proven on X, on Bluesky (an account of the local PDS, app-password session) and on
    Mastodon (linked through Envol's own OAuth flow at the fake), signed in on ``client``."""
    bluesky, pds_account = bluesky_source(net)
    person = bluesky.person
    account(person, Platform.X, str(X_ID), "alice_x", x_key=pseudonymizer().key(X_ID))
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()
    home.add_account("alice")
    home.login_as("alice")
    point_mastodon_at(monkeypatch, home)
    sign_in_with_mastodon(client, home, "home.test")
    mastodon = person.accounts.get(platform=Platform.MASTODON)
    actor = mastodon.stable_id
    markers = [pds_account.did, pds_account.handle, actor, "alice@home.test", "alice_x", str(X_ID)]
    someone = Someone(person, X_ID, "alice_x", pds_account.did, actor, str(mastodon.access_token), markers)
    return someone, bluesky, mastodon, pds_account


def test_the_follows_are_removed_first_then_everything_is_erased_and_only_then_the_tokens_revoked(
    pds_entryway: AtprotoNetwork,  # noqa: F811
    fake_mastodon: FakeMastodonFactory,
    mastodon_clock: FakeClock,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    net = pds_entryway
    home = fake_mastodon("home.test")
    for name in ("bob", "carol", "dave"):
        home.add_account(name)
    alice, bluesky, mastodon, pds_account = _alice(net, home, client, monkeypatch)
    home.seed_follow("alice", "dave@home.test")  # Alice followed Dave herself, before Envol
    # Envol follows three Bluesky accounts and two Mastodon accounts for her.
    plan_targets(bluesky, did_targets(3, "erase"))
    people = [(f"https://home.test/users/{n}", f"{n}@home.test") for n in ("bob", "carol", "dave")]
    plan_targets(mastodon, people)
    mastodon_clock.set(datetime.now(UTC))
    _until_idle(bluesky)
    _until_idle(mastodon, mastodon_clock)
    assert states(bluesky) == {"done": 3}
    assert states(mastodon) == {"done": 2, "already_following": 1}
    assert len(records_of(net, pds_account)) == 3
    session = password_session(Account.objects.get(pk=bluesky.pk))
    assert "Follows Envol made for you: 5." in client.get("/your-data/erase/").content.decode()

    client.post("/your-data/erase/", {"confirm": "yes", "undo": "yes"})

    # Pending: nothing erased, the tokens still held and working, the follows flagged.
    assert Person.objects.filter(pk=alice.person.pk).exists()
    assert _mastodon_token_works(home, alice.token)
    assert FollowTask.objects.filter(undo_requested=True).count() == 5
    assert run_retention(timezone.now(), POLICY).pending_erasures_finished == 0
    page = client.get("/your-data/erase/", headers={"accept-language": "en"}).content.decode()
    assert "Follows still to remove: <strong>5</strong>. Already removed: 0." in page

    # The engine removes them with the person's tokens.
    mastodon_clock.set(datetime.now(UTC) + timedelta(seconds=1))
    _until_idle(bluesky)
    _until_idle(mastodon, mastodon_clock)

    assert records_of(net, pds_account) == []
    assert home.following_of("alice") == ["dave@home.test"]  # hers stays
    page = client.get("/your-data/erase/", headers={"accept-language": "en"}).content.decode()
    assert "Follows still to remove: <strong>0</strong>. Already removed: 5." in page
    assert _mastodon_token_works(home, alice.token)  # not revoked before the undo ended
    queries = rows_about(alice.person.pk)
    erased_pks: dict[type[models.Model], set[Any]] = {
        link.model: set(queries[link.label].values_list("pk", flat=True))
        for link in person_graph()
        if len(link.model._meta.pk_fields) == 1
    }

    report = run_retention(timezone.now(), POLICY)

    assert report.pending_erasures_finished == 1
    assert not Person.objects.filter(pk=alice.person.pk).exists()
    assert leftovers(alice, erased_pks) == []
    proof = ErasureProof.objects.get()
    assert (proof.reason, proof.follows_undone) == ("request", 5)
    assert (proof.tokens_revoked, proof.revocations_failed) == (2, 0)
    assert not _mastodon_token_works(home, alice.token)
    with SafeHttp() as http, pytest.raises(AuthExpired):
        session.refresh_session(http)
