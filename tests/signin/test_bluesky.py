"""Bluesky sign-in through Envol's pages against the real local PDS: OAuth (consent in Chromium)
and the app-password fallback, the grant kept encrypted and refreshed, revocation noticed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.db import connection
from django.test import Client

from envol.core.ids import Platform
from envol.platforms.bluesky import oauth
from envol.platforms.bluesky.repo import create_follows, list_follows, new_follow
from envol.platforms.bluesky.xrpc import Xrpc
from envol.platforms.errors import AuthExpired
from envol.platforms.http import SafeHttp
from envol.registry.bluesky_tokens import after_auth_expired, client_for, credentials_for, token_set
from envol.registry.models import Account, BlueskyAuth, Person
from support.atproto_net import AtprotoNetwork, TestAccount
from support.bluesky_oauth import consent_on_pds, move_did_to, point_envol_at

from .conftest import signed_in

pytestmark = pytest.mark.django_db
PUBLIC = "http://127.0.0.1:8765"
CALLBACK = f"{PUBLIC}/sign-in/bluesky/callback/"


@pytest.fixture
def network(atproto_network: AtprotoNetwork, monkeypatch: pytest.MonkeyPatch) -> AtprotoNetwork:
    point_envol_at(monkeypatch, atproto_network)
    monkeypatch.setenv("ENVOL_PUBLIC_URL", PUBLIC)  # the loopback client: callbacks on 127.0.0.1
    return atproto_network


@pytest.fixture
def http() -> Iterator[SafeHttp]:
    with SafeHttp() as client:
        yield client


def _local(url: str) -> str:
    assert url.startswith(PUBLIC), url
    return url.removeprefix(PUBLIC)


def sign_in_with_bluesky(
    client: Client, account: TestAccount, *, approve: bool = True, before: Callable[[], None] | None = None
) -> str:
    started = client.post("/sign-in/bluesky/", {"identifier": account.handle})
    assert started.status_code == 302, started.content
    callback = consent_on_pds(
        started["Location"], password=account.password, callback_prefix=CALLBACK, approve=approve
    )
    if before is not None:
        before()
    finished = client.get(_local(callback))
    assert finished.status_code == 302
    return str(finished["Location"])


def _messages(client: Client, path: str = "/accounts/") -> str:
    return client.get(path, follow=True).content.decode()


def _raw_columns(account: Account) -> tuple[str, ...]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token, dpop_key FROM registry_account WHERE id = %s", [account.pk]
        )
        return tuple(cursor.fetchone())


def test_oauth_sign_in_keeps_a_verified_did_and_an_encrypted_grant(network: AtprotoNetwork) -> None:
    me = network.create_account()
    client = Client()
    assert sign_in_with_bluesky(client, me) == "/accounts/who-can-find-me/"  # asked first
    account = Account.objects.get(platform=Platform.BLUESKY)
    assert (account.stable_id, account.handle, account.is_verified) == (me.did, me.handle, True)
    assert account.auth_kind == BlueskyAuth.OAUTH
    assert account.token_scope == oauth.FOLLOWS_SCOPE
    assert (account.pds_url, account.auth_issuer) == (network.pds_url, network.pds_url)
    assert account.auth_client_id.startswith("http://localhost?")
    assert account.token_expires_at is not None
    assert account.token_expires_at > datetime.now(UTC)
    stored = _raw_columns(account)
    plain = (account.access_token, account.refresh_token, account.dpop_key)
    assert all(stored)
    assert all(p and p not in s for p, s in zip(plain, stored, strict=True))
    page = client.get("/accounts/").content.decode()
    assert f"You are signed in with your Bluesky account @{me.handle}." in page
    assert "follow accounts for you, and stop following them when you undo; nothing else" in page


def test_linking_bluesky_to_a_signed_in_x_person_and_the_connector_follows_with_the_grant(
    network: AtprotoNetwork, http: SafeHttp
) -> None:
    client = Client()
    person = signed_in(client, (Platform.X, "1234", "alice_x"))
    me, bob = network.create_account(), network.account("bob")
    sign_in_with_bluesky(client, me)
    assert f"Your Bluesky account @{me.handle} is linked." in _messages(client)
    assert set(person.accounts.values_list("platform", flat=True)) == {"x", "bluesky"}
    account = person.accounts.get(platform=Platform.BLUESKY)
    xrpc = Xrpc.for_account(http, credentials_for(account, http))
    create_follows(xrpc, [new_follow(bob.did)])
    assert [f.subject for f in list_follows(xrpc).records] == [bob.did]


def test_credentials_are_refreshed_before_they_run_out(network: AtprotoNetwork, http: SafeHttp) -> None:
    me = network.create_account()
    sign_in_with_bluesky(Client(), me)
    account = Account.objects.get(platform=Platform.BLUESKY)
    old_access, old_refresh = account.access_token, account.refresh_token
    Account.objects.filter(pk=account.pk).update(token_expires_at=datetime.now(UTC) + timedelta(minutes=1))
    account.refresh_from_db()
    credentials = credentials_for(account, http)
    account.refresh_from_db()
    assert account.access_token != old_access
    assert account.refresh_token != old_refresh
    assert account.token_expires_at is not None
    assert account.token_expires_at > datetime.now(UTC) + timedelta(minutes=30)
    xrpc = Xrpc.for_account(http, credentials)
    create_follows(xrpc, [new_follow(network.account("carol").did)])
    assert len(list_follows(xrpc).records) == 1


def test_a_revoked_grant_marks_the_account_and_the_page_says_so(
    network: AtprotoNetwork, http: SafeHttp
) -> None:
    me = network.create_account()
    client = Client()
    sign_in_with_bluesky(client, me)
    account = Account.objects.get(platform=Platform.BLUESKY)
    credentials = credentials_for(account, http)
    oauth.revoke(client_for(account), token_set(account), http)  # as when the person revokes Envol
    with pytest.raises(AuthExpired):  # the connector's canonical error for the refused token
        create_follows(Xrpc.for_account(http, credentials), [new_follow(network.account("bob").did)])
    with pytest.raises(AuthExpired):
        after_auth_expired(account, http)  # one refresh, refused: marked
    account.refresh_from_db()
    assert account.needs_reauth
    assert "refresh" in account.reauth_reason
    with pytest.raises(AuthExpired):
        credentials_for(account, http)
    page = client.get("/accounts/").content.decode()
    assert "Envol can no longer use this account: sign in with it again to renew the permission." in page
    sign_in_with_bluesky(client, me)  # signing in again clears it
    account.refresh_from_db()
    assert not account.needs_reauth
    credentials_for(account, http)


def test_an_account_that_moved_to_another_pds_meanwhile_is_not_linked(
    network: AtprotoNetwork, atproto_network_factory: Callable[..., AtprotoNetwork]
) -> None:
    elsewhere = atproto_network_factory(accounts=("erin",))
    me, client = network.create_account(), Client()
    sign_in_with_bluesky(client, me, before=lambda: move_did_to(network, me, elsewhere.pds_url))
    assert "or it has moved to another server meanwhile. Nothing was linked" in _messages(client, "/sign-in/")
    assert not Account.objects.exists()


def test_unknown_or_malformed_handles_and_a_declined_consent_are_explained(network: AtprotoNetwork) -> None:
    client = Client()
    client.post("/sign-in/bluesky/", {"identifier": "nobody.test"})
    assert "No Bluesky account has the handle “nobody.test”." in _messages(client, "/sign-in/")
    client.post("/sign-in/bluesky/", {"identifier": "not a handle"})
    assert "“not a handle” is not a Bluesky handle." in _messages(client, "/sign-in/")
    sign_in_with_bluesky(client, network.create_account(), approve=False)
    assert "You cancelled the sign-in on Bluesky. Nothing was linked." in _messages(client, "/sign-in/")
    client.get("/sign-in/bluesky/callback/?state=x&code=y")
    assert "This sign-in was not started from this browser" in _messages(client, "/sign-in/")
    assert not Account.objects.exists()
    assert not Person.objects.exists()


def test_app_password_sign_in_keeps_a_session_never_the_password(
    network: AtprotoNetwork, http: SafeHttp
) -> None:
    me, client = network.create_account(), Client()
    answer = client.post(
        "/sign-in/bluesky/app-password/", {"identifier": me.handle, "app_password": me.app_password}
    )
    assert answer["Location"] == "/accounts/who-can-find-me/"  # a new person is asked first
    account = Account.objects.get(platform=Platform.BLUESKY)
    assert (account.stable_id, account.auth_kind, account.pds_url) == (
        me.did,
        BlueskyAuth.APP_PASSWORD,
        network.pds_url,
    )
    assert account.dpop_key is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_account")
        rows = repr(cursor.fetchall())
        cursor.execute("SELECT session_data FROM django_session")
        rows += repr(cursor.fetchall())
    assert me.app_password not in rows
    assert "like a Bluesky app would" in client.get("/accounts/").content.decode()
    xrpc = Xrpc.for_account(http, credentials_for(account, http))
    create_follows(xrpc, [new_follow(network.account("dave").did)])
    assert len(list_follows(xrpc).records) == 1


def test_a_wrong_app_password_and_the_main_password_are_refused(network: AtprotoNetwork) -> None:
    me, client = network.create_account(), Client()
    client.post(
        "/sign-in/bluesky/app-password/", {"identifier": me.handle, "app_password": "wrong-pass-word-here"}
    )
    assert "Bluesky refused this handle and app password." in _messages(client, "/sign-in/")
    client.post("/sign-in/bluesky/app-password/", {"identifier": me.handle, "app_password": me.password})
    assert "This is your main Bluesky password: Envol does not accept it" in _messages(client, "/sign-in/")
    assert not Account.objects.exists()


def test_unlinking_gives_the_grant_back(network: AtprotoNetwork, http: SafeHttp) -> None:
    client = Client()
    signed_in(client, (Platform.X, "1234", "alice_x"))
    sign_in_with_bluesky(client, network.create_account())
    account = Account.objects.get(platform=Platform.BLUESKY)
    tokens, oauth_client = token_set(account), client_for(account)
    client.post(f"/accounts/{account.pk}/unlink/")
    assert not Account.objects.filter(platform=Platform.BLUESKY).exists()
    with pytest.raises(AuthExpired):
        oauth.refresh(oauth_client, tokens, http)


def test_the_confidential_client_publishes_its_metadata_and_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVOL_PUBLIC_URL", "https://envol.example")
    client = Client()
    document = client.get("/oauth/bluesky/client-metadata.json").json()
    assert document["client_id"] == "https://envol.example/oauth/bluesky/client-metadata.json"
    assert document["redirect_uris"] == ["https://envol.example/sign-in/bluesky/callback/"]
    assert document["jwks_uri"] == "https://envol.example/oauth/bluesky/jwks.json"
    keys = client.get("/oauth/bluesky/jwks.json").json()["keys"]
    assert keys
    assert all(set(k) == {"kty", "crv", "x", "y", "kid", "use", "alg"} for k in keys)
    monkeypatch.setenv("ENVOL_PUBLIC_URL", PUBLIC)  # development: the loopback client has no document
    assert client.get("/oauth/bluesky/client-metadata.json").status_code == 404
    assert httpx.URL(document["client_id"]).scheme == "https"
