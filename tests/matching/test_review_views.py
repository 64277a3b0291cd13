"""The review page and its JSON twin: counts, filters, keyset pages, dismissal, notices, both languages."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from envol.core.ids import Platform
from envol.matching.materialise import refresh_everyone
from envol.matching.models import Candidate, Kind, NotificationPreference, TargetProfile
from envol.registry.models import Person
from envol.registry.session import SESSION_KEY
from matching.world import V, account, person, upload

pytestmark = pytest.mark.django_db


def sign_in(client: Client, who: Person) -> None:
    session = client.session
    session[SESSION_KEY] = who.pk
    session.save()


@pytest.fixture
def alice(tmp_path: Path) -> Person:
    """Alice follows persons 2..61 on X; 10..13 follow her back; all are on Bluesky, some on Mastodon."""
    alice = person(1)
    for x_id in range(2, 62):
        person(x_id, bsky=V, masto=V if x_id % 3 == 0 else None)
    upload(tmp_path, 1, followers=list(range(10, 14)), following=list(range(2, 62)))
    refresh_everyone(notify=False)
    return alice


def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    for url in ("/people/", "/api/candidates/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")


WORDS = [("en", ["Your people", "you followed this person on X", "Next page"]),
         ("fr", ["Vos contacts", "vous suiviez cette personne sur X", "Page suivante"])]  # fmt: skip


@pytest.mark.parametrize(("language", "words"), WORDS)
def test_the_page_in_both_languages(client: Client, alice: Person, language: str, words: list[str]) -> None:
    sign_in(client, alice)
    html = client.get("/people/", headers={"accept-language": language}).content.decode()
    for word in words:
        assert word in html
    assert "<script" not in html  # works without JavaScript
    for attribute in re.findall(r'(?:src|href|action)="([^"]+)"', html):
        assert not re.match(r"^(https?:)?//", attribute), attribute


def test_counts_and_keyset_pages_cover_every_row_once(client: Client, alice: Person) -> None:
    sign_in(client, alice)
    body = client.get("/api/candidates/?filter=all&limit=7").json()
    assert body["counts"]["bluesky"] == {
        "followee_only": 56,
        "follower_only": 0,
        "mutual": 4,
        "total": 60,
        "bridged": 0,
        "dismissed": 0,
        "suggestions": 0,
    }
    assert body["counts"]["mastodon"]["total"] == 20
    seen = [row["id"] for row in body["candidates"]]
    while body["next"]:
        body = client.get(f"/api/candidates/?filter=all&limit=7&after={body['next']}").json()
        seen += [row["id"] for row in body["candidates"]]
    assert len(seen) == len(set(seen)) == 80 == Candidate.objects.filter(person=alice).count()
    mastodon = client.get("/api/candidates/?filter=all&network=mastodon&limit=200").json()["candidates"]
    assert {row["network"] for row in mastodon} == {"mastodon"}
    assert len(mastodon) == 20


def test_dismiss_and_bring_back(client: Client, alice: Person) -> None:
    sign_in(client, alice)
    first = Candidate.objects.filter(person=alice).order_by("network", "id")[:3]
    ids = [str(c.pk) for c in first]
    other = person(99, bsky=V)
    foreign = Candidate.objects.create(
        person=other,
        network="bluesky",
        address="did:plc:zz",
        kind=Kind.VERIFIED,
        first_seen_at=timezone.now(),
    )
    response = client.post(
        "/review/dismiss/",
        {"candidate": [*ids, str(foreign.pk)], "action": "dismiss", "next": "/people/?filter=all"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/people/?filter=all"
    dismissed = client.get("/api/candidates/?filter=dismissed").json()["candidates"]
    assert sorted(str(row["id"]) for row in dismissed) == sorted(ids)
    assert Candidate.objects.get(pk=foreign.pk).dismissed_at is None  # not hers: untouched
    pending = client.get("/api/candidates/?filter=pending&limit=200").json()["candidates"]
    assert len(pending) == 77
    client.post("/review/dismiss/", {"candidate": ids[:1], "action": "undismiss"})
    assert len(client.get("/api/candidates/?filter=dismissed").json()["candidates"]) == 2
    # Still dismissed after the periodic repair.
    refresh_everyone(notify=False)
    assert len(client.get("/api/candidates/?filter=dismissed").json()["candidates"]) == 2


def test_select_all_checks_every_box_without_javascript(client: Client, alice: Person) -> None:
    sign_in(client, alice)
    html = client.get("/people/?filter=pending&select=all").content.decode()
    boxes = re.findall(r'<input type="checkbox" name="candidate"[^>]*>', html)
    assert len(boxes) == 50
    assert all("checked" in b for b in boxes)
    html = client.get("/people/?filter=pending&select=none").content.decode()
    assert not any("checked" in b for b in re.findall(r'<input type="checkbox" name="candidate"[^>]*>', html))


def test_names_and_avatars_come_from_the_cache_served_by_envol(client: Client, alice: Person) -> None:
    sign_in(client, alice)
    # The first row the page shows (it pages in address order; row ids follow no order on PostgreSQL).
    row = Candidate.objects.filter(person=alice, network=Platform.BLUESKY).order_by("address").first()
    assert row is not None
    html = client.get("/people/").content.decode()
    assert row.handle in html  # the handle until the profile is cached
    profile = TargetProfile.objects.create(
        network=row.network,
        address=row.address,
        display_name="Bob Example",
        avatar=b"\x89PNG\r\n\x1a\nfake",
        avatar_type="image/png",
    )
    html = client.get("/people/").content.decode()
    assert "Bob Example" in html
    assert f'src="/review/avatar/{profile.pk}/"' in html
    image = client.get(f"/review/avatar/{profile.pk}/")
    png = b"\x89PNG\r\n\x1a\nfake"
    assert (image.status_code, image["Content-Type"], image.content) == (200, "image/png", png)


def test_bridged_and_suggestions_are_marked(client: Client, alice: Person) -> None:
    sign_in(client, alice)
    now = timezone.now()
    Candidate.objects.create(
        person=alice,
        network="mastodon",
        address="p2.bsky.test@bsky.brid.gy",
        handle="p2.bsky.test@bsky.brid.gy",
        kind=Kind.BRIDGED,
        followee=True,
        first_seen_at=now,
    )
    Candidate.objects.create(
        person=alice,
        network="mastodon",
        address="carol@m.test",
        handle="carol@m.test",
        kind=Kind.SUGGESTION,
        followee=True,
        first_seen_at=now,
    )
    bridged = client.get("/api/candidates/?filter=bridged").json()["candidates"]
    assert [row["kind"] for row in bridged] == ["bridged"]
    pending = client.get("/api/candidates/?filter=pending&network=mastodon&limit=200").json()["candidates"]
    assert "suggestion" not in {row["kind"] for row in pending}  # apart, never mixed in
    html = client.get("/people/?filter=suggestions").content.decode()
    assert "never followed automatically" in html
    assert "carol@m.test" in html


def test_new_people_notice_on_the_next_visit(client: Client, alice: Person, tmp_path: Path) -> None:
    sign_in(client, alice)
    html = client.get("/people/").content.decode()
    assert "New since your last visit" not in html  # first visit: everything is new anyway
    Candidate.objects.update(first_seen_at=timezone.now() - timedelta(hours=2))  # seen long ago
    NotificationPreference.objects.filter(person=alice).update(
        last_review_at=timezone.now() - timedelta(hours=1)
    )
    newcomer = person(62, bsky=V)
    account(newcomer, Platform.MASTODON, "https://m.test/users/late", V)
    upload(tmp_path, 1, followers=[], following=[*range(2, 63)])
    refresh_everyone(notify=False)
    home = client.get("/").content.decode()
    assert "Your people (2)" in home
    html = client.get("/people/").content.decode()
    assert "New since your last visit: 2." in html
    assert "New since your last visit" not in client.get("/people/").content.decode()


def test_a_reload_with_nothing_new_writes_nothing(client: Client, alice: Person, tmp_path: Path) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, alice)
    client.get("/people/")  # the first visit records itself and tells every row
    with CaptureQueriesContext(connection) as queries:
        client.get("/people/")
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    ]
    assert writes == []
    newcomer = person(62, bsky=V)  # then someone joins: the next visit tells it, and records that
    upload(tmp_path, 1, followers=[], following=[*range(2, 63)])
    refresh_everyone(notify=False)
    assert Candidate.objects.filter(person=alice, target_person=newcomer, notified_at=None).exists()
    client.get("/people/")
    assert not Candidate.objects.filter(person=alice, notified_at=None).exists()
