"""The opt-in page for carrying X blocks and mutes over (decision 0025), in English and French: off
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
from envol.reconnect.models import BlockChoice, BlockTask
from envol.registry.models import Person
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
