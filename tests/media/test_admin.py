"""The moderation queue in Django's admin: what waits, approve and reject, and the audit trail."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from envol.media.models import Declaration, DeclarationState, MediaOutlet, ModerationEvent

from .conftest import declare_and_confirm

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
    assert "1 declaration(s) approved." in response.content.decode()
    assert MediaOutlet.objects.get().published
    trail = list(
        ModerationEvent.objects.filter(declaration_id=pending).values_list("actor", "action", "detail")
    )
    assert trail[:2] == [("declarant", "submitted", "to be confirmed by redaction@lemonde.fr"),
                         ("declarant", "confirmed", "from redaction@lemonde.fr")]  # fmt: skip
    assert trail[2] == ("camille", "note", "checked the site's imprint")
    assert trail[3][:2] == ("camille", "approved")
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
