"""The right to block and mute on Mastodon (decision 0026) is asked only from the blocks page, by a
person who wants Envol to carry their X blocks over: the registration at their instance gains it,
their consent asks for it, and an ordinary sign-in at the same instance still never asks for it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client

from envol.reconnect.models import BlockChoice
from envol.registry.models import Account, MastodonApp
from fakes.mastodon.fixtures import FakeMastodonFactory
from fakes.mastodon.flow import form_fields

from .conftest import local, mastodon_consent, point_mastodon_at, sign_in_with_mastodon

pytestmark = pytest.mark.django_db
BLOCKS = {"write:blocks", "write:mutes"}


def _asked(url: str) -> set[str]:
    return set(parse_qs(urlsplit(url).query)["scope"][0].split())


def test_signing_in_again_from_the_blocks_page_grants_the_right_to_block_and_only_there(
    client: Client, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = fake_mastodon("home.test")
    m.add_account("alice")
    m.add_account("bob")
    m.login_as("alice")
    point_mastodon_at(monkeypatch, m)
    sign_in_with_mastodon(client, m, "alice@home.test")
    alice = Account.objects.get(handle="alice@home.test")
    assert not BLOCKS & set(alice.token_scope.split())  # an ordinary sign-in: the right to follow only
    BlockChoice.objects.create(person=alice.person, enabled=True)
    power = "block and mute accounts for you"
    assert power not in client.get("/accounts/", headers={"accept-language": "en"}).content.decode()

    page = client.get("/people/blocks/").content.decode()
    assert "Sign in again as alice@home.test to let Envol block and mute" in page

    started = client.post("/sign-in/mastodon/", {"instance": "alice@home.test", "blocks": "1"})
    assert _asked(started["Location"]) >= BLOCKS
    assert set(MastodonApp.objects.get().scopes.split()) >= BLOCKS  # registered again with it
    finished = client.get(local(mastodon_consent(m, started["Location"])))
    assert finished["Location"] == "/people/blocks/"
    alice.refresh_from_db()
    assert set(alice.token_scope.split()) >= BLOCKS
    page = client.get("/people/blocks/", headers={"accept-language": "en"}).content.decode()
    assert "Sign in again as" not in page
    # What the sign-in gave Envol, not "is linked" (it was linked already).
    assert "Envol may now block and mute on Mastodon as @alice@home.test." in page
    assert power in client.get("/accounts/", headers={"accept-language": "en"}).content.decode()

    # Someone else signing in at the same instance is never asked for it.
    other = Client()
    m.login_as("bob")
    started = other.post("/sign-in/mastodon/", {"instance": "bob@home.test"})
    assert not BLOCKS & _asked(started["Location"])


def test_a_server_that_grants_less_than_asked_is_said_so_on_the_blocks_page(
    client: Client, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = fake_mastodon("home.test")
    m.add_account("alice")
    m.login_as("alice")
    point_mastodon_at(monkeypatch, m)
    sign_in_with_mastodon(client, m, "alice@home.test")
    ordinary = Account.objects.get(handle="alice@home.test").token_scope
    BlockChoice.objects.create(person=Account.objects.get(handle="alice@home.test").person, enabled=True)
    started = client.post("/sign-in/mastodon/", {"instance": "alice@home.test", "blocks": "1"})
    with httpx.Client(base_url=m.base_url, timeout=5) as browser:  # the server grants the old scopes only
        consent = browser.get(started["Location"].removeprefix(m.base_url))
        fields = form_fields(consent.text, 0) | {"scope": ordinary}
        back = browser.post("/oauth/authorize", data=fields).headers["location"]
    assert client.get(local(back))["Location"] == "/people/blocks/"
    page = client.get("/people/blocks/", headers={"accept-language": "en"}).content.decode()
    assert "Your Mastodon server still did not give Envol the right to block as @alice@home.test" in page
    assert "Sign in again as alice@home.test to let Envol block and mute" in page
