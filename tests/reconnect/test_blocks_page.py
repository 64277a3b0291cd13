"""The opt-in page for carrying X blocks and mutes over (decision 0026), in English and French: off
until the person says yes, the public nature of Bluesky blocks said before the choice, how to undo
it, the next step at the end; saving plans the blocks, turning it off undoes Envol's."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.platforms.bluesky import block_port as bluesky
from envol.platforms.mastodon import block_port as mastodon
from envol.reconnect.models import BlockChoice, BlockTask
from envol.registry.models import Account, Person
from envol.registry.session import SESSION_KEY

from .conftest import account

pytestmark = pytest.mark.django_db
URL = "/people/blocks/"


def _person(x_id: int) -> Person:
    person = Person.objects.create(findable_by="everyone")
    account(person, Platform.X, str(x_id), f"x{x_id}", x_key=pseudonymizer().key(x_id))
    account(person, Platform.BLUESKY, f"did:plc:p{x_id}", f"p{x_id}.test")
    return person


@pytest.fixture
def alice(client: Client, tmp_path: Path) -> Person:
    person = _person(1)
    _person(2)
    archive = write_synthetic_archive(
        tmp_path / "a.zip", owner_id=1, handle="x1", following=[3], blocking=[2]
    )
    ingest(archive.path, honour_blocks=True)
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()
    return person


def test_the_page_is_reachable_from_your_people() -> None:
    assert reverse("people_blocks") == URL


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", ["Bluesky blocks are public records", "moderators of your own server", "How to undo it",
                "Next step"]),
        ("fr", ["Les blocages de Bluesky sont des enregistrements publics", "l’équipe de modération",
                "Comment l’annuler", "Prochaine étape"]),
    ],
)  # fmt: skip
def test_the_choice_is_off_and_explained_before_it_is_made(
    client: Client, alice: Person, language: str, said: list[str]
) -> None:
    page = client.get(URL, headers={"accept-language": language}).content.decode()
    for words in said:
        assert words in page, words
    assert 'id="carry-off" value="off" checked' in page
    assert 'value="on" checked' not in page
    assert not BlockChoice.objects.exists()  # showing the page decides nothing


def test_yes_plans_the_blocks_and_no_undoes_envols(client: Client, alice: Person) -> None:
    assert client.post(URL, {"carry_blocks": "on"}).status_code == 302
    task = BlockTask.objects.get()
    assert (task.target_handle, task.action, task.state) == ("p2.test", "block", "ready")
    page = client.get(URL).content.decode()
    assert 'value="on" checked' in page
    assert "Still to do: 1." in page

    BlockTask.objects.update(state="done", record_key="3kx")
    client.post(URL, {"carry_blocks": "off"})
    assert BlockChoice.objects.get().enabled is False
    assert BlockTask.objects.get().undo_requested is True
    assert "Blocks and mutes Envol is still removing: 1." in client.get(URL).content.decode()


def test_an_unclear_answer_changes_nothing(client: Client, alice: Person) -> None:
    client.post(URL, {"carry_blocks": "maybe"})
    assert not BlockChoice.objects.exists()


def test_a_mastodon_sign_in_without_the_right_to_block_is_said_up_front(
    client: Client, alice: Person
) -> None:
    narrow = "read:accounts read:follows write:follows read:search"
    account(alice, Platform.MASTODON, "https://m.test/users/alice", "alice@m.test", token_scope=narrow)
    page = client.get(URL).content.decode()
    assert "On Mastodon, nothing will be blocked or muted for now" in page
    Account.objects.filter(platform=Platform.MASTODON).update(
        token_scope=f"{narrow} write:blocks write:mutes"
    )
    assert "On Mastodon, nothing will be blocked" not in client.get(URL).content.decode()


@pytest.mark.parametrize(
    ("scope", "said"), [("atproto repo:app.bsky.graph.follow", True), ("atproto transition:generic", False)]
)
def test_a_bluesky_grant_without_block_records_is_said_up_front(
    client: Client, alice: Person, scope: str, said: bool
) -> None:
    Account.objects.filter(person=alice, platform=Platform.BLUESKY).update(
        auth_kind="oauth", token_scope=scope
    )
    page = client.get(URL).content.decode()
    assert ("On Bluesky, nothing will be blocked for now" in page) is said
    # Asked once the person has said yes, so that the sign-in serves the choice made, not before.
    assert ("If you say yes below, this page then asks you to sign in again" in page) is said
    assert "Sign in again as" not in page
    client.post(URL, {"carry_blocks": "on"})
    page = client.get(URL).content.decode()
    assert ("Sign in again as p1.test to let Envol block" in page) is said
    assert "If you say yes below" not in page


@pytest.mark.parametrize(
    ("scope", "may"),
    [("read write", True), ("read follow", True), ("read:follows write:follows", False),
     ("write:blocks", False), ("write:blocks write:mutes", True)],
)  # fmt: skip
def test_which_mastodon_grants_may_block_and_mute(scope: str, may: bool) -> None:
    assert mastodon.may_block(scope) is may


@pytest.mark.parametrize(
    ("oauth", "scope", "may"),
    [(False, "", True), (True, "atproto repo:app.bsky.graph.follow", False),
     (True, "atproto transition:generic", True), (True, "atproto repo:app.bsky.graph.block", True),
     (True, "atproto repo:app.bsky.graph.block?action=create", True)],
)  # fmt: skip
def test_which_bluesky_sessions_may_write_blocks(oauth: bool, scope: str, may: bool) -> None:
    assert bluesky.may_block(oauth, scope) is may
