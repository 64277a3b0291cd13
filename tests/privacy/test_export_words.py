"""The export page says stored values in words, in the reader's language (issue #20, item 7)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from envol.core.moments import LONG_MOMENT, moment
from envol.registry.models import Person
from envol.registry.session import SESSION_KEY

pytestmark = pytest.mark.django_db


def _export_page(client: Client, language: str) -> tuple[Person, str]:
    """A person who can be found by everyone, signed in, and their export page in `language`."""
    person = Person.objects.create(findable_by="everyone")
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()
    return person, client.get("/your-data/export/", headers={"accept-language": language}).content.decode()


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "everyone whose archive lists me"), ("fr", "toute personne dont l’archive me cite")],
)
def test_who_can_find_me_is_said_in_words(client: Client, language: str, words: str) -> None:
    _, page = _export_page(client, language)
    assert words in page
    assert "<dd>everyone</dd>" not in page
    if language == "fr":
        assert "everyone whose" not in page


@pytest.mark.parametrize(("language", "as_of"), [("en", "As of "), ("fr", "État au ")])
def test_its_moments_say_their_zone(client: Client, language: str, as_of: str) -> None:
    """The page's moments are in UTC: read in Paris, "20:28" alone is an hour off."""
    person, page = _export_page(client, language)
    with translation.override(language):
        created = moment(person.created_at, LONG_MOMENT)
    assert f"<dd>{created} (UTC)</dd>" in page
    start = page.index(as_of) + len(as_of)
    assert page[start : page.index(".", start)].endswith(" (UTC)")
