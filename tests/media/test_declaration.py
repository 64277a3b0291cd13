"""From the form to the directory: declare, confirm from the outlet's domain, moderate, update."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from envol.media import service
from envol.media.antispam import PER_ADDRESS_PER_DAY, form_started_token
from envol.media.models import Declaration, DeclarationState, MediaOutlet, ModerationEvent, Status

from .conftest import confirmation_link, declare_and_confirm, form_data, published

pytestmark = pytest.mark.django_db


def test_declare_confirm_approve_and_appear(client: Client) -> None:
    response = client.post("/media/declare/", form_data(), headers={"accept-language": "fr"})
    assert response.status_code == 302
    assert response["Location"] == "/media/declare/sent/"
    declaration = Declaration.objects.get()
    assert declaration.state == DeclarationState.UNCONFIRMED
    assert declaration.domain == "lemonde.fr"
    assert declaration.data["bluesky"] == "lemonde.fr"  # parsed from the bsky.app link
    assert declaration.data["mastodon"] == "lemonde@mastodon.social"
    assert declaration.data["x_handle"] == "lemondefr"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["redaction@lemonde.fr"]
    assert (
        mail.outbox[0].subject == "Confirmez une déclaration dans l’annuaire des médias d’Envol"
    )  # the declarant’s language
    link = confirmation_link()

    page = client.get(link)  # a mail scanner following the link confirms nothing
    assert page.status_code == 200
    assert Declaration.objects.get().state == DeclarationState.UNCONFIRMED
    assert client.post(link).status_code == 200
    assert Declaration.objects.get().state == DeclarationState.PENDING
    assert client.post(link).status_code == 410  # single use
    assert client.get("/media/").content.decode().count("Le Monde") == 0  # not before moderation

    outlet = service.approve(declaration.pk, actor="mod")
    assert outlet.published
    assert outlet.status == Status.LEAVING
    assert outlet.leaving_on == date(2027, 1, 20)
    assert outlet.slug == "le-monde"
    assert outlet.share_button_removed_since is not None
    html = client.get("/media/", headers={"accept-language": "en"}).content.decode()
    assert "Le Monde" in html
    assert "Leaving X on a date" in html
    page = client.get("/media/le-monde/", headers={"accept-language": "en"}).content.decode()
    assert "@lemonde@mastodon.social" in page
    assert "@lemondefr" in page
    actions = list(ModerationEvent.objects.values_list("actor", "action"))
    assert actions == [("declarant", "submitted"), ("declarant", "confirmed"), ("mod", "approved"),
                       ("envol", "emailed")]  # fmt: skip
    told = mail.outbox[-1]
    assert told.to == ["redaction@lemonde.fr"]
    assert told.subject == "Votre déclaration est publiée dans l’annuaire des médias d’Envol"
    assert "/media/le-monde/" in told.body


def test_a_later_update_goes_through_a_new_confirmed_link_and_keeps_the_history(client: Client) -> None:
    outlet = published(client)
    form = client.get(f"/media/{outlet.slug}/update/").content.decode()
    assert 'value="Le Monde"' in form
    pending = declare_and_confirm(client, status="left", leaving_on="", share_button_removed=None)
    assert Declaration.objects.get(pk=pending).outlet == outlet
    before = MediaOutlet.objects.get().status_since
    service.approve(pending, actor="mod")
    outlet.refresh_from_db()
    assert outlet.status == Status.LEFT
    assert outlet.leaving_on is None
    assert not outlet.share_button_removed
    assert outlet.status_since > before
    changed = set(outlet.changes.filter(declaration_id=pending).values_list("field", flat=True))
    assert changed == {"status", "leaving_on", "share_button_removed"}
    page = client.get(f"/media/{outlet.slug}/", headers={"accept-language": "en"}).content.decode()
    assert "<del>Leaving X on a date</del>" in page  # readable values, never the stored ones
    assert "<ins>Has left X</ins>" in page
    assert "“Share on X” button removed:" in page  # labels about the outlet, not "We have removed…"
    assert "<del>Yes</del>" in page
    french = client.get(f"/media/{outlet.slug}/", headers={"accept-language": "fr"}).content.decode()
    for raw in ("<ins>left</ins>", "<del>yes</del>", "Votre position", "Nous avons retiré", ">press<"):
        assert raw not in french
    linked = '<a href="https://mastodon.social/@lemonde" rel="nofollow noopener">@lemonde@mastodon.social</a>'
    assert linked in page
    assert 'class="button follow-masto" href="https://mastodon.social/@lemonde"' in page
    assert 'class="button follow-bsky" href="https://bsky.app/profile/lemonde.fr"' in page


def test_the_update_form_cannot_move_the_outlet_to_another_domain(client: Client) -> None:
    outlet = published(client)
    path = f"/media/{outlet.slug}/update/"
    pending = declare_and_confirm(
        client, path, website="https://evil.example.org", email="redaction@lemonde.fr"
    )
    service.approve(pending, actor="mod")
    assert MediaOutlet.objects.get().domain == outlet.domain == "lemonde.fr"


def test_a_new_declaration_for_a_known_domain_updates_that_outlet(client: Client) -> None:
    published(client)
    service.approve(declare_and_confirm(client, name="Le Monde (édition)"), actor="mod")
    assert list(MediaOutlet.objects.values_list("name", flat=True)) == ["Le Monde (édition)"]


def test_a_rejected_declaration_publishes_nothing(client: Client) -> None:
    pending = declare_and_confirm(client)
    service.reject(pending, actor="mod", note="not a newsroom")
    assert not MediaOutlet.objects.exists()
    with pytest.raises(service.DeclarationError):
        service.approve(pending, actor="mod")
    assert ModerationEvent.objects.filter(action="rejected", detail="not a newsroom").exists()
    told = mail.outbox[-1]
    assert told.subject == "Your declaration was not published in Envol's media directory"
    assert "not a newsroom" not in told.body  # the note is the moderators' own
    assert "nothing was published" in told.body


def test_the_decision_e_mail_failing_leaves_the_decision_and_says_so(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    pending = declare_and_confirm(client)

    def refuse(*args: object) -> int:
        raise OSError("relay down")

    monkeypatch.setattr("envol.core.mail.EightBitMessage.send", refuse)
    service.approve(pending, actor="mod")
    assert MediaOutlet.objects.get().published
    assert ModerationEvent.objects.filter(declaration_id=pending, action="not_emailed").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "lemonde@gmail.com"}, "email", "Use an address on lemonde.fr"),
        ({"email": "x@lemonde.fr.evil.com"}, "email", "Use an address on lemonde.fr"),
        ({"mastodon": "not an address"}, "mastodon", "This is not a Mastodon account."),
        ({"x_handle": "https://example.com/x"}, "x_handle", "This is not an X account."),
        ({"leaving_on": ""}, "leaving_on", "Say on which date you leave X."),
        ({"country": "France"}, "country", "two-letter code"),
        ({"website": "gmail.com"}, "website", "Enter the address of the outlet"),
    ],
)
def test_bad_input_is_explained_and_stores_nothing(client: Client, overrides: dict[str, str], field: str,
                                                    message: str) -> None:  # fmt: skip
    response = client.post("/media/declare/", form_data(**overrides), headers={"accept-language": "en"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert not Declaration.objects.exists()
    assert mail.outbox == []


def test_errors_in_french(client: Client) -> None:
    response = client.post(
        "/media/declare/", form_data(email="a@gmail.com"), headers={"accept-language": "fr"}
    )
    assert "Utilisez une adresse sur lemonde.fr" in response.content.decode()


def test_the_honeypot_thanks_a_robot_and_keeps_nothing(client: Client) -> None:
    response = client.post("/media/declare/", form_data(homepage="http://spam.example.org"))
    assert response.status_code == 302
    assert not Declaration.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("age", [0.0, None, 2 * 86400.0], ids=["too-fast", "forged", "stale"])
def test_too_fast_forged_or_stale_forms_are_sent_back(client: Client, age: float | None) -> None:
    started = "forged" if age is None else form_started_token(time.time() - age)
    response = client.post("/media/declare/", form_data(started=started), headers={"accept-language": "en"})
    assert "quicker than a person types" in response.content.decode()
    assert not Declaration.objects.exists()
    fresh = response.context["form"].data["started"]
    assert fresh != started  # the next try is measured from now


def test_an_address_may_declare_only_a_few_times_a_day(client: Client) -> None:
    for _ in range(PER_ADDRESS_PER_DAY):
        assert client.post("/media/declare/", form_data()).status_code == 302
    response = client.post("/media/declare/", form_data(), headers={"accept-language": "en"})
    assert "Too many declarations" in response.content.decode()
    assert Declaration.objects.count() == PER_ADDRESS_PER_DAY
    Declaration.objects.update(created_at=timezone.now() - timedelta(days=2))
    assert client.post("/media/declare/", form_data()).status_code == 302


def test_expired_and_tampered_links_are_refused(client: Client) -> None:
    client.post("/media/declare/", form_data())
    link = confirmation_link()
    assert client.post(link.replace("/confirm/", "/confirm/x")).status_code == 410
    Declaration.objects.update(created_at=timezone.now() - timedelta(days=3))
    assert client.post(link).status_code == 200  # the link's own age counts, not the row's


def test_retention_deletes_stale_unconfirmed_and_erases_old_addresses(client: Client) -> None:
    client.post("/media/declare/", form_data())
    stale = Declaration.objects.get()
    Declaration.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=8))
    decided = declare_and_confirm(client, email="chef@lemonde.fr")
    service.approve(decided, actor="mod")
    Declaration.objects.filter(pk=decided).update(decided_at=timezone.now() - timedelta(days=91))
    assert service.purge() == (1, 1)
    assert not Declaration.objects.filter(pk=stale.pk).exists()
    assert Declaration.objects.get(pk=decided).email == ""
    assert MediaOutlet.objects.get().published  # the public record stays
    # The audit trail keeps who did what, never the address once the declaration has let it go.
    trail = list(ModerationEvent.objects.filter(declaration_id=decided).values_list("action", "detail"))
    assert [action for action, _ in trail][:2] == ["submitted", "confirmed"]
    assert not [detail for _, detail in trail if "chef@lemonde.fr" in detail]
