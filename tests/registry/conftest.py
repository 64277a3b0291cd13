"""Helpers for the registry tests: signed-in clients, and the fake X / fake Mastodon wired in
through the same ENVOL_ settings an operator sets (read at each request)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import httpx
import pytest
from django.test import Client

from envol.core.ids import Platform
from envol.registry.models import Account, Person, Verification
from envol.registry.session import SESSION_KEY
from fakes.mastodon import FakeMastodon
from fakes.mastodon.flow import form_fields
from fakes.x import FakeX

ALICE_X = 1234567890123456789
X_CALLBACK = "http://testserver/sign-in/x/callback/"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def signed_in(client: Client, *accounts: tuple[Platform, str, str]) -> Person:
    """A person with these verified accounts (platform, stable id, handle), signed in on `client`."""
    person = Person.objects.create(findable_by="everyone")
    for platform, stable_id, handle in accounts:
        Account.objects.create(person=person, platform=platform, stable_id=stable_id, handle=handle,
                               verification=Verification.VERIFIED)  # fmt: skip
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()
    return person


def point_x_at(monkeypatch: pytest.MonkeyPatch, fake: FakeX) -> None:
    monkeypatch.setenv("ENVOL_X_CLIENT_ID", fake.app.client_id)
    monkeypatch.setenv("ENVOL_X_CLIENT_SECRET", fake.app.client_secret or "")
    monkeypatch.setenv("ENVOL_X_AUTHORIZE_URL", fake.authorize_url)
    monkeypatch.setenv("ENVOL_X_TOKEN_URL", fake.token_url)
    monkeypatch.setenv("ENVOL_X_REVOKE_URL", fake.revoke_url)
    monkeypatch.setenv("ENVOL_X_API_URL", fake.api_base_url)
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")


@pytest.fixture
def x_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeX]:
    """A fake X whose registered callback is the test client's, with @alice_x signed in there."""
    with FakeX(redirect_uri=X_CALLBACK) as fake:
        fake.add_user(str(ALICE_X), "alice_x", "Alice")
        fake.login_as(ALICE_X)
        point_x_at(monkeypatch, fake)
        yield fake


def x_consent(url: str, decision: str = "allow") -> str:
    """What the browser does on X's consent page; returns where X sends it back."""
    with httpx.Client(timeout=5) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        fields = {name: unescape(value) for name, value in _HIDDEN.findall(page.text)}
        answer = browser.post(str(page.url.copy_with(query=None)), data=fields | {"decision": decision})
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def local(url: str) -> str:
    """The path and query of an absolute URL on the test server."""
    parsed = httpx.URL(url)
    assert parsed.host == "testserver", url
    return parsed.raw_path.decode()


def sign_in_with_x(client: Client, decision: str = "allow") -> httpx.URL:
    started = client.post("/sign-in/x/")
    assert started.status_code == 302
    back = x_consent(started["Location"], decision)
    finished = client.get(local(back))
    assert finished.status_code == 302
    return httpx.URL(finished["Location"])


def point_mastodon_at(monkeypatch: pytest.MonkeyPatch, *fakes: FakeMastodon) -> None:
    monkeypatch.setenv("ENVOL_MASTODON_INSTANCE_URLS", ",".join(f"{m.domain}={m.base_url}" for m in fakes))
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")


def mastodon_consent(fake: FakeMastodon, url: str, *, approve: bool = True) -> str:
    assert url.startswith(fake.base_url), url
    with httpx.Client(base_url=fake.base_url, timeout=5) as browser:
        page = browser.get(url.removeprefix(fake.base_url))
        assert page.status_code == 200, page.text
        decision = browser.post("/oauth/authorize", data=form_fields(page.text, 0 if approve else 1))
    assert decision.status_code == 302, decision.text
    return decision.headers["location"]


def sign_in_with_mastodon(client: Client, fake: FakeMastodon, written: str, *, approve: bool = True) -> str:
    started = client.post("/sign-in/mastodon/", {"instance": written})
    assert started.status_code == 302, started.content
    back = mastodon_consent(fake, started["Location"], approve=approve)
    finished = client.get(local(back))
    assert finished.status_code == 302
    return finished["Location"]
