"""Blocks and mutes carried over to Mastodon (decision 0026): the executor against the strict fake,
through the production connector and port. Exactly once across a crash, the person's own blocks
left alone, and undo removing only what Envol made."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from envol.platforms.blocks import BlockAction
from envol.reconnect.connect import ports_for
from envol.reconnect.executor import run_account
from envol.reconnect.models import BlockTask
from envol.registry.models import Account
from fakes.mastodon import FakeClock, FakeMastodon
from fakes.mastodon.fixtures import FakeMastodonFactory

from .conftest import MASTODON_SCOPES, mastodon_source

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_hosts")]
SCOPES = f"{MASTODON_SCOPES} write:blocks write:mutes"


def task(source: Account, fake: FakeMastodon, username: str, action: BlockAction) -> BlockTask:
    now = datetime.now(UTC)
    return BlockTask.objects.create(
        source=source, network="mastodon", target_id=f"https://{fake.domain}/users/{username}",
        target_handle=f"{username}@{fake.domain}", action=action.value, state="ready",
        created_at=now, updated_at=now,
    )  # fmt: skip


def granted(fake: FakeMastodon, source: Account, scopes: str = SCOPES) -> None:
    source.access_token = fake.issue_token("alice", scopes)
    source.token_scope = scopes
    source.save(update_fields=["access_token", "token_scope"])


def by_handle(source: Account) -> dict[str, tuple[str, str]]:
    rows = BlockTask.objects.filter(source=source).values_list("target_handle", "state", "reason")
    return {handle: (state, reason) for handle, state, reason in rows}


def test_blocks_and_mutes_once_across_a_crash_and_undo_removes_only_envols(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock
) -> None:
    home = fake_mastodon("home.test")
    source = mastodon_source(home, "alice")
    granted(home, source)
    for name in ("bob", "carol", "dave", "erin"):
        home.add_account(name)
    home.seed_block("alice", "dave@home.test")  # blocked by the person before Envol
    bob = task(source, home, "bob", BlockAction.BLOCK)
    task(source, home, "carol", BlockAction.MUTE)
    task(source, home, "dave", BlockAction.BLOCK)
    task(source, home, "erin", BlockAction.BLOCK)
    # A worker committed Bob's key with sent_at, sent the block... and died before recording it.
    port = ports_for(source)
    bob.record_key, bob.sent_at = port.prepare(bob.target_id).key, datetime.now(UTC)
    bob.save(update_fields=["record_key", "sent_at"])
    port.block(BlockAction.BLOCK, [(bob.record_key, bob.target_id)], datetime.now(UTC))
    port.close()

    assert run_account(source.pk, clock=mastodon_clock.now) == "idle"

    assert by_handle(source) == {
        "bob@home.test": ("done", ""),
        "carol@home.test": ("done", ""),
        "dave@home.test": ("already", ""),
        "erin@home.test": ("done", ""),
    }
    assert home.blocks_of("alice") == ["bob@home.test", "dave@home.test", "erin@home.test"]
    assert home.blocks_of("alice", mutes=True) == ["carol@home.test"]
    assert not BlockTask.objects.exclude(sent_at=None).exists()

    BlockTask.objects.filter(source=source).update(undo_requested=True)
    assert run_account(source.pk, clock=mastodon_clock.now) == "idle"

    assert home.blocks_of("alice") == ["dave@home.test"]  # the person's own block stays
    assert home.blocks_of("alice", mutes=True) == []
    assert by_handle(source)["bob@home.test"] == ("undone", "")
    assert by_handle(source)["dave@home.test"] == ("already", "")


def test_a_token_without_the_block_scope_fails_the_blocks_and_the_follows_go_on(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock
) -> None:
    home = fake_mastodon("home.test")
    source = mastodon_source(home, "alice")  # the narrow scopes of sign-in: no write:blocks
    home.add_account("bob")
    home.add_account("carol")
    task(source, home, "bob", BlockAction.BLOCK)
    task(source, home, "carol", BlockAction.BLOCK)

    assert run_account(source.pk, clock=mastodon_clock.now) == "idle"

    # The first refusal fails every block of the account at once: Carol's costs no request.
    assert by_handle(source) == {"bob@home.test": ("failed", "scope"), "carol@home.test": ("failed", "scope")}
    assert BlockTask.objects.filter(record_key="").count() == 1
    source.refresh_from_db()
    assert not source.needs_reauth  # the account keeps working for its follows
    assert home.blocks_of("alice") == []
