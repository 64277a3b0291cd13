"""Input no text may hold is refused with a typed answer, never a 500 (issue #16, item 11): a NUL
character in a query or a form (PostgreSQL refuses even to compare it), a line break in an outlet's
name (it would reach an e-mail header after the declaration was stored)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.core import mail
from django.test import Client

from envol.core.ids import Platform
from envol.media.models import Declaration
from media.conftest import form_data
from registry.conftest import signed_in

pytestmark = pytest.mark.django_db

EN = {"accept-language": "en"}
FR = {"accept-language": "fr"}


@pytest.mark.parametrize(
    "path", ["/media/?q=%00", "/media/?q=le%00monde", "/people/?after=bluesky:%00", "/?%00=1"]
)
def test_a_nul_character_in_a_query_is_a_bad_request_with_a_next_step(client: Client, path: str) -> None:
    signed_in(client, (Platform.X, "42", "alice_x"))
    response = client.get(path, headers=EN)
    assert response.status_code == 400
    page = response.content.decode()
    assert "holds characters that no text may contain" in page
    assert 'href="/"' in page
    french = client.get(path, headers=FR).content.decode()
    assert "contient des caractères qu’aucun texte ne peut contenir" in french


def test_a_nul_character_in_a_form_is_refused_before_anything_is_stored(client: Client) -> None:
    body = urlencode(form_data(name="Le\x00Monde"))
    response = client.post(
        "/media/declare/", body, content_type="application/x-www-form-urlencoded", headers=EN
    )
    assert response.status_code == 400
    # A multipart form is left to the form, whose text fields refuse NUL characters themselves.
    response = client.post("/media/declare/", form_data(name="Le\x00Monde"), headers=EN)
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert not Declaration.objects.exists()


@pytest.mark.parametrize("name", ["Le Monde\r\nBcc: everyone@example.com", "Le\nMonde", "Le\rMonde"])
def test_a_line_break_in_an_outlet_name_is_explained_and_nothing_is_written(
    client: Client, name: str
) -> None:
    response = client.post("/media/declare/", form_data(name=name), headers=EN)
    assert response.status_code == 200
    assert "Write the name on one line, without control characters." in response.content.decode()
    assert not Declaration.objects.exists()
    assert mail.outbox == []
