"""Sign-in with X through the Django test client, against the fake X over real HTTP."""

from __future__ import annotations

import httpx
import pytest
from django.test import Client, RequestFactory

from envol.core.ids import Platform
from envol.registry.models import Account, Verification
from envol.registry.session import SESSION_KEY
from envol.signin.bluesky_client import oauth_client
from fakes.x import FakeX

from .conftest import ALICE_X, local, sign_in_with_x, signed_in, x_consent

pytestmark = pytest.mark.django_db

EN = {"accept-language": "en"}


def test_sign_in_with_x_stores_the_verified_id_and_handle_only(client: Client, x_server: FakeX) -> None:
    landed = sign_in_with_x(client)
    assert landed.path == "/accounts/who-can-find-me/"  # a new person is asked first
    account = Account.objects.get()
    assert (account.platform, account.stable_id, account.handle) == (
        Platform.X.value,
        str(ALICE_X),
        "alice_x",
    )
    assert account.verification == Verification.VERIFIED
    assert account.access_token is None
    assert client.session[SESSION_KEY] == account.person_id
    assert x_server.live_tokens() == []  # X's token was given back at once
    page = client.get("/accounts/", headers=EN).content.decode()
    assert "You are signed in with your X account @alice_x." in page
    assert "@alice_x" in page


def test_the_request_sent_to_x_carries_state_and_pkce(client: Client, x_server: FakeX) -> None:
    started = client.post("/sign-in/x/")
    params = httpx.URL(started["Location"]).params
    assert started["Location"].startswith(x_server.authorize_url + "?")
    assert params["code_challenge_method"] == "S256"
    assert params["redirect_uri"] == "http://testserver/sign-in/x/callback/"
    assert params["state"] == client.session["envol_x_flow"]["state"]
    assert "verifier" in client.session["envol_x_flow"]


def test_get_cannot_start_a_sign_in(client: Client, x_server: FakeX) -> None:
    assert client.get("/sign-in/x/").status_code == 405


def test_csrf_is_required_to_start(x_server: FakeX) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/sign-in/x/").status_code == 403


def test_a_second_sign_in_refreshes_the_handle(client: Client, x_server: FakeX) -> None:
    sign_in_with_x(client)
    x_server.add_user(str(ALICE_X), "alice_new", "Alice")
    client.post("/sign-out/")
    sign_in_with_x(client)
    assert Account.objects.get().handle == "alice_new"


def test_a_foreign_state_is_refused(client: Client, x_server: FakeX) -> None:
    started = client.post("/sign-in/x/")
    back = httpx.URL(x_consent(started["Location"]))
    forged = back.copy_set_param("state", "attacker-state")
    page = client.get(local(str(forged)), follow=True, headers=EN).content.decode()
    assert "did not come from this browser" in page
    assert not Account.objects.exists()
    assert SESSION_KEY not in client.session


def test_a_replayed_callback_is_refused(client: Client, x_server: FakeX) -> None:
    started = client.post("/sign-in/x/")
    back = x_consent(started["Location"])
    client.get(local(back))
    client.post("/sign-out/")
    page = client.get(local(back), follow=True, headers=EN).content.decode()
    assert "was not started from this browser, or it was already used" in page
    assert SESSION_KEY not in client.session


def test_cancelled_consent_gets_a_friendly_message(x_server: FakeX) -> None:
    client = Client(headers={"accept-language": "fr"})  # a French browser, from start to end
    landed = sign_in_with_x(client, decision="deny")
    assert landed.path == "/sign-in/"
    page = client.get("/sign-in/").content.decode()
    assert "Vous avez annulé la connexion sur X. Rien n’a été lié." in page
    assert not Account.objects.exists()


def test_x_down_says_try_later(client: Client, x_server: FakeX) -> None:
    x_server.fail_next("/2/oauth2/token", 503)
    sign_in_with_x(client)
    page = client.get("/sign-in/", headers=EN).content.decode()
    assert "X is not answering right now" in page


def test_linking_x_while_signed_in_with_mastodon(client: Client, x_server: FakeX) -> None:
    person = signed_in(client, (Platform.MASTODON, "https://m.test/users/a", "a@m.test"))
    sign_in_with_x(client)
    assert set(person.accounts.values_list("platform", flat=True)) == {"x", "mastodon"}
    assert "Your X account @alice_x is linked." in client.get("/accounts/", headers=EN).content.decode()


def test_x_of_another_person_is_refused_with_an_explanation(client: Client, x_server: FakeX) -> None:
    sign_in_with_x(client)
    owner = Account.objects.get().person
    other = Client()
    me = signed_in(other, (Platform.MASTODON, "https://m.test/users/b", "b@m.test"))
    sign_in_with_x(other)
    page = other.get("/accounts/", headers=EN).content.decode()
    assert "is already linked to another person on Envol" in page
    assert "never merges two persons" in page
    assert Account.objects.get(platform=Platform.X).person == owner
    assert other.session[SESSION_KEY] == me.pk


def test_without_a_client_id_the_page_says_x_is_not_configured(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENVOL_X_CLIENT_ID", raising=False)
    page = client.get("/sign-in/", headers=EN).content.decode()
    assert "Sign-in with X is not set up on this instance yet." in page
    assert 'action="/sign-in/x/"' not in page
    # What the operator must set, where it is explained, and the callback to register (issue #20).
    for text in (
        "<code>ENVOL_X_CLIENT_ID</code>",
        "<code>ENVOL_X_CLIENT_SECRET</code>",
        "<code>docs/configuration.md</code>",
        "<code>http://testserver/sign-in/x/callback/</code>",
    ):
        assert text in page, text
    # And a next step for the visitor: Bluesky and Mastodon need no set-up.
    assert "You can sign in with Bluesky or Mastodon right now" in page
    assert 'action="/sign-in/mastodon/"' in page
    french = client.get("/sign-in/", headers={"accept-language": "fr"}).content.decode()
    assert "La connexion avec X n’est pas encore configurée sur cette instance." in french
    response = client.post("/sign-in/x/", follow=True, headers=EN)
    assert "Sign-in with X is not configured on this instance." in response.content.decode()


def test_with_nothing_configured_bluesky_and_mastodon_sign_in_need_no_set_up(
    client: Client, rf: RequestFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "ENVOL_X_CLIENT_ID",
        "ENVOL_PUBLIC_URL",
        "ENVOL_BLUESKY_CLIENT_KEYS",
        "ENVOL_BLUESKY_OAUTH_CLIENT",
    ):
        monkeypatch.delenv(name, raising=False)
    page = client.get("/sign-in/", headers=EN, HTTP_HOST="127.0.0.1:8000").content.decode()
    assert 'action="/sign-in/bluesky/"' in page
    assert 'action="/sign-in/mastodon/"' in page
    # Bluesky's development client: no document, no key, callbacks on the loopback address.
    request = rf.post("/sign-in/bluesky/", HTTP_HOST="127.0.0.1:8000")
    client_for_request = oauth_client(request)
    assert not client_for_request.confidential
    assert client_for_request.redirect_uri == "http://127.0.0.1:8000/sign-in/bluesky/callback/"
    assert "127.0.0.1 rather than localhost" not in page
    # Asked at "localhost", which that client cannot call back: the page points to 127.0.0.1.
    at_localhost = client.get("/sign-in/?next=/review/", headers=EN, HTTP_HOST="localhost:8000")
    assert 'href="http://127.0.0.1:8000/sign-in/?next=/review/"' in at_localhost.content.decode()
