"""Helpers for the reconnection tests: persons with linked accounts, tasks planned from hand-made
candidates through the production insert, and runs driven step by step."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from envol.core.ids import Platform
from envol.matching.candidates import KnownAccount
from envol.platforms.bluesky.follow_port import CountingHttp
from envol.platforms.bluesky.password import PasswordCredentials
from envol.platforms.bluesky.repo import iter_follows
from envol.platforms.bluesky.xrpc import Xrpc
from envol.reconnect.models import FollowTask
from envol.reconnect.plan import insert_missing
from envol.reconnect.promote import promote_due
from envol.reconnect.states import TaskState
from envol.registry.bluesky_tokens import store_password_session
from envol.registry.models import Account, MastodonApp, Person, Verification
from fakes.mastodon import FakeMastodon
from support.atproto_net import AtprotoNetwork, TestAccount

MASTODON_SCOPES = "read:accounts read:follows write:follows read:search"


def account(
    person: Person, platform: Platform, stable_id: str, handle: str = "", **fields: object
) -> Account:
    return Account.objects.create(
        person=person,
        platform=platform,
        stable_id=stable_id,
        handle=handle or stable_id,
        verification=Verification.VERIFIED,
        **fields,
    )


def mastodon_source(fake: FakeMastodon, username: str, *, create: bool = True) -> Account:
    """A person whose verified Mastodon account on `fake` holds a real token of the fake."""
    if create:
        fake.add_account(username)
    token = fake.issue_token(username, MASTODON_SCOPES)
    registration = {
        "base_url": fake.base_url,
        "client_id": "c",
        "client_secret": "s",
        "scopes": MASTODON_SCOPES,
    }
    app = MastodonApp.objects.get_or_create(
        domain=fake.domain, redirect_uri="http://testserver/cb", defaults=registration
    )[0]
    person = Person.objects.create(findable_by="everyone")
    actor = f"https://{fake.domain}/users/{username}"
    handle = f"{username}@{fake.domain}"
    return account(person, Platform.MASTODON, actor, handle, access_token=token, token_scope=MASTODON_SCOPES,
                   mastodon_app=app)  # fmt: skip


def plan_targets(source: Account, targets: list[tuple[str, str]], *, ready: bool = True) -> list[FollowTask]:
    """Tasks for (stable id, handle) targets, through the production insert; ready at once."""
    # KnownAccount.account_id must name an Account row: the source stands in (a test shortcut that
    # changes nothing for the engine, which keys targets by stable id).
    network = Platform(source.platform)
    candidates = [KnownAccount(0, network, source.pk, sid, handle, True, False) for sid, handle in targets]
    insert_missing(source, candidates, datetime.now(UTC))
    tasks = FollowTask.objects.filter(source=source)
    if ready:
        tasks.update(state=TaskState.READY)
    return list(tasks.order_by("pk"))


def states(source: Account) -> dict[str, int]:
    found: dict[str, int] = {}
    for state in FollowTask.objects.filter(source=source).values_list("state", flat=True):
        found[state] = found.get(state, 0) + 1
    return found


@pytest.fixture(autouse=True)
def engine_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the engine's mechanics (exactly once, budgets, faults): reputation
    pacing is off; the pacing tests (test_pacing_*.py) turn it on with `paced`."""
    monkeypatch.setenv("ENVOL_RECONNECT_PACING", "off")


@pytest.fixture
def paced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVOL_RECONNECT_PACING", "reputation")


@pytest.fixture
def private_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVOL_RECONNECT_RETRY_SECONDS", "0.01")


Clock = Callable[[], datetime]
__all__ = ["Clock", "account", "mastodon_source", "plan_targets", "promote_due", "states"]


def bluesky_source(net: AtprotoNetwork) -> tuple[Account, TestAccount]:
    """A person whose verified Bluesky account is a fresh account on the local PDS, signed in with
    an app password as the registry does it: the session is stored (encrypted), never the password."""
    pds_account = net.create_account()
    person = Person.objects.create(findable_by="everyone")
    source = account(person, Platform.BLUESKY, pds_account.did, pds_account.handle)
    with httpx.Client(timeout=60) as http:
        session = PasswordCredentials.create_session(
            http, net.pds_url, pds_account.did, pds_account.app_password
        )
    store_password_session(source, session)
    return source, pds_account


def route_through(source: Account, url: str) -> None:
    """Send the account's calls to its PDS through ``url`` (a fault-injecting proxy)."""
    source.pds_url = url
    source.save(update_fields=["pds_url"])


def fake_did(seed: str) -> str:
    """A well-formed did:plc that exists nowhere (the PDS accepts follows of unknown DIDs)."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "did:plc:" + base64.b32encode(digest).decode().lower()[:24]


def did_targets(count: int, prefix: str = "t") -> list[tuple[str, str]]:
    return [(fake_did(f"{prefix}{i}"), f"{prefix}{i}.test") for i in range(count)]


def records_of(net: AtprotoNetwork, pds_account: TestAccount) -> list[tuple[str, str]]:
    """(rkey, subject) of every follow record in the account's repository (listRecords is public)."""
    with httpx.Client(timeout=60) as http:
        return [(r.rkey, r.subject) for r in iter_follows(Xrpc(http, net.pds_url), repo=pds_account.did)]


@pytest.fixture
def pds_entryway(
    monkeypatch: pytest.MonkeyPatch, private_hosts: None, atproto_network: AtprotoNetwork
) -> AtprotoNetwork:
    """Production Bluesky sessions opened at the session's local PDS, whose rate limits are off:
    the engine paces by what it announces (nothing), as ENVOL_RECONNECT_LIMITS=announced says."""
    monkeypatch.setenv("ENVOL_RECONNECT_LIMITS", "announced")
    return atproto_network


class CallLog:
    """Every HTTP call the engine's Bluesky ports make: (method, path, status, headers)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int, dict[str, str]]] = []

    def paths(self, suffix: str) -> list[tuple[str, str, int, dict[str, str]]]:
        return [c for c in self.calls if c[1].endswith(suffix)]


@pytest.fixture
def call_log(monkeypatch: pytest.MonkeyPatch) -> CallLog:
    log = CallLog()
    original = CountingHttp.request

    def request(self: CountingHttp, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = original(self, method, url, **kwargs)
        log.calls.append((method, httpx.URL(url).path, response.status_code, dict(response.headers)))
        return response

    monkeypatch.setattr(CountingHttp, "request", request)
    return log
