"""The review page's HTML is reused while nothing it shows changed (envol.core.rendermemo), and
never for another person, another language, another address, or a page with a notice."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from envol.core import rendermemo
from envol.core.ids import Platform
from envol.matching.materialise import refresh_everyone
from envol.matching.models import Candidate, TargetProfile
from envol.registry.models import Person
from envol.registry.session import SESSION_KEY
from matching.world import V, account, person, upload

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The templates Django actually rendered through the memo."""
    seen: list[str] = []
    real = rendermemo.django_render

    def counting(request: object, template_name: str, context: dict[str, object]) -> object:
        seen.append(template_name)
        return real(request, template_name, context)  # type: ignore[arg-type]

    monkeypatch.setattr(rendermemo, "django_render", counting)
    rendermemo._MEMO.clear()
    return seen


def signed_in(who: Person) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = who.pk
    session.save()
    return client


@pytest.fixture
def two_people(tmp_path: Path) -> tuple[Person, Person]:
    """Alice follows X ids 3..12 and Bob 13..22 on X; all of them are on Bluesky."""
    alice, bob = person(1), person(2)
    for x_id in range(3, 23):
        person(x_id, bsky=V)
    upload(tmp_path, 1, followers=[], following=list(range(3, 13)))
    upload(tmp_path, 2, followers=[], following=list(range(13, 23)))
    refresh_everyone(notify=False)
    return alice, bob


def handles(person_id: int) -> set[str]:
    return set(Candidate.objects.filter(person_id=person_id).values_list("handle", flat=True))


def test_a_reload_reuses_the_html_with_a_new_token(
    renders: list[str], two_people: tuple[Person, Person]
) -> None:
    client = signed_in(two_people[0])
    client.get("/people/")  # the first visit records itself
    first, second = client.get("/people/").content.decode(), client.get("/people/").content.decode()
    assert renders == ["reconnect/people.html"] * 2
    assert TOKEN.sub("", first) == TOKEN.sub("", second)
    assert TOKEN.findall(first)[0] != TOKEN.findall(second)[0]


def test_another_person_never_gets_my_page(renders: list[str], two_people: tuple[Person, Person]) -> None:
    alice, bob = two_people
    for who, other in ((alice, bob), (bob, alice), (alice, bob)):
        html = signed_in(who).get("/people/").content.decode()
        assert all(h in html for h in handles(who.pk))
        assert not any(h in html for h in handles(other.pk))


def test_each_language_and_address_has_its_own_page(
    renders: list[str], two_people: tuple[Person, Person]
) -> None:
    client = signed_in(two_people[0])
    assert '<html lang="fr">' in client.get("/people/", headers={"accept-language": "fr"}).content.decode()
    assert '<html lang="en">' in client.get("/people/", headers={"accept-language": "en"}).content.decode()
    html = client.get(
        "/people/?filter=pending&select=all", headers={"accept-language": "en"}
    ).content.decode()
    assert "checked>" in html


def test_a_dismissal_shows_at_once(renders: list[str], two_people: tuple[Person, Person]) -> None:
    alice = two_people[0]
    client = signed_in(alice)
    client.get("/people/")
    row = Candidate.objects.filter(person=alice).order_by("network", "address").first()
    assert row is not None
    assert row.handle in client.get("/people/").content.decode()
    client.post("/review/dismiss/", {"candidate": [str(row.pk)], "action": "dismiss", "next": "/people/"})
    assert row.handle not in client.get("/people/").content.decode()


def test_a_page_with_a_notice_is_rendered_and_the_notice_shown_once(
    renders: list[str], two_people: tuple[Person, Person]
) -> None:
    client = signed_in(two_people[0])
    client.get("/people/")
    client.get("/people/")
    client.post("/review/notifications/", {"email": "not an address", "opt_in": "on"})
    assert "does not look right" in client.get("/people/").content.decode()
    assert "does not look right" not in client.get("/people/").content.decode()


def test_the_reused_page_token_passes_the_csrf_check(
    renders: list[str], two_people: tuple[Person, Person]
) -> None:
    alice = two_people[0]
    client = signed_in(alice)
    client.get("/people/")  # the first visit, then the page as it stays
    client.get("/people/")
    secret = client.cookies[settings.CSRF_COOKIE_NAME].value
    reused = client.get("/people/")
    html = reused.content.decode()
    assert renders == ["reconnect/people.html"] * 2
    # As Django's get_token: the same secret, its cookie sent again (its expiry renewed).
    assert reused.cookies[settings.CSRF_COOKIE_NAME].value == secret
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    row = Candidate.objects.filter(person=alice).first()
    assert row is not None
    answer = strict.post("/review/dismiss/", {"candidate": [str(row.pk)], "action": "dismiss",
                                              "csrfmiddlewaretoken": TOKEN.findall(html)[0]})  # fmt: skip
    assert answer.status_code == 302
    assert settings.CSRF_COOKIE_NAME in client.cookies


