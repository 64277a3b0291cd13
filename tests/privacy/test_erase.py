"""Erasure: tokens revoked at the platform, every row about the person gone (proved by walking every
model and every text and integer column), a proof that names nobody, others' candidates cleaned."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from envol.core.ids import Platform
from envol.graph.models import Edge
from envol.matching.candidates import KnownAccount, candidates_for
from envol.privacy.erase import erase_person, rounded
from envol.privacy.models import ErasureProof
from envol.privacy.relations import person_graph, rows_about
from envol.reconnect.models import FollowTask
from envol.reconnect.plan import insert_missing
from envol.registry.models import Account, Person, Verification
from envol.registry.session import SESSION_KEY
from fakes.mastodon import FakeMastodon
from fakes.mastodon.fixtures import FakeMastodonFactory
from registry.conftest import point_mastodon_at, sign_in_with_mastodon, signed_in

from .conftest import audit, fill_every_related_model, leftovers, make_person

pytestmark = pytest.mark.django_db


def test_erasure_leaves_nothing_about_the_person_in_any_model(app: Any) -> None:
    victim = make_person("victim", 111222333444, follows=[555666777888])
    other = make_person("other", 555666777888, follows=[111222333444], app=app)
    filled = fill_every_related_model(victim)
    audit(victim)
    operator = User.objects.create(username="op")
    account = victim.person.accounts.first()
    assert account is not None
    LogEntry.objects.create(
        user=operator,
        content_type=ContentType.objects.get_for_model(Account),
        object_id=str(account.pk),
        object_repr=str(account),
        action_flag=CHANGE,
    )
    queries = rows_about(victim.person.pk)
    erased_pks = {
        link.model: set(queries[link.label].values_list("pk", flat=True))
        for link in person_graph()
        if len(link.model._meta.pk_fields) == 1
    }
    assert all(queries[link.label].exists() for link in person_graph()), "every related model holds a row"
    assert leftovers(victim, {}) != []  # the walk does see the person before erasure
    assert {c.handle for c in candidates_for(other.person.pk)} >= {"victim.bsky.test"}

    proof = erase_person(victim.person.pk)

    assert leftovers(victim, erased_pks) == []
    assert not Person.objects.filter(pk=victim.person.pk).exists()
    assert all(not queries[link.label].exists() for link in person_graph())
    assert {c.handle for c in candidates_for(other.person.pk)} == set()  # gone from others' candidates
    assert Account.objects.filter(person=other.person).count() == 3  # others keep everything
    assert proof.rows["graph.Edge"] == 3
    assert proof.rows["registry.Account"] == 3
    assert proof.tokens_revoked + proof.revocations_failed == 1
    stored = str(ErasureProof.objects.values().get(pk=proof.pk))
    for marker in victim.markers:
        assert marker not in stored.replace(str(proof.id), "")
    assert isinstance(filled, list)


def test_others_keep_their_lists_but_the_pseudonym_no_longer_leads_to_anyone(app: Any) -> None:
    """Another person's following list is their data: the erased person's pseudonym stays there,
    exactly like the pseudonym of anyone who never joined, and no longer matches any account."""
    victim = make_person("victim", 111222333444)
    other = make_person("other", 555666777888, follows=[111222333444])
    erase_person(victim.person.pk)
    assert Edge.objects.filter(x_key=victim.x_key, archive_import__person=other.person).count() == 1
    assert not Account.objects.filter(x_key=victim.x_key).exists()


def test_rounding_keeps_two_significant_digits() -> None:
    assert [rounded(n) for n in (0, 7, 42, 123, 4567, 1_234_567)] == [0, 7, 42, 120, 4600, 1_200_000]


@pytest.fixture
def home(fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch) -> FakeMastodon:
    m = fake_mastodon("mastodon.test", version="4.3.0")
    m.add_account("Alice", display_name="Alice A.")
    m.login_as("Alice")
    point_mastodon_at(monkeypatch, m)
    return m


def _works(m: FakeMastodon, token: str) -> bool:
    answer = httpx.get(
        m.url("/api/v1/accounts/verify_credentials"), headers={"Authorization": f"Bearer {token}"}
    )
    return answer.status_code == 200


def test_one_click_erasure_revokes_the_mastodon_token_and_signs_out(
    client: Client, home: FakeMastodon
) -> None:
    person = signed_in(client, (Platform.X, "42", "alice_x"))
    sign_in_with_mastodon(client, home, "mastodon.test")
    token = person.accounts.get(platform=Platform.MASTODON).access_token
    assert token
    assert _works(home, token)
    page = client.get("/your-data/erase/", headers={"accept-language": "fr"})
    assert "J’ai compris\u202f: mes données seront effacées, sans retour possible" in page.content.decode()

    response = client.post("/your-data/erase/", {"confirm": "yes"}, headers={"accept-language": "en"})

    assert response.status_code == 200
    assert "Your data is erased" in response.content.decode()
    assert not _works(home, token)
    assert not Person.objects.filter(pk=person.pk).exists()
    proof = ErasureProof.objects.get()
    assert (proof.tokens_revoked, proof.revocations_failed) == (1, 0)
    assert str(proof.id) in response.content.decode()
    assert SESSION_KEY not in client.session


def test_erasure_needs_the_confirmation(client: Client) -> None:
    person = signed_in(client, (Platform.X, "42", "alice_x"))
    response = client.post("/your-data/erase/", {}, headers={"accept-language": "fr"})
    assert response.status_code == 400
    assert "Cochez la case pour confirmer\u202f: rien n’a été effacé." in response.content.decode()
    assert Person.objects.filter(pk=person.pk).exists()
    assert client.get("/your-data/erase/").status_code == 200


def test_erasure_of_a_token_on_a_platform_without_revocation_hook_is_counted(app: Any) -> None:
    someone = make_person("solo", 1234, app=app)  # the app points at a closed port: revocation fails
    proof = erase_person(someone.person.pk)
    assert (proof.tokens_revoked, proof.revocations_failed) == (0, 1)


def test_admin_log_entries_of_a_newsroom_s_many_rows_go_too(sqlite_default_limit: int) -> None:
    """More follow tasks than SQLite binds in one statement: the admin's entries about them go, an
    entry about someone else's row stays."""
    newsroom, other = (
        Person.objects.create(findable_by="everyone"),
        Person.objects.create(findable_by="everyone"),
    )
    source = Account.objects.create(person=newsroom, platform=Platform.BLUESKY, stable_id="did:plc:news",
                                    handle="news.test", verification=Verification.VERIFIED)  # fmt: skip
    kept = Account.objects.create(person=other, platform=Platform.BLUESKY, stable_id="did:plc:other",
                                  handle="other.test", verification=Verification.VERIFIED)  # fmt: skip
    targets = [KnownAccount(other.pk, Platform.BLUESKY, kept.pk, f"did:plc:t{i}", f"t{i}", True, False)
               for i in range(sqlite_default_limit)]  # fmt: skip
    assert insert_missing(source, targets, timezone.now()) == sqlite_default_limit
    operator = User.objects.create(username="op")
    last = FollowTask.objects.filter(source=source).latest("pk")
    for row in (last, kept):
        LogEntry.objects.create(user=operator, content_type=ContentType.objects.get_for_model(row),
                                object_id=str(row.pk), object_repr=str(row), action_flag=CHANGE)  # fmt: skip

    erase_person(newsroom.pk)

    assert list(LogEntry.objects.values_list("object_id", flat=True)) == [str(kept.pk)]
