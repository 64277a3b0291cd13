"""Sign-in with Mastodon through the Django test client, against the strict fake Mastodon."""

from __future__ import annotations

import httpx
import pytest
from django.db import connection
from django.test import Client

from envol.core.ids import Platform
from envol.registry.models import Account, MastodonApp, Person, Verification
from envol.registry.session import SESSION_KEY
from fakes.mastodon import FakeMastodon
from fakes.mastodon.fixtures import FakeMastodonFactory

from .conftest import local, mastodon_consent, point_mastodon_at, sign_in_with_mastodon, signed_in

pytestmark = pytest.mark.django_db

EN = {"accept-language": "en"}


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


def test_sign_in_with_any_written_form_stores_the_account_and_its_encrypted_token(
    client: Client, home: FakeMastodon
) -> None:
    assert sign_in_with_mastodon(client, home, "@Alice@Mastodon.Test") == "/accounts/who-can-find-me/"
    account = Account.objects.get()
    assert account.platform == Platform.MASTODON.value
    assert account.stable_id == "https://mastodon.test/users/Alice"
    assert (account.handle, account.display_name) == ("alice@mastodon.test", "Alice A.")
    assert account.verification == Verification.VERIFIED
    assert account.token_scope == "read:accounts read:follows write:follows read:search"
    assert account.access_token
    assert _works(home, account.access_token)
    assert client.session[SESSION_KEY] == account.person_id
    with connection.cursor() as cursor:  # at rest, only ciphertext
        cursor.execute("SELECT access_token FROM registry_account")
        (raw,) = cursor.fetchone()
        cursor.execute("SELECT client_secret FROM registry_mastodonapp")
        (secret,) = cursor.fetchone()
    assert raw != account.access_token
    assert account.access_token not in raw
    assert secret != MastodonApp.objects.get().client_secret


def test_the_app_is_registered_once_per_instance(client: Client, home: FakeMastodon) -> None:
    sign_in_with_mastodon(client, home, "mastodon.test")
    client.post("/sign-out/")
    sign_in_with_mastodon(client, home, "https://mastodon.test/@Alice")
    assert len(home.calls("POST", "/api/v1/apps")) == 1
    app = MastodonApp.objects.get()
    assert (app.domain, app.redirect_uri) == ("mastodon.test", "http://testserver/sign-in/mastodon/callback/")
    assert Person.objects.count() == 1  # the second sign-in found the same person


def test_an_app_the_instance_forgot_is_registered_again(client: Client, home: FakeMastodon) -> None:
    sign_in_with_mastodon(client, home, "mastodon.test")
    client.post("/sign-out/")
    MastodonApp.objects.update(client_secret="vacuumed")  # the server answers 401 invalid_client
    started = client.post("/sign-in/mastodon/", {"instance": "mastodon.test"})
    back = mastodon_consent(home, started["Location"])
    again = client.get(local(back))
    # Envol forgot the dead app, registered a new one and sends the person to consent once more.
    assert again["Location"].startswith(home.base_url + "/oauth/authorize?")
    assert len(home.calls("POST", "/api/v1/apps")) == 2
    finished = client.get(local(mastodon_consent(home, again["Location"])))
    assert finished["Location"] == "/accounts/who-can-find-me/"  # not chosen yet
    assert MastodonApp.objects.get().client_secret != "vacuumed"


def test_denied_consent_gets_a_friendly_message(client: Client, home: FakeMastodon) -> None:
    assert sign_in_with_mastodon(client, home, "mastodon.test", approve=False) == "/sign-in/"
    page = client.get("/sign-in/", headers=EN).content.decode()
    assert "You cancelled the sign-in on your instance. Nothing was linked." in page
    assert not Account.objects.exists()


def test_a_foreign_state_is_refused(client: Client, home: FakeMastodon) -> None:
    started = client.post("/sign-in/mastodon/", {"instance": "mastodon.test"})
    back = httpx.URL(mastodon_consent(home, started["Location"])).copy_set_param("state", "forged")
    page = client.get(local(str(back)), follow=True, headers=EN).content.decode()
    assert "did not come from this browser" in page
    assert not Account.objects.exists()


def test_nonsense_and_private_addresses_are_explained(
    client: Client, home: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = client.post("/sign-in/mastodon/", {"instance": "not an address!"}, follow=True, headers=EN)
    assert "is not a Mastodon address or instance" in page.content.decode()
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "0")
    page = client.post("/sign-in/mastodon/", {"instance": "mastodon.test"}, follow=True, headers=EN)
    assert "Envol may not contact that address." in page.content.decode()


def test_linking_mastodon_while_signed_in_with_x(client: Client, home: FakeMastodon) -> None:
    person = signed_in(client, (Platform.X, "42", "alice_x"))
    sign_in_with_mastodon(client, home, "alice@mastodon.test")
    assert set(person.accounts.values_list("platform", flat=True)) == {"x", "mastodon"}
    page = client.get("/accounts/", headers=EN).content.decode()
    assert "Your Mastodon account @alice@mastodon.test is linked." in page


def test_unlinking_mastodon_revokes_its_token(client: Client, home: FakeMastodon) -> None:
    person = signed_in(client, (Platform.X, "42", "alice_x"))
    sign_in_with_mastodon(client, home, "mastodon.test")
    account = person.accounts.get(platform=Platform.MASTODON)
    token = account.access_token
    assert token
    assert _works(home, token)
    response = client.post(f"/accounts/{account.pk}/unlink/", follow=True, headers=EN)
    assert "Mastodon @alice@mastodon.test is no longer linked." in response.content.decode()
    assert not _works(home, token)
    assert not person.accounts.filter(platform=Platform.MASTODON).exists()


def test_a_proof_lands_on_the_journey_with_its_next_step(client: Client, home: FakeMastodon) -> None:
    """Issue #20, item 1: after signing in or linking an account the person sees where they are and
    what comes next (before, "Your accounts" ended with unlink buttons)."""
    assert sign_in_with_mastodon(client, home, "mastodon.test") == "/accounts/who-can-find-me/"
    assert client.post("/accounts/who-can-find-me/", {"findable_by": "everyone"})["Location"] == "/"
    client.post("/sign-out/")
    assert sign_in_with_mastodon(client, home, "mastodon.test") == "/"
    journey = client.get("/", headers=EN).content.decode()
    assert "You are signed in with your Mastodon account" in journey
    assert 'aria-current="step"' in journey
    assert '<a class="button" href="/accounts/#link">Sign in with X</a>' in journey
