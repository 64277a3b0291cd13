"""Sign-in with Mastodon against a hostile server (tests/fakes/mastodon/hostile.py), through Envol's real
sign-in endpoints. Each test is one attack of issue #16 (docs/threat-model.md); each must leave
nothing stored and say why, in the person's language."""

from __future__ import annotations

import pytest
from django.test import Client

from envol.addresses import syntax
from envol.addresses.syntax import MAX_DOMAIN_LENGTH
from envol.core.ids import Platform
from envol.reconnect.credentials import mastodon_access
from envol.registry.models import Account, MastodonApp, Person
from envol.registry.session import SESSION_KEY
from fakes.mastodon import FakeMastodon, Hostile, Huge, WellKnownRedirect
from fakes.mastodon.fixtures import FakeMastodonFactory

from .conftest import local, mastodon_consent, point_mastodon_at, sign_in_with_mastodon, signed_in

pytestmark = pytest.mark.django_db

FIRST_LANDING = "/accounts/who-can-find-me/"  # a first sign-in is asked who can find them

EN = {"accept-language": "en"}
FR = {"accept-language": "fr"}
VICTIM_ACTOR = "https://victim.test/users/victim"


@pytest.fixture
def victim(fake_mastodon: FakeMastodonFactory) -> FakeMastodon:
    m = fake_mastodon("victim.test")
    m.add_account("victim")
    m.login_as("victim")
    return m


def _evil(fake_mastodon: FakeMastodonFactory, mode: Hostile) -> FakeMastodon:
    m = fake_mastodon("evil.test", modes=[mode])
    m.add_account("mallory")
    m.login_as("mallory")
    return m


def _attempt(client: Client, fake: FakeMastodon, written: str, headers: dict[str, str] = EN) -> str:
    """Run a sign-in as far as the server lets it go; the page the person lands on, in their language."""
    started = client.post("/sign-in/mastodon/", {"instance": written}, headers=headers)
    assert started.status_code == 302
    if started["Location"].startswith(fake.base_url):  # the server was trusted enough to ask consent
        finished = client.get(local(mastodon_consent(fake, started["Location"])), headers=headers)
        assert finished.status_code == 302
        location = finished["Location"]
    else:
        location = started["Location"]
    return client.get(location, headers=headers).content.decode()


def _victim_signed_in(client: Client, victim: FakeMastodon) -> Account:
    assert sign_in_with_mastodon(client, victim, "victim.test") == FIRST_LANDING
    client.post("/sign-out/")
    return Account.objects.get(platform=Platform.MASTODON)