def test_values_that_cannot_be_compared_are_not_reused() -> None:
    with pytest.raises(rendermemo.Unkeyable):
        rendermemo._inputs([{"rows": Candidate.objects.all()}])
    with pytest.raises(rendermemo.Unkeyable):
        rendermemo._inputs([{"row": object()}])


@dataclass(frozen=True)
class Row:
    handle: str
    seen: datetime | None
    nested: tuple[object, ...] = ()


@dataclass(frozen=True)
class OtherRow:
    handle: str
    seen: datetime | None
    nested: tuple[object, ...] = ()


def test_the_key_differs_whenever_a_value_differs() -> None:
    """Every value the memo compares, changed one at a time, changes the bytes it hashes."""
    when = datetime(2026, 12, 6, 12, tzinfo=UTC)
    base = {"rows": [Row("a", when, (1, "x"))], "n": 1, "label": "Follow"}
    variants = [
        {**base, "rows": [Row("b", when, (1, "x"))]},
        {**base, "rows": [Row("a", when + timedelta(microseconds=1), (1, "x"))]},
        {**base, "rows": [Row("a", when.astimezone(ZoneInfo("Europe/Paris")), (1, "x"))]},
        {**base, "rows": [Row("a", None, (1, "x"))]},
        {**base, "rows": [Row("a", when, (1, "y"))]},
        {**base, "rows": [Row("a", when, (Row("a", when),))]},
        {**base, "rows": [OtherRow("a", when, (1, "x"))]},
        {**base, "rows": []},
        {**base, "n": 2},
        {**base, "n": True},
        {**base, "label": mark_safe("Follow <b>")},
        {**base, "label": gettext_lazy("Follow all")},
    ]
    written = {rendermemo._inputs([v]) for v in [base, *variants]}
    assert len(written) == len(variants) + 1
    assert rendermemo._inputs([dict(base)]) == rendermemo._inputs([base])  # the same values, the same key


def test_a_safe_or_lazy_string_is_keyed_by_its_text() -> None:
    assert rendermemo._inputs([mark_safe("Suivre")]) == rendermemo._inputs([gettext_lazy("Suivre")])
    with translation.override("fr"):
        french = rendermemo._inputs([gettext_lazy("Follow")])
    with translation.override("en"):
        assert rendermemo._inputs([gettext_lazy("Follow")]) != french


def test_a_stand_in_is_compared_instead_of_its_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rendermemo, "_processors", tuple)  # no context processor: the view's own entries
    request = RequestFactory().get("/people/")

    def key(rows: object, stand_ins: dict[str, rendermemo.Plain]) -> bytes | None:
        return rendermemo._key(request, "people.html", {"rows": rows, "n": 1}, stand_ins)

    assert key([Row("a", None)], {"rows": "one"}) == key([Row("b", None)], {"rows": "one"})
    assert key([Row("a", None)], {"rows": "one"}) != key([Row("a", None)], {"rows": "two"})
    assert key([Row("a", None)], {}) != key([Row("b", None)], {})  # without it, the rows themselves
    assert key("one", {}) != key([Row("a", None)], {"rows": "one"})  # a stand-in is not its text as a value


def test_a_name_fetched_or_a_network_linked_shows_at_once(
    renders: list[str], two_people: tuple[Person, Person]
) -> None:
    alice = two_people[0]
    client = signed_in(alice)
    client.get("/people/")
    first = Candidate.objects.filter(person=alice).order_by("network", "address").first()
    assert first is not None
    html = client.get("/people/").content.decode()
    assert "Zoé Exemple" not in html
    assert 'class="button follow"' not in html  # no Bluesky account linked: nothing to follow from
    TargetProfile.objects.create(network=first.network, address=first.address, display_name="Zoé Exemple")
    assert "Zoé Exemple" in client.get("/people/").content.decode()
    account(alice, Platform.BLUESKY, "did:plc:alice", V, handle="alice.bsky.test")
    assert 'class="button follow"' in client.get("/people/").content.decode()
    assert renders == ["reconnect/people.html"] * 4  # each change rendered anew, the reload between reused
