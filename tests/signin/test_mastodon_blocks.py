"""The right to block and mute on Mastodon (decision 0026) is asked only from the blocks page, by a
person who wants Envol to carry their X blocks over: the registration at their instance gains it,
their consent asks for it, and an ordinary sign-in at the same instance still never asks for it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from envol.reconnect.models import BlockChoice
from envol.registry.models import Account, MastodonApp
from fakes.mastodon.fixtures import FakeMastodonFactory

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
    assert "Sign in again as" not in client.get("/people/blocks/").content.decode()
    assert power in client.get("/accounts/", headers={"accept-language": "en"}).content.decode()

    # Someone else signing in at the same instance is never asked for it.
    other = Client()
    m.login_as("bob")
    started = other.post("/sign-in/mastodon/", {"instance": "bob@home.test"})
    assert not BLOCKS & _asked(started["Location"])
