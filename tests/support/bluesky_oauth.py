"""Helpers for tests of Bluesky sign-in against the local PDS: point Envol at the network, do the
person's part on the PDS's own sign-in and consent pages in real Chromium, move a DID to another
PDS through a real PLC operation."""

from __future__ import annotations

import glob
import sqlite3
from pathlib import Path

import httpx
import pytest
from playwright import sync_api

from support.atproto_net import AtprotoNetwork, TestAccount
from support.chromium import launch


def point_envol_at(monkeypatch: pytest.MonkeyPatch, network: AtprotoNetwork) -> None:
    """Resolve identities through this network, as an operator of a closed network would."""
    monkeypatch.setenv("ENVOL_BLUESKY_PLC_URL", network.plc_url)
    monkeypatch.setenv("ENVOL_BLUESKY_RESOLVER_URL", network.pds_url)
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")


def consent_on_pds(
    authorize_url: str,
    *,
    password: str,
    callback_prefix: str,
    approve: bool = True,
) -> str:
    """Sign in on the PDS's page and approve (or deny); returns the callback URL the PDS sent the
    browser to (intercepted: nothing needs to listen there)."""
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(locale="en-US")
        page.goto(authorize_url)
        # The PDS fills in the hinted account itself (read-only): only the password is typed.
        page.locator("input[name=password]").fill(password)
        page.get_by_role("button", name="Sign in").click()
        # The PDS answers the decision with a redirect; Playwright does not route redirected
        # requests, so the request is watched rather than intercepted (nothing listens there).
        with page.expect_request(lambda request: request.url.startswith(callback_prefix)) as sent:
            page.get_by_role("button", name="Authorize" if approve else "Deny access").click()
        url = sent.value.url
        browser.close()
    return url


def move_did_to(network: AtprotoNetwork, account: TestAccount, new_pds_url: str) -> None:
    """A real PLC operation moving the account's DID to another PDS, the way an account migration
    does: the PDS signs it (after the e-mail confirmation, read from its database here since the
    dev PDS sends no mail) and the operation goes to the PLC directory."""
    with httpx.Client(base_url=network.pds_url, timeout=10) as pds:
        pds.post(
            "/xrpc/com.atproto.identity.requestPlcOperationSignature", headers=account.auth_headers()
        ).raise_for_status()
        database = next(
            Path(p) for p in glob.glob(f"{network.raw['dataDir']}/**/account.sqlite", recursive=True)
        )
        with sqlite3.connect(database) as con:
            (token,) = con.execute(
                "SELECT token FROM email_token WHERE did = ? AND purpose = 'plc_operation'", (account.did,)
            ).fetchone()
        signed = pds.post(
            "/xrpc/com.atproto.identity.signPlcOperation",
            headers=account.auth_headers(),
            json={
                "token": token,
                "services": {"atproto_pds": {"type": "AtprotoPersonalDataServer", "endpoint": new_pds_url}},
            },
        )
        signed.raise_for_status()
    httpx.post(
        f"{network.plc_url}/{account.did}", json=signed.json()["operation"], timeout=10
    ).raise_for_status()
