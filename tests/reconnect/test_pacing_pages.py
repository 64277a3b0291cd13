"""The pace on the reconnection page: the choice with its risk, the paced ETA beside the fastest,
the pause a label caused with how to appeal, and the button that resumes it; both languages."""

from __future__ import annotations

import pytest
from django.test import Client

from envol.core.ids import Platform
from envol.reconnect.drive_states import DriveState
from envol.reconnect.models import AccountDrive, Mode, Pace, ReconnectChoice
from envol.registry.models import Account, Person
from envol.registry.session import SESSION_KEY

from .conftest import account, plan_targets

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("paced")]


@pytest.fixture
def source(client: Client) -> Account:
    person = Person.objects.create(findable_by="everyone")
    mine = account(person, Platform.BLUESKY, "did:plc:alice", "alice.test")
    ReconnectChoice.objects.create(account=mine, directions="both", mode=Mode.AUTOMATIC)
    plan_targets(mine, [(f"did:plc:t{i}", f"t{i}.test") for i in range(30)])
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()
    return mine


@pytest.mark.parametrize(
    ("language", "risk", "ceiling"),
    [
        ("en", "can be labelled a spammer by its network", "at most 150 accounts a day"),
        ("fr", "peut être marqué comme spam par son réseau", "au plus 150 comptes par jour"),
    ],
)
def test_the_page_offers_the_pace_with_its_risk(
    client: Client, source: Account, language: str, risk: str, ceiling: str
) -> None:
    text = client.get("/people/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert risk in text
    assert ceiling in text  # a new account, counts not read yet: the gentle start's ceiling
    assert 'name="pace" value="gentle" checked' in text
    # The ETA is the gentle pace's, never said to be the network's (the page said "At the pace
    # Bluesky allows" of a date computed from the reputation pace).
    paced = {"en": "At the gentle pace that protects your account", "fr": "Au rythme modéré qui protège"}
    assert paced[language] in text
    assert "Bluesky allows, the last one" not in text
    assert "Au rythme que permet Bluesky" not in text


def test_choosing_as_fast_as_allowed_is_stored(client: Client, source: Account) -> None:
    response = client.post(f"/reconnect/{source.pk}/pace/", {"pace": "fast"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert ReconnectChoice.objects.get(account=source).pace == Pace.FAST
    text = client.get("/people/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "as fast as the network allows for this account, as you chose" in text
    assert client.post(f"/reconnect/{source.pk}/pace/", {"pace": "warp"}).status_code == 302
    assert ReconnectChoice.objects.get(account=source).pace == Pace.FAST


@pytest.mark.parametrize(("language", "appeal"), [("en", "appeal"), ("fr", "contester")])
def test_a_labelled_account_is_explained_and_resumed_by_a_button(
    client: Client, source: Account, language: str, appeal: str
) -> None:
    AccountDrive.objects.create(
        account=source, state=DriveState.PAUSED, paused_reason="labelled", last_error="labelled:spam"
    )
    text = client.get("/people/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert appeal in text
    assert f"/reconnect/{source.pk}/resume/" in text
    assert client.post(f"/reconnect/{source.pk}/resume/", HTTP_ACCEPT_LANGUAGE=language).status_code == 302
    drive = AccountDrive.objects.get(account=source)
    assert (drive.paused_reason, drive.state) == ("", DriveState.DUE)
    assert f"/reconnect/{source.pk}/resume/" not in client.get("/people/").content.decode()
