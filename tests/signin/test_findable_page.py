""" "Who can find you": asked of a new person, never defaulted, told once to persons who predate it, in
both languages; and the upload page's opt-in to honour X blocks and mutes."""

from __future__ import annotations

import numpy as np
import pytest
from django.test import Client

from envol.archive.base import ArchiveOwner
from envol.archive.compact import encode_compact
from envol.core.ids import Platform
from envol.graph.models import Direction, Edge
from envol.registry.models import Findable, Person

from .conftest import signed_in

pytestmark = pytest.mark.django_db
NNBSP = "\u202f"


def _get(client: Client, url: str, language: str = "en") -> str:
    response = client.get(url, headers={"accept-language": language})
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_person_is_asked_and_shown_to_nobody_until_they_answer(client: Client) -> None:
    person = signed_in(client, (Platform.X, "42", "alice_x"))
    Person.objects.filter(pk=person.pk).update(findable_by=Findable.UNCHOSEN)
    home = _get(client, "/")
    assert "until you do, nobody finds you" in home  # the banner on every page
    page = _get(client, "/accounts/who-can-find-me/")
    assert 'value="everyone" checked' in page  # pre-selected, with its risk said
    assert "An archive can be forged" in page
    person.refresh_from_db()
    assert person.findable_by == Findable.UNCHOSEN  # showing the page chose nothing
    answer = client.post("/accounts/who-can-find-me/", {"findable_by": "confirmed"})
    assert answer["Location"] == "/"  # the journey: where the person is and what comes next
    person.refresh_from_db()
    assert (person.findable_by, person.findable_chosen_at is not None) == (Findable.CONFIRMED, True)
    assert "nobody finds you" not in _get(client, "/")
    assert "Your choice: Only people my own archive confirms." in _get(client, "/accounts/")
    again = client.post("/accounts/who-can-find-me/", {"findable_by": "nobody"})
    assert again["Location"] == "/accounts/"
    assert client.post("/accounts/who-can-find-me/", {"findable_by": ""}).status_code == 400


def test_the_page_in_french(client: Client) -> None:
    person = signed_in(client, (Platform.X, "42", "alice_x"))
    Person.objects.filter(pk=person.pk).update(findable_by=Findable.UNCHOSEN)
    page = _get(client, "/accounts/who-can-find-me/", "fr")
    assert "Qui peut vous trouver" in page
    assert "Toute personne dont l’archive me cite" in page
    assert f"Une archive peut être falsifiée{NNBSP}:" in page
    assert "personne ne vous trouve" in page
    assert "'" not in page.split("<main")[1].split("</main>")[0].replace("'s", "")  # typographic apostrophes


def test_persons_who_predate_the_choice_are_told_once(client: Client) -> None:
    person = signed_in(client, (Platform.X, "42", "alice_x"))
    Person.objects.filter(pk=person.pk).update(findable_by=Findable.EVERYONE, findable_notice=True)
    notice = "Nothing changed for you"
    assert notice in _get(client, "/accounts/")
    assert notice not in _get(client, "/accounts/")  # once
    person.refresh_from_db()
    assert (person.findable_by, person.findable_notice) == (Findable.EVERYONE, False)


def test_the_upload_page_asks_before_block_and_mute_ids_leave_the_device(client: Client) -> None:
    signed_in(client, (Platform.X, "4242", "me"))
    for language, wording in (("en", "Honour my X blocks and mutes"), ("fr", "Respecter mes blocages")):
        page = _get(client, "/archive/", language)
        assert wording in page
        assert 'name="honour_blocks" form="server-upload"' in page
    lists = {"follower": np.array([2], dtype=np.uint64), "following": np.empty(0, dtype=np.uint64),
             "block": np.array([5], dtype=np.uint64), "mute": np.array([6], dtype=np.uint64)}  # fmt: skip
    body = encode_compact(ArchiveOwner(4242, "me", "Me"), lists)
    answer = client.post("/archive/browser/", body, content_type="application/octet-stream",
                         headers={"accept-language": "fr"})  # fmt: skip
    assert answer.status_code == 200, answer.content
    assert f"Envol respectera vos 1 blocages et 1 masquages{NNBSP}:" in answer.json()["message"]
    assert Edge.objects.filter(direction__in=[Direction.BLOCKED, Direction.MUTED]).count() == 2
