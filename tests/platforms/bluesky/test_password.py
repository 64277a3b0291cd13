"""App-password sessions against the real PDS: create, use, refresh, delete; the password is kept nowhere."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from envol.platforms.bluesky.auth import Credentials
from envol.platforms.bluesky.password import PasswordCredentials, pds_from_did_doc
from envol.platforms.bluesky.xrpc import Xrpc
from envol.platforms.errors import AuthExpired
from support.atproto_net import AtprotoNetwork

from .conftest import jwt_claims


def test_create_session_with_an_app_password(http: httpx.Client, atproto_network: AtprotoNetwork) -> None:
    account = atproto_network.create_account()
    credentials = PasswordCredentials.create_session(
        http, atproto_network.pds_url + "/", account.handle, account.app_password
    )
    assert (credentials.did, credentials.handle) == (account.did, account.handle)
    assert credentials.pds_url == atproto_network.pds_url  # no trailing slash
    assert jwt_claims(credentials.access_jwt)["scope"] == "com.atproto.appPass"
    # The password is on no field, and no field's repr shows a token.
    values = [getattr(credentials, f.name) for f in dataclasses.fields(credentials)]
    assert account.app_password not in values
    assert not hasattr(credentials, "__dict__")  # slots: nothing can be stashed on the side
    assert credentials.access_jwt not in repr(credentials)
    assert credentials.refresh_jwt not in repr(credentials)
    # It is a Credentials, usable by the connector.
    as_protocol: Credentials = credentials
    assert Xrpc.for_account(http, as_protocol).query("com.atproto.server.getSession")["did"] == account.did


def test_the_did_works_as_identifier(http: httpx.Client, atproto_network: AtprotoNetwork) -> None:
    dave = atproto_network.account("dave")
    credentials = PasswordCredentials.create_session(
        http, atproto_network.pds_url, dave.did, dave.app_password
    )
    assert credentials.handle == "dave.test"


def test_refresh_then_delete(http: httpx.Client, atproto_network: AtprotoNetwork) -> None:
    account = atproto_network.create_account()
    first = PasswordCredentials.create_session(
        http, atproto_network.pds_url, account.handle, account.app_password
    )
    second = first.refresh_session(http)
    assert (second.did, second.handle, second.pds_url) == (first.did, first.handle, first.pds_url)
    assert second.refresh_jwt != first.refresh_jwt
    assert Xrpc.for_account(http, second).query("com.atproto.server.getSession")["did"] == account.did

    second.delete_session(http)
    # The refresh token is revoked at once: the real PDS answers 400 ExpiredToken "Token has been revoked".
    with pytest.raises(AuthExpired, match="ExpiredToken: Token has been revoked"):
        second.refresh_session(http)


def test_an_access_token_cannot_refresh(http: httpx.Client, atproto_network: AtprotoNetwork) -> None:
    bob = atproto_network.account("bob")
    credentials = PasswordCredentials.create_session(
        http, atproto_network.pds_url, bob.handle, bob.app_password
    )
    swapped = dataclasses.replace(credentials, refresh_jwt=credentials.access_jwt)
    with pytest.raises(AuthExpired, match="InvalidToken"):
        swapped.refresh_session(http)


def test_pds_from_did_doc() -> None:
    doc = {
        "id": "did:plc:abc",
        "service": [
            {"id": "#other", "type": "Other", "serviceEndpoint": "https://other.example"},
            {
                "id": "#atproto_pds",
                "type": "AtprotoPersonalDataServer",
                "serviceEndpoint": "https://pds.example/",
            },
        ],
    }
    assert pds_from_did_doc(doc) == "https://pds.example"
    assert pds_from_did_doc({"service": [{"id": "#atproto_pds", "type": "Wrong"}]}) is None
    assert pds_from_did_doc(None) is None
    assert pds_from_did_doc({"service": "nonsense"}) is None
