"""Consents: opt-ins off by default, recorded with their text version, withdrawn at once."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from envol.core.ids import Platform
from envol.privacy.consent import TEXTS, may, persons_who_allow
from envol.privacy.models import Consent, PrivacyState, Purpose
from registry.conftest import signed_in

pytestmark = pytest.mark.django_db
EN = {"accept-language": "en"}


def test_opt_ins_are_off_until_chosen_and_a_withdrawal_applies_at_once(client: Client) -> None:
    person = signed_in(client, (Platform.X, "42", "alice_x"))
    assert not may(person.pk, Purpose.RESEARCH)
    assert not persons_who_allow(Purpose.RESEARCH).filter(pk=person.pk).exists()

    client.post("/your-data/choices/", {"research": "yes", "public_name": "yes"}, headers=EN)
    assert may(person.pk, Purpose.RESEARCH)
    assert may(person.pk, Purpose.PUBLIC_NAME)
    assert list(persons_who_allow(Purpose.RESEARCH).values_list("pk", flat=True)) == [person.pk]

    response = client.post("/your-data/choices/", {"public_name": "yes"}, headers=EN, follow=True)
    assert "Your choices are saved. They apply from now on." in response.content.decode()
    assert not may(person.pk, Purpose.RESEARCH)  # withdrawn: the very next question says no
    assert not persons_who_allow(Purpose.RESEARCH).exists()
    history = list(Consent.objects.filter(person=person, purpose=Purpose.RESEARCH).order_by("pk"))
    assert [(c.granted, c.text_version) for c in history] == [
        (True, TEXTS[Purpose.RESEARCH].version),
        (False, "1"),
    ]
    assert all(c.decided_at <= timezone.now() for c in history)


def test_newsletter_needs_an_address_and_keeps_it(client: Client) -> None:
    person = signed_in(client, (Platform.X, "42", "alice_x"))
    page = client.post(
        "/your-data/choices/", {"newsletter": "yes"}, headers={"accept-language": "fr"}, follow=True
    )
    assert "La lettre d’information a besoin d’une adresse e-mail." in page.content.decode()
    assert not may(person.pk, Purpose.NEWSLETTER)
    client.post("/your-data/choices/", {"newsletter": "yes", "email": "not-an-address"})
    assert not may(person.pk, Purpose.NEWSLETTER)
    client.post("/your-data/choices/", {"newsletter": "yes", "email": "alice@example.org"})
    assert may(person.pk, Purpose.NEWSLETTER)
    assert PrivacyState.objects.get(person=person).email == "alice@example.org"


def test_the_first_visit_after_sign_in_records_the_necessary_purpose(client: Client) -> None:
    person = signed_in(client, (Platform.X, "42", "alice_x"))
    page = client.get("/your-data/", headers=EN).content.decode()
    assert "Your migration (necessary)" in page
    migration = Consent.objects.get(person=person, purpose=Purpose.MIGRATION)
    assert (migration.granted, migration.text_version) == (True, TEXTS[Purpose.MIGRATION].version)
    client.get("/your-data/")
    assert Consent.objects.filter(person=person, purpose=Purpose.MIGRATION).count() == 1
    assert may(person.pk, Purpose.MIGRATION)


def test_the_sign_in_page_explains_the_necessary_purpose_in_both_languages(client: Client) -> None:
    assert "What Envol keeps, and why" in client.get("/sign-in/", headers=EN).content.decode()
    html = client.get("/sign-in/", headers={"accept-language": "fr"}).content.decode()
    assert "Ce qu’Envol conserve, et pourquoi" in html


def test_your_data_page_works_without_javascript_and_in_french(client: Client) -> None:
    signed_in(client, (Platform.X, "42", "alice_x"))
    html = client.get("/your-data/", headers={"accept-language": "fr"}).content.decode()
    assert "<script" not in html
    assert "Vos choix" in html
    assert "Tout effacer" in html
    assert "Ma migration est terminée" in html
    assert client.post("/your-data/migration-complete/").status_code == 302
    assert PrivacyState.objects.get().migration_completed_at is not None


def test_migration_complete_is_confirmed_with_the_real_period(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #20 item 5: it was irreversible in one click and spoke of "the period shown on the
    privacy page"; the confirmation says what goes and when, from ENVOL_RETENTION_EDGES_DAYS."""
    signed_in(client, (Platform.X, "42", "alice_x"))
    page = client.get("/your-data/", headers=EN).content.decode()
    assert "your X lists are then deleted 30 days later" in page
    assert '<a class="button danger-first" href="/your-data/migration-complete/">' in page
    monkeypatch.setenv("ENVOL_RETENTION_EDGES_DAYS", "12")
    confirm = client.get("/your-data/migration-complete/", headers=EN).content.decode()
    assert "are deleted 12 days from now" in confirm
    assert '<button type="submit" class="button danger">Declare my migration complete</button>' in confirm
    assert PrivacyState.objects.get().migration_completed_at is None  # looking changes nothing
    french = client.get("/your-data/migration-complete/", headers={"accept-language": "fr"}).content.decode()
    assert "sont supprimées dans 12\u00a0jours" not in french
    assert "sont supprimées dans 12 jours" in french
    client.post("/your-data/migration-complete/")
    done = client.get("/your-data/", headers=EN).content.decode()
    assert "your X lists are deleted 12 days after that." in done
    assert client.get("/your-data/migration-complete/")["Location"] == "/your-data/"
