"""The engine on a server that honours only `read` and `write` (Takahē; issue #18, item 1): a coarse
token follows as a narrow one does on Mastodon, and narrow scopes the server refuses send the account
to "sign in again" (the next sign-in learns the coarse scopes), never to a target's refusal."""

from __future__ import annotations

import pytest
from django.test import Client

from envol.reconnect.executor import run_account
from envol.reconnect.models import FollowTask
from envol.reconnect.states import TaskState
from envol.registry.models import Account, MastodonApp
from fakes.mastodon import FakeClock, FakeMastodon
from fakes.mastodon.fixtures import FakeMastodonFactory
from fakes.mastodon.realworld import CoarseScopeOnly, Unreachable
from registry.conftest import point_mastodon_at, sign_in_with_mastodon

from .conftest import mastodon_source, plan_targets

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_hosts")]


def _takahe(fake_mastodon: FakeMastodonFactory) -> tuple[FakeMastodon, CoarseScopeOnly]:
    coarse = CoarseScopeOnly()
    home = fake_mastodon("takahe.test", software="takahe", version="0.11.0", modes=[coarse])
    for name in ("bob", "carol"):
        home.add_account(name)
    home.add_account("locky", locked=True)
    return home, coarse


def _targets(home: FakeMastodon) -> list[tuple[str, str]]:
    return [(f"https://{home.domain}/users/{n}", f"{n}@{home.domain}") for n in ("bob", "carol", "locky")]


def test_a_coarse_token_follows_on_a_coarse_scope_server(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock
) -> None:
    home, coarse = _takahe(fake_mastodon)
    source = mastodon_source(home, "alice")
    source.access_token, source.token_scope = home.issue_token("alice", "read write"), "read write"
    source.save(update_fields=["access_token", "token_scope"])
    plan_targets(source, _targets(home))

    assert run_account(source.pk, clock=mastodon_clock.now) == "idle"

    states = dict(FollowTask.objects.filter(source=source).values_list("target_handle", "state"))
    assert states == {
        "bob@takahe.test": TaskState.DONE,
        "carol@takahe.test": TaskState.DONE,
        "locky@takahe.test": TaskState.REQUESTED,
    }
    assert home.following_of("alice") == ["bob@takahe.test", "carol@takahe.test"]
    assert coarse.refused == []


def test_narrow_scopes_refused_by_the_server_ask_the_person_to_sign_in_again(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock
) -> None:
    home, coarse = _takahe(fake_mastodon)
    source = mastodon_source(home, "alice")  # a narrow token, as granted before the server changed
    plan_targets(source, _targets(home))

    assert run_account(source.pk, clock=mastodon_clock.now) == "waiting_auth"

    account = Account.objects.get(pk=source.pk)
    assert account.needs_reauth
    assert account.reauth_reason.endswith("403 out_of_scope_for_token")
    # No target is blamed for the server's refusal of the token: every task waits for the sign-in.
    assert set(FollowTask.objects.filter(source=source).values_list("state", flat=True)) == {
        TaskState.WAITING_AUTH
    }
    assert coarse.refused
    assert home.following_of("alice") == []


def test_an_instance_unreachable_for_a_while_is_retried_then_followed(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock, fast_retries: None
) -> None:
    home = fake_mastodon("down.test", modes=[Unreachable(60)])
    home.add_account("bob")
    source = mastodon_source(home, "alice")
    plan_targets(source, [(f"https://{home.domain}/users/bob", "bob@down.test")])

    assert run_account(source.pk, clock=mastodon_clock.now) == "retry"
    assert set(FollowTask.objects.filter(source=source).values_list("state", flat=True)) == {TaskState.READY}
    mastodon_clock.advance(61)
    assert run_account(source.pk, clock=mastodon_clock.now) == "idle"
    assert home.following_of("alice") == ["bob@down.test"]
    assert not Account.objects.get(pk=source.pk).needs_reauth


def test_a_refusal_seen_by_the_engine_makes_the_next_sign_in_ask_for_what_the_server_honours(
    client: Client,
    fake_mastodon: FakeMastodonFactory,
    mastodon_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = fake_mastodon("changed.test")  # a Mastodon 4.3 when the person signs in
    home.add_account("alice")
    home.add_account("bob")
    home.login_as("alice")
    point_mastodon_at(monkeypatch, home)
    sign_in_with_mastodon(client, home, "alice@changed.test")
    source = Account.objects.get(handle="alice@changed.test")
    plan_targets(source, [(f"https://{home.domain}/users/bob", "bob@changed.test")])
    home.add_mode(CoarseScopeOnly())  # later replaced by a server that honours only read/write

    assert run_account(source.pk, clock=mastodon_clock.now) == "waiting_auth"
    assert MastodonApp.objects.get().narrow_refused_at is not None  # learned from the engine's refusal

    # Signing in again (the accounts page asks for it) costs one consent, with the coarse scopes.
    assert sign_in_with_mastodon(client, home, "alice@changed.test") == "/accounts/who-can-find-me/"
    assert len(home.calls("POST", "/api/v1/apps")) == 2
    source.refresh_from_db()
    assert (source.token_scope, source.needs_reauth) == ("read write", False)
    assert MastodonApp.objects.get().scopes == "read write"
