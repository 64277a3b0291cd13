"""Sign-in on servers that honour only the coarse scopes (issue #18, item 1), and on every mode of the fake.

Takahē grants the narrow scopes Envol asks for, then refuses them on every call (403
`out_of_scope_for_token`). Envol learns it once per instance, on the app registration tied to the address
contacted, and sends the person through consent once more, with a page that says why; never a loop.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from envol.registry.models import Account, MastodonApp
from fakes.mastodon import EndpointMode, FakeClock, FakeMastodon
from fakes.mastodon.fixtures import FakeMastodonFactory
from fakes.mastodon.realworld import CoarseScopeOnly, Unreachable
from fakes.mastodon.server import Response
from support.language import english_words, typography, visible_text

from .conftest import local, mastodon_consent, point_mastodon_at, sign_in_with_mastodon

pytestmark = pytest.mark.django_db

EN = {"accept-language": "en"}
NARROW = "read:accounts read:follows write:follows read:search"


def _server(
    fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch, **kwargs: object
) -> FakeMastodon:
    m = fake_mastodon("takahe.test", **kwargs)
    m.add_account("alice", display_name="Alice")
    m.login_as("alice")
    point_mastodon_at(monkeypatch, m)
    return m


def _again_link(page: str) -> str:
    found = re.search(r'<a[^>]+id="consent-again"[^>]+href="([^"]+)"', page)
    assert found, page
    return unescape(found.group(1))


def test_a_coarse_scope_server_signs_in_after_one_more_consent_explained_in_plain_words(
    client: Client, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    coarse = CoarseScopeOnly()
    m = _server(fake_mastodon, monkeypatch, software="takahe", version="0.11.0", modes=[coarse])
    started = client.post("/sign-in/mastodon/", {"instance": "alice@takahe.test"})
    back = client.get(local(mastodon_consent(m, started["Location"])), headers=EN)
    # Not a retry loop: a page that says what happened, with one clear button.
    assert back.status_code == 200
    page = back.content.decode()
    assert "only accepts broader permissions" in page
    again = _again_link(page)
    assert again.startswith(m.base_url + "/oauth/authorize?")
    assert httpx.URL(again).params["scope"] == "read write"
    finished = client.get(local(mastodon_consent(m, again)))
    assert finished["Location"] == "/accounts/who-can-find-me/"
    account = Account.objects.get()
    assert (account.handle, account.token_scope) == ("alice@takahe.test", "read write")
    app = MastodonApp.objects.get()
    assert (app.base_url, app.scopes) == (m.base_url, "read write")
    assert app.narrow_refused_at is not None
    assert coarse.refused == ["GET /api/v1/accounts/verify_credentials"]
    # Learned for the instance: the next sign-in asks for the coarse scopes at once, one consent.
    client.post("/sign-out/")
    assert sign_in_with_mastodon(client, m, "takahe.test") == "/accounts/who-can-find-me/"
    assert len(m.calls("POST", "/api/v1/apps")) == 2


def test_a_server_refusing_even_the_coarse_scopes_is_told_never_looped(
    client: Client, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse = EndpointMode()
    refuse.on_before(
        "GET /api/v1/accounts/verify_credentials",
        lambda ctx, req: Response.error(403, "out_of_scope_for_token"),
    )
    m = _server(fake_mastodon, monkeypatch, software="takahe", version="0.11.0", modes=[refuse])
    started = client.post("/sign-in/mastodon/", {"instance": "takahe.test"})
    back = client.get(local(mastodon_consent(m, started["Location"])), headers=EN)
    again = _again_link(back.content.decode())
    finished = client.get(local(mastodon_consent(m, again)), follow=True, headers=EN)
    assert finished.redirect_chain[-1][0] == "/sign-in/"
    assert "does not accept the permissions Envol needs" in finished.content.decode()
    assert len(m.calls("POST", "/api/v1/apps")) == 2  # registered narrow, then coarse: nothing more
    assert not Account.objects.exists()


def test_a_server_that_stops_honouring_narrow_scopes_is_learned_again(
    client: Client, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = _server(fake_mastodon, monkeypatch)  # a Mastodon 4.3: the narrow scopes work
    sign_in_with_mastodon(client, m, "takahe.test")
    assert MastodonApp.objects.get().scopes == NARROW
    client.post("/sign-out/")
    m.add_mode(CoarseScopeOnly())  # the server was replaced by one that honours only read/write
    started = client.post("/sign-in/mastodon/", {"instance": "takahe.test"})
    back = client.get(local(mastodon_consent(m, started["Location"])), headers=EN)
    finished = client.get(local(mastodon_consent(m, _again_link(back.content.decode()))))
    assert finished["Location"] == "/accounts/who-can-find-me/"
    assert MastodonApp.objects.get().scopes == "read write"


def test_narrow_scopes_are_tried_again_once_the_server_says_it_knows_them(
    client: Client, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = _server(fake_mastodon, monkeypatch, software="takahe", version="0.11.0", modes=[CoarseScopeOnly()])
    started = client.post("/sign-in/mastodon/", {"instance": "takahe.test"})
    back = client.get(local(mastodon_consent(m, started["Location"])), headers=EN)
    client.get(local(mastodon_consent(m, _again_link(back.content.decode()))))
    client.post("/sign-out/")
    # Months later the instance runs a Mastodon 4.3 that lists its scopes (RFC 8414 metadata).
    MastodonApp.objects.update(narrow_refused_at=timezone.now() - timedelta(days=31))
    m.modes.clear()
    m.ctx.config.software, m.ctx.config.version = "mastodon", "4.3.0"
    assert sign_in_with_mastodon(client, m, "takahe.test") == "/accounts/who-can-find-me/"
    app = MastodonApp.objects.get()
    assert (app.scopes, app.narrow_refused_at) == (NARROW, None)


# The sign-in runs against every software the fake emulates and every mode a real server shows.
SERVERS = {
    "mastodon": {"software": "mastodon", "version": "4.3.0"},
    "mastodon-4.2": {"software": "mastodon", "version": "4.2.0"},
    "gotosocial": {"software": "gotosocial", "version": "0.17.3"},
    "pleroma": {"software": "pleroma", "version": "2.6.0"},
    "akkoma": {"software": "akkoma", "version": "3.13.2"},
    "takahe-coarse-scope-only": {"software": "takahe", "version": "0.11.0", "coarse": True},
}


@pytest.mark.parametrize("name", list(SERVERS))
def test_sign_in_succeeds_on_every_server_with_the_narrowest_scopes_it_honours(
    name: str, client: Client, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    kind = dict(SERVERS[name])
    coarse = bool(kind.pop("coarse", False))
    m = _server(fake_mastodon, monkeypatch, modes=[CoarseScopeOnly()] if coarse else [], **kind)
    started = client.post("/sign-in/mastodon/", {"instance": "alice@takahe.test"})
    back = client.get(local(mastodon_consent(m, started["Location"])), headers=EN)
    if coarse:
        back = client.get(local(mastodon_consent(m, _again_link(back.content.decode()))))
    assert back["Location"] == "/accounts/who-can-find-me/"
    assert Account.objects.get().token_scope == ("read write" if coarse else NARROW)


@pytest.mark.parametrize("how", ["503", "drop"])
def test_an_instance_unreachable_for_a_while_is_explained_then_works(
    how: str,
    client: Client,
    fake_mastodon: FakeMastodonFactory,
    mastodon_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    m = _server(fake_mastodon, monkeypatch, modes=[Unreachable(60, how=how)])
    page = client.post("/sign-in/mastodon/", {"instance": "takahe.test"}, follow=True, headers=EN)
    assert "Your instance is not answering right now" in page.content.decode()
    assert not MastodonApp.objects.exists()
    mastodon_clock.advance(61)
    assert sign_in_with_mastodon(client, m, "takahe.test") == "/accounts/who-can-find-me/"


def test_the_second_approval_page_speaks_french(
    client: Client, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = _server(fake_mastodon, monkeypatch, software="takahe", version="0.11.0", modes=[CoarseScopeOnly()])
    started = client.post("/sign-in/mastodon/", {"instance": "takahe.test"})
    back = client.get(local(mastodon_consent(m, started["Location"])), headers={"accept-language": "fr"})
    nodes = visible_text(back.content.decode(), "fr")
    assert "Encore une validation sur votre instance" in nodes
    assert "Valider sur takahe.test" in nodes
    assert typography(nodes) == []
    assert english_words(nodes) == []


def test_an_app_the_instance_forgot_is_registered_again_with_the_scopes_learned(
    client: Client, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = _server(fake_mastodon, monkeypatch, software="takahe", version="0.11.0", modes=[CoarseScopeOnly()])
    started = client.post("/sign-in/mastodon/", {"instance": "takahe.test"})
    back = client.get(local(mastodon_consent(m, started["Location"])), headers=EN)
    client.get(local(mastodon_consent(m, _again_link(back.content.decode()))))
    client.post("/sign-out/")
    MastodonApp.objects.update(client_secret="vacuumed")  # the server answers 401 invalid_client
    started = client.post("/sign-in/mastodon/", {"instance": "takahe.test"})
    again = client.get(local(mastodon_consent(m, started["Location"])))
    assert httpx.URL(again["Location"]).params["scope"] == "read write"  # not narrow, refused once more
    finished = client.get(local(mastodon_consent(m, again["Location"])))
    assert finished["Location"] == "/accounts/who-can-find-me/"
    app = MastodonApp.objects.get()
    assert (app.scopes, app.client_secret != "vacuumed") == ("read write", True)
    assert app.narrow_refused_at is not None
