"""The person's opt-in and the blocks Envol made are in their export (JSON and the readable page, in
words), and erasure removes them (decision 0026)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from envol.core.ids import Platform
from envol.privacy.erase import erase_person
from envol.privacy.export import export_person
from envol.reconnect.models import BlockChoice, BlockTask
from envol.registry.models import Person
from envol.registry.session import SESSION_KEY

from .conftest import account

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice() -> Person:
    person = Person.objects.create(findable_by="everyone")
    source = account(person, Platform.BLUESKY, "did:plc:alice", "alice.test")
    BlockChoice.objects.create(person=person, enabled=True)
    now = datetime.now(UTC)
    BlockTask.objects.create(
        source=source, network="bluesky", target_id="did:plc:mallory", target_handle="mallory.test",
        action="block", state="done", record_key="3kblock", created_at=now, updated_at=now, finished_at=now,
    )  # fmt: skip
    return person


def test_the_export_holds_the_choice_and_the_blocks_done(alice: Person) -> None:
    data = export_person(alice)["data"]
    assert [row["enabled"] for row in data["reconnect.BlockChoice"]["rows"]] == [True]
    [row] = data["reconnect.BlockTask"]["rows"]
    assert (row["target_handle"], row["action"], row["state"], row["record_key"]) == (
        "mallory.test", "block", "done", "3kblock",
    )  # fmt: skip


def test_the_readable_export_says_it_in_words(client: Client, alice: Person) -> None:
    session = client.session
    session[SESSION_KEY] = alice.pk
    session.save()
    page = client.get("/your-data/export/", headers={"accept-language": "fr"}).content.decode()
    assert "mallory.test" in page
    assert "bloquer" in page  # the action, in words


def test_erasure_removes_the_choice_and_the_blocks(alice: Person) -> None:
    erase_person(alice.pk)
    assert not BlockChoice.objects.exists()
    assert not BlockTask.objects.exists()
