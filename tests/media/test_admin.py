"""The moderation queue in Django's admin: what waits, approve and reject, and the audit trail."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from envol.media.models import Declaration, DeclarationState, MediaOutlet, ModerationEvent

from .conftest import confirmation_link, declare_and_confirm, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(client: Client) -> Client:
    user = User.objects.create_superuser("camille", "camille@envol.example", "secret-password-1")
    client.force_login(user)
    return client


def _declarations(client: Client) -> list[int]:
    pending = declare_and_confirm(client)
    client.post("/media/declare/", {})  # an invalid post stores nothing
    from .conftest import form_data

    client.post("/media/declare/", form_data(name="Le Monde bis", email="chef@lemonde.fr"))  # unconfirmed
    return [pending]


def test_the_queue_opens_on_confirmed_declarations(moderator: Client) -> None:
    [pending] = _declarations(moderator)
    html = moderator.get("/admin/media/declaration/").content.decode()
    assert f'value="{pending}"' in html
    unconfirmed = Declaration.objects.get(state=DeclarationState.UNCONFIRMED).pk
    assert f'value="{unconfirmed}"' not in html
    everything = moderator.get("/admin/media/declaration/?queue=all").content.decode()
    assert f'value="{unconfirmed}"' in everything


def test_approve_from_the_admin_publishes_and_records_who(moderator: Client) -> None:
    [pending] = _declarations(moderator)
    inline = {"events-TOTAL_FORMS": "2", "events-INITIAL_FORMS": "2", "events-MIN_NUM_FORMS": "0",
              "events-MAX_NUM_FORMS": "1000"}  # fmt: skip
    saved = moderator.post(
        f"/admin/media/declaration/{pending}/change/", {"note": "checked the site's imprint", **inline}
    )
    assert saved.status_code == 302
    response = moderator.post(
        "/admin/media/declaration/", {"action": "approve", "_selected_action": [str(pending)]}, follow=True
    )
    assert "1 declaration approved and published." in response.content.decode()
    assert MediaOutlet.objects.get().published
    trail = list(
        ModerationEvent.objects.filter(declaration_id=pending).values_list("actor", "action", "detail")
    )
    # The address stays on the declaration (erased 90 days after the decision), never in the trail.
    assert trail[:2] == [("declarant", "submitted", ""), ("declarant", "confirmed", "")]
    assert trail[2] == ("camille", "note", "checked the site's imprint")
    assert trail[3][:2] == ("camille", "approved")
    assert trail[4][:2] == ("envol", "emailed")
    assert "note: checked the site's imprint" in trail[3][2]
    page = moderator.get(f"/admin/media/declaration/{pending}/change/").content.decode()
    assert "camille" in page and "approved" in page  # noqa: PT018 (the audit trail under the declaration)


def test_reject_and_unpublish_from_the_admin(moderator: Client) -> None:
    [pending] = _declarations(moderator)
    moderator.post("/admin/media/declaration/", {"action": "reject", "_selected_action": [str(pending)]})
    assert Declaration.objects.get(pk=pending).state == DeclarationState.REJECTED
    assert Declaration.objects.get(pk=pending).decided_by == "camille"
    assert not MediaOutlet.objects.exists()

    approved = declare_and_confirm(moderator, email="web@lemonde.fr")
    moderator.post("/admin/media/declaration/", {"action": "approve", "_selected_action": [str(approved)]})
    outlet = MediaOutlet.objects.get()
    moderator.post("/admin/media/mediaoutlet/", {"action": "unpublish", "_selected_action": [str(outlet.pk)]})
    outlet.refresh_from_db()
    assert not outlet.published
    assert outlet.changes.filter(field="published", new_value="no (by camille)").exists()
    assert moderator.get(f"/media/{outlet.slug}/").status_code == 404


def test_operators_cannot_add_outlets_by_hand(moderator: Client) -> None:
    assert moderator.get("/admin/media/mediaoutlet/add/").status_code == 403
    assert moderator.get("/admin/media/declaration/add/").status_code == 403


INLINE = {"events-TOTAL_FORMS": "2", "events-INITIAL_FORMS": "2", "events-MIN_NUM_FORMS": "0",
          "events-MAX_NUM_FORMS": "1000"}  # fmt: skip


def test_the_declaration_page_shows_readable_fields_and_decides(moderator: Client) -> None:
    [pending] = _declarations(moderator)
    page = moderator.get(f"/admin/media/declaration/{pending}/change/", headers={"accept-language": "en"})
    html = page.content.decode()
    assert '<th scope="row">Position</th><td>Leaving X on a date</td>' in html  # not raw JSON
    assert '<th scope="row">“Share on X” button removed</th><td>Yes</td>' in html
    assert '"status": "leaving"' not in html
    assert 'name="_approve"' in html
    assert 'name="_reject"' in html
    response = moderator.post(
        f"/admin/media/declaration/{pending}/change/", {"note": "imprint checked", "_approve": "1", **INLINE}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/media/declaration/"
    declaration = Declaration.objects.get(pk=pending)
    assert declaration.state == DeclarationState.APPROVED
    assert declaration.note == "imprint checked"
    assert MediaOutlet.objects.get().published
    told = mail.outbox[-1]
    assert told.to == ["redaction@lemonde.fr"]
    assert "http://testserver/media/le-monde/" in told.body
    decided = moderator.get(f"/admin/media/declaration/{pending}/change/").content.decode()
    assert 'name="_approve"' not in decided  # nothing left to decide


def test_reject_button_tells_the_declarant_in_their_language(moderator: Client) -> None:
    moderator.post("/media/declare/", form_data(), headers={"accept-language": "fr"})
    moderator.post(confirmation_link())
    pending = Declaration.objects.get().pk
    moderator.post(f"/admin/media/declaration/{pending}/change/", {"note": "", "_reject": "1", **INLINE})
    assert Declaration.objects.get().state == DeclarationState.REJECTED
    assert (
        mail.outbox[-1].subject == "Votre déclaration n’a pas été publiée dans l’annuaire des médias d’Envol"
    )


@pytest.mark.parametrize(
    ("language", "expected", "english"),
    [
        (
            "fr",
            ["1 déclaration approuvée et publiée.", "Annuaire des médias", "Déclarations"],
            ["declaration(s)"],
        ),
        ("en", ["1 declaration approved and published.", "Media directory", "Declarations"], []),
    ],
)
def test_the_admin_speaks_french_and_english(
    moderator: Client, language: str, expected: list[str], english: list[str]
) -> None:
    [pending] = _declarations(moderator)
    headers = {"accept-language": language}
    index = moderator.get("/admin/", headers=headers).content.decode()
    chosen = {"action": "approve", "_selected_action": [str(pending)]}
    done = moderator.post("/admin/media/declaration/", chosen, follow=True, headers=headers).content.decode()
    queue = moderator.get("/admin/media/declaration/?queue=all", headers=headers).content.decode()
    for text in expected:
        assert text in index + done + queue, text
    for text in english:
        assert text not in done
    if language == "fr":
        for untranslated in (
            "Created at",
            "Confirmed at",
            "Decided by",
            "Declared position",
            "approved and published<",
        ):
            assert untranslated not in queue, untranslated
        people = moderator.get("/admin/registry/account/", headers=headers).content.decode()
        assert "Comptes" in people
        assert "Needs reauth" not in people
