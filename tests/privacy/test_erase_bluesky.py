"""Erasure gives Envol's Bluesky access back at the real local PDS: an OAuth grant is revoked at the
authorization server, an app-password session is ended; the proof counts both as revoked."""

from __future__ import annotations

import pytest
from django.test import Client

from envol.core.ids import Platform
from envol.platforms.bluesky import oauth
from envol.platforms.errors import AuthExpired
from envol.platforms.http import SafeHttp
from envol.privacy.models import ErasureProof
from envol.registry.bluesky_tokens import client_for, password_session, token_set
from envol.registry.models import Account, Person
from registry.conftest import signed_in
from support.atproto_net import AtprotoNetwork
from support.bluesky_oauth import consent_on_pds, point_envol_at

pytestmark = pytest.mark.django_db
PUBLIC = "http://127.0.0.1:8765"


@pytest.fixture
def network(atproto_network: AtprotoNetwork, monkeypatch: pytest.MonkeyPatch) -> AtprotoNetwork:
    point_envol_at(monkeypatch, atproto_network)
    monkeypatch.setenv("ENVOL_PUBLIC_URL", PUBLIC)  # the loopback client: callbacks on 127.0.0.1
    return atproto_network


def _erase(client: Client) -> ErasureProof:
    response = client.post("/your-data/erase/", {"confirm": "yes"})
    assert response.status_code == 200
    assert not Person.objects.exists()
    return ErasureProof.objects.get()


def test_erasure_revokes_the_oauth_grant(network: AtprotoNetwork) -> None:
    client = Client()
    signed_in(client, (Platform.X, "42", "alice_x"))
    started = client.post("/sign-in/bluesky/", {"identifier": (me := network.create_account()).handle})
    callback = consent_on_pds(
        started["Location"], password=me.password, callback_prefix=f"{PUBLIC}/sign-in/bluesky/callback/"
    )
    assert client.get(callback.removeprefix(PUBLIC)).status_code == 302
    account = Account.objects.get(platform=Platform.BLUESKY)
    tokens, oauth_client = token_set(account), client_for(account)

    proof = _erase(client)

    assert (proof.tokens_revoked, proof.revocations_failed) == (1, 0)
    with SafeHttp() as http, pytest.raises(AuthExpired):
        oauth.refresh(oauth_client, tokens, http)


def test_erasure_ends_the_app_password_session(network: AtprotoNetwork) -> None:
    client, me = Client(), network.create_account()
    answer = client.post(
        "/sign-in/bluesky/app-password/", {"identifier": me.handle, "app_password": me.app_password}
    )
    assert answer.status_code == 302
    session = password_session(Account.objects.get(platform=Platform.BLUESKY))

    proof = _erase(client)

    assert (proof.tokens_revoked, proof.revocations_failed) == (1, 0)
    with SafeHttp() as http, pytest.raises(AuthExpired):
        session.refresh_session(http)