# -- item 1: an identity is accepted only from a server with authority over it --------------------------
def test_a_server_claiming_another_servers_actor_cannot_sign_in_as_its_owner(
    client: Client, victim: FakeMastodon, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil = _evil(fake_mastodon, Hostile(uri=VICTIM_ACTOR, acct="victim@victim.test"))
    point_mastodon_at(monkeypatch, victim, evil)
    owner = _victim_signed_in(Client(), victim)
    page = _attempt(client, evil, "evil.test")
    assert "evil.test answered with an account it does not host" in page
    assert SESSION_KEY not in client.session  # not signed in as anyone
    kept = Account.objects.get(platform=Platform.MASTODON)
    assert (kept.pk, kept.access_token, kept.mastodon_app_id) == (
        owner.pk,
        owner.access_token,
        owner.mastodon_app_id,
    )
    assert Person.objects.count() == 1


def test_a_pre_claim_of_another_servers_actor_is_refused_so_its_owner_gets_their_own_person(
    client: Client, victim: FakeMastodon, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil = _evil(fake_mastodon, Hostile(uri=VICTIM_ACTOR))
    point_mastodon_at(monkeypatch, victim, evil)
    attacker = signed_in(client, (Platform.X, "666", "mallory_x"))
    page = _attempt(client, evil, "evil.test", FR)
    assert "evil.test a répondu avec un compte qu’il n’héberge pas" in page
    assert not attacker.accounts.filter(platform=Platform.MASTODON).exists()
    # Later, the real owner signs in on their own instance: they land in a person of their own.
    owner = _victim_signed_in(Client(), victim)
    assert owner.person_id != attacker.pk
    assert owner.stable_id == VICTIM_ACTOR


def test_a_lying_webfinger_does_not_vouch_for_a_foreign_actor(
    client: Client, victim: FakeMastodon, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # evil.test's own WebFinger says its local account mallory is the victim's actor.
    evil = _evil(fake_mastodon, Hostile(uri=VICTIM_ACTOR, webfinger=VICTIM_ACTOR))
    point_mastodon_at(monkeypatch, victim, evil)
    page = _attempt(client, evil, "evil.test")
    assert "does not host (https://victim.test/users/victim)" in page
    assert not Account.objects.exists()


def test_an_acct_on_another_domain_is_refused_when_that_domain_names_another_actor(
    client: Client, victim: FakeMastodon, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its own actor, but the victim's address: people would follow the victim, thinking it is mallory.
    evil = _evil(fake_mastodon, Hostile(acct="victim@victim.test"))
    point_mastodon_at(monkeypatch, victim, evil)
    page = _attempt(client, evil, "evil.test")
    assert "does not host (victim@victim.test)" in page
    assert not Account.objects.exists()
    assert victim.calls("GET", "/.well-known/webfinger")  # the victim's domain was asked, and said no


def test_an_acct_on_another_domain_is_accepted_when_that_domains_webfinger_names_the_actor(
    client: Client, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _evil(fake_mastodon, Hostile(acct="mallory@vanity.test"))
    vanity = fake_mastodon("vanity.test", modes=[Hostile(webfinger="https://evil.test/users/mallory")])
    point_mastodon_at(monkeypatch, home, vanity)
    assert sign_in_with_mastodon(client, home, "evil.test") == FIRST_LANDING
    account = Account.objects.get()
    assert (account.stable_id, account.handle) == ("https://evil.test/users/mallory", "mallory@vanity.test")


# -- item 2: an app registration is tied to the address contacted ----------------------------------------
def test_a_server_claiming_another_instances_domain_cannot_take_its_app_registration(
    client: Client, victim: FakeMastodon, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil = _evil(fake_mastodon, Hostile(domain="victim.test", token_status=401))
    point_mastodon_at(monkeypatch, victim, evil)
    owner = _victim_signed_in(Client(), victim)
    before = MastodonApp.objects.values().get()
    page = _attempt(client, evil, "evil.test")
    assert "evil.test says its accounts are on victim.test, but victim.test does not point back to it" in page
    assert MastodonApp.objects.values().get() == before  # same address, same client, same secret
    assert not evil.calls("POST", "/api/v1/apps")
    assert not evil.calls("POST", "/oauth/token")
    # The engine's Bearer token and the revocation still go to the victim's own instance.
    assert mastodon_access(Account.objects.get(pk=owner.pk)).base_url == victim.base_url


def test_a_nodeinfo_pointing_at_the_claimed_instance_proves_nothing(
    client: Client, victim: FakeMastodon, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil = _evil(fake_mastodon, Hostile(domain="victim.test", nodeinfo=victim.url("/nodeinfo/2.0")))
    point_mastodon_at(monkeypatch, victim, evil)
    page = _attempt(client, evil, "evil.test", FR)
    assert "evil.test dit que ses comptes sont sur victim.test" in page
    assert not MastodonApp.objects.exists()


def test_a_401_from_one_address_deletes_only_that_address_registration(
    client: Client, victim: FakeMastodon, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil = _evil(fake_mastodon, Hostile(token_status=401))
    point_mastodon_at(monkeypatch, victim, evil)
    _victim_signed_in(Client(), victim)
    before = MastodonApp.objects.values().get()
    started = client.post("/sign-in/mastodon/", {"instance": "evil.test"})
    again = client.get(local(mastodon_consent(evil, started["Location"])))  # 401: registered afresh
    assert again["Location"].startswith(evil.base_url)
    finished = client.get(local(mastodon_consent(evil, again["Location"])))  # 401 again: give up
    assert finished["Location"] == "/sign-in/"
    assert len(evil.calls("POST", "/api/v1/apps")) == 2
    assert list(MastodonApp.objects.values()) == [before]
    assert not Account.objects.exclude(stable_id=VICTIM_ACTOR).exists()


def test_a_claimed_domain_that_redirects_its_well_known_documents_to_the_server_is_believed(
    client: Client, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = fake_mastodon("example.test", web_domain="social.example.test")
    server.add_account("carol")
    server.login_as("carol")
    door = fake_mastodon("door.test", modes=[WellKnownRedirect(server.base_url)])  # example.test's web
    monkeypatch.setenv("ENVOL_MASTODON_INSTANCE_URLS",
                       f"social.example.test={server.base_url},example.test={door.base_url}")  # fmt: skip
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
    assert sign_in_with_mastodon(client, server, "social.example.test") == FIRST_LANDING
    account = Account.objects.get()
    assert (account.stable_id, account.handle) == (
        "https://social.example.test/users/carol",
        "carol@example.test",
    )
    app = MastodonApp.objects.get()
    assert (app.domain, app.base_url) == ("example.test", server.base_url)
    assert door.calls("GET", "/.well-known/nodeinfo")  # example.test itself was asked


def test_the_operators_mapping_counts_as_proof(
    client: Client, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = fake_mastodon("example.test", web_domain="social.example.test")
    server.add_account("carol")
    server.login_as("carol")
    monkeypatch.setenv("ENVOL_MASTODON_INSTANCE_URLS",
                       f"social.example.test={server.base_url},example.test={server.base_url}")  # fmt: skip
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
    assert sign_in_with_mastodon(client, server, "social.example.test") == FIRST_LANDING
    assert Account.objects.get().handle == "carol@example.test"


# -- the transport: answers too large to read ------------------------------------------------------------
@pytest.mark.parametrize("declared", [True, False])
def test_a_huge_answer_is_refused_and_nothing_stored(
    client: Client, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch, declared: bool
) -> None:
    hostile = Hostile(huge=Huge(("/api/v1/accounts/verify_credentials",), declared=declared))
    evil = _evil(fake_mastodon, hostile)
    point_mastodon_at(monkeypatch, evil)
    page = _attempt(client, evil, "evil.test")
    assert "Your instance refused the sign-in. Please start again." in page
    assert hostile.transport_hits == ["/api/v1/accounts/verify_credentials"]
    assert not Account.objects.exists()


# -- what the person types: bounded before any parsing (items 4 and 11) -----------------------------------
@pytest.mark.parametrize(
    "written", ["漢" * 50_000 + ".example.com", "http://[", "@a@" + "b" * 5000 + ".social"]
)
def test_oversized_or_broken_instance_text_is_explained_without_any_request(
    client: Client, written: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    real = syntax._to_ascii
    monkeypatch.setattr(syntax, "_to_ascii", lambda domain: seen.append(len(domain)) or real(domain))
    page = client.post("/sign-in/mastodon/", {"instance": written}, follow=True, headers=EN).content.decode()
    assert "is not a Mastodon address or instance" in page
    assert max(seen, default=0) <= MAX_DOMAIN_LENGTH
    assert not MastodonApp.objects.exists()
