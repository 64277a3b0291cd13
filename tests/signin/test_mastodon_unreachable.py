"""Why an instance cannot be reached, told in plain words in both languages (issue #18, item 5), and a
closed network's instance behind a private CA, mapped by the operator, where sign-in works end to end."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest
from django.test import Client

from envol.registry.models import Account
from fakes.mastodon import FakeMastodon
from fakes.mastodon.fixtures import FakeMastodonFactory
from fakes.mastodon.flow import form_fields
from fakes.mastodon.realworld import PublicName
from support.tls import PrivateCa, TlsFront

from .conftest import local

pytestmark = pytest.mark.django_db

EN, FR = {"accept-language": "en"}, {"accept-language": "fr"}
UNTRUSTED = {
    "en": "Envol does not trust the security certificate of closed.test",
    "fr": "Envol ne fait pas confiance au certificat de sécurité de closed.test",
}
NOT_FOUND = {
    "en": "Envol could not find nowhere-instance.test: no server answers to this name.",
    "fr": "Envol n’a pas trouvé nowhere-instance.test\u202f: aucun serveur ne répond à ce nom.",
}


@pytest.fixture
def closed(
    fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[FakeMastodon, PrivateCa, TlsFront]]:
    """closed.test, served over HTTPS at localhost with a private CA's certificate, written with its
    public name in its absolute links as a real server does, and mapped by the operator."""
    m = fake_mastodon("closed.test", modes=[PublicName()])
    m.add_account("alice")
    m.login_as("alice")
    ca = PrivateCa()
    tls = TlsFront(ca, int(m.base_url.rpartition(":")[2]))
    monkeypatch.setenv("ENVOL_MASTODON_INSTANCE_URLS", f"closed.test={tls.base_url}")
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
    yield m, ca, tls
    tls.close()


def _message(client: Client, written: str, headers: dict[str, str]) -> str:
    page = client.post("/sign-in/mastodon/", {"instance": written}, follow=True, headers=headers)
    return page.content.decode()


@pytest.mark.parametrize(("language", "headers"), [("en", EN), ("fr", FR)])
def test_an_untrusted_certificate_is_told_apart_from_a_silent_instance(
    language: str, headers: dict[str, str], client: Client, closed: tuple[FakeMastodon, PrivateCa, TlsFront]
) -> None:
    page = _message(client, "closed.test", headers)
    assert UNTRUSTED[language] in page
    assert "not answering" not in page


@pytest.mark.parametrize(("language", "headers"), [("en", EN), ("fr", FR)])
def test_a_name_nobody_answers_to_is_told_apart(
    language: str, headers: dict[str, str], client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
    assert NOT_FOUND[language] in _message(client, "nowhere-instance.test", headers)


def test_sign_in_on_a_closed_network_with_the_operators_ca(
    client: Client, closed: tuple[FakeMastodon, PrivateCa, TlsFront], monkeypatch: pytest.MonkeyPatch
) -> None:
    m, ca, tls = closed
    monkeypatch.setenv("ENVOL_EXTRA_CA_BUNDLE", str(ca.ca_file))
    started = client.post("/sign-in/mastodon/", {"instance": "alice@closed.test"})
    assert started["Location"].startswith(f"{tls.base_url}/oauth/authorize?")
    trust = ssl.create_default_context(cafile=str(ca.ca_file))
    with httpx.Client(base_url=tls.base_url, verify=trust, timeout=5) as browser:
        consent = browser.get(started["Location"].removeprefix(tls.base_url))
        decision = browser.post("/oauth/authorize", data=form_fields(consent.text, 0))
    finished = client.get(local(decision.headers["location"]))
    assert finished["Location"] == "/accounts/who-can-find-me/"
    assert Account.objects.get().handle == "alice@closed.test"
    # Every call went through the mapped address: NodeInfo's link named https://closed.test.
    assert m.calls("GET", "/nodeinfo/2.0")
