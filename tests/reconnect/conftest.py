"""Helpers for the reconnection tests: persons with linked accounts, tasks planned from hand-made
candidates through the production insert, and runs driven step by step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from envol.core.ids import Platform
from envol.matching.candidates import Candidate
from envol.reconnect.models import FollowTask
from envol.reconnect.plan import insert_missing, promote_due
from envol.reconnect.states import TaskState
from envol.registry.models import Account, MastodonApp, Person, Verification
from fakes.mastodon import FakeMastodon

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
    person = Person.objects.create()
    actor = f"https://{fake.domain}/users/{username}"
    handle = f"{username}@{fake.domain}"
    return account(person, Platform.MASTODON, actor, handle, access_token=token, token_scope=MASTODON_SCOPES,
                   mastodon_app=app)  # fmt: skip


def plan_targets(source: Account, targets: list[tuple[str, str]], *, ready: bool = True) -> list[FollowTask]:
    """Tasks for (stable id, handle) targets, through the production insert; ready at once."""
    # Candidate.account_id must name an Account row: the source stands in (a test shortcut that
    # changes nothing for the engine, which keys targets by stable id).
    network = Platform(source.platform)
    candidates = [Candidate(0, network, source.pk, sid, handle, True, False) for sid, handle in targets]
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


@pytest.fixture
def private_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")


@pytest.fixture
def fast_retries(settings: pytest.FixtureRequest) -> None:
    settings.RECONNECT_RETRY_SECONDS = 0.01  # type: ignore[attr-defined]


Clock = Callable[[], datetime]
__all__ = ["Clock", "account", "mastodon_source", "plan_targets", "promote_due", "states"]
