"""The public directory: filters, search, sort, counts, pages, the outlet page and the feeds."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.matching.materialise import refresh_everyone
from envol.media import directory
from envol.media.figures import linked_person, refresh_figures
from envol.media.models import Kind, MediaOutlet, Status
from envol.reconnect.models import FollowTask
from envol.reconnect.states import TaskState
from envol.registry.models import Account, Person, Verification

pytestmark = pytest.mark.django_db


def _outlet(name: str, *, country: str = "FR", kind: str = Kind.PRESS, status: str = Status.CONSIDERING,
            published: bool = True, **fields: object) -> MediaOutlet:  # fmt: skip
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return MediaOutlet.objects.create(
        name=name, slug=slug, country=country, website=f"https://{slug}.fr", domain=f"{slug}.fr", kind=kind,
        status=status, published=published, status_since=timezone.now(), **fields,
    )  # fmt: skip


@pytest.fixture
def world() -> None:
    _outlet("Le Monde", status=Status.LEAVING, bluesky="lemonde.fr")
    _outlet("Libération", status=Status.LEFT, mastodon="liberation@mastodon.social")
    _outlet("Radio Canada", country="CA", kind=Kind.RADIO, status=Status.LEFT)
    _outlet("Le Soir", country="BE", status=Status.STAYING)
    _outlet("Hidden Gazette", published=False)  # waiting for moderation: never shown


def _names(client: Client, query: str = "") -> list[str]:
    html = client.get(f"/media/?{query}", headers={"accept-language": "en"}).content.decode()
    return re.findall(r'<a href="/media/[\w-]+/"><strong>([^<]+)</strong>', html)


def test_filters_search_and_sort(client: Client, world: None) -> None:
    assert _names(client) == ["Le Monde", "Le Soir", "Libération", "Radio Canada"]
    assert _names(client, "status=left") == ["Libération", "Radio Canada"]
    assert _names(client, "kind=radio") == ["Radio Canada"]
    assert _names(client, "country=be") == ["Le Soir"]
    assert _names(client, "q=mastodon.social") == ["Libération"]
    assert _names(client, "q=le") == ["Le Monde", "Le Soir"]
    assert _names(client, "sort=country") == ["Le Soir", "Radio Canada", "Le Monde", "Libération"]
    assert _names(client, "status=nonsense&sort=nonsense") == _names(client)  # unknown values are ignored


def test_counts_per_status_cover_the_whole_directory(client: Client, world: None) -> None:
    assert directory.counts_per_status() == {"considering": 0, "leaving": 1, "left": 2, "staying": 1}
    html = client.get("/media/?status=left", headers={"accept-language": "fr"}).content.decode()
    assert "<strong>2</strong> A quitté X" in html
    assert "<strong>1</strong> Quitte X à une date annoncée" in html


def test_pages_of_fifty(client: Client) -> None:
    for n in range(directory.PAGE_SIZE + 3):
        _outlet(f"Outlet {n:03d}")
    assert len(_names(client)) == directory.PAGE_SIZE
    second = client.get("/media/?sort=name&page=2", headers={"accept-language": "en"}).content.decode()
    assert "Page 2 of 2" in second
    assert 'href="?sort=name&amp;page=1" rel="prev"' in second
    assert len(_names(client, "page=2")) == 3


def test_unpublished_outlets_have_no_page(client: Client, world: None) -> None:
    assert client.get("/media/hidden-gazette/").status_code == 404
    assert client.get("/media/le-monde/").status_code == 200


def test_json_and_csv_feeds_list_the_published_directory(client: Client, world: None) -> None:
    response = client.get("/media/directory.json")
    assert response["Access-Control-Allow-Origin"] == "*"  # open data, readable from any site
    feed = response.json()
    assert feed["count"] == 4
    assert [o["name"] for o in feed["outlets"]] == ["Le Monde", "Le Soir", "Libération", "Radio Canada"]
    assert feed["outlets"][0]["bluesky"] == "lemonde.fr"
    assert feed["outlets"][0]["status"] == "leaving"
    response = client.get("/media/directory.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["name"] for r in rows] == ["Le Monde", "Le Soir", "Libération", "Radio Canada"]
    assert list(rows[0]) == list(directory.FEED_FIELDS)


def test_csv_neutralises_spreadsheet_formulas(client: Client) -> None:
    _outlet("=HYPERLINK(evil)")
    rows = list(csv.DictReader(io.StringIO(client.get("/media/directory.csv").content.decode())))
    assert rows[0]["name"] == "'=HYPERLINK(evil)"


def test_pages_load_nothing_from_other_sites_and_need_no_script(client: Client, world: None) -> None:
    for path in ("/media/", "/media/le-monde/", "/media/declare/", "/media/le-monde/update/"):
        html = client.get(path).content.decode()
        assert "<script" not in html, path
        for attribute in re.findall(r'(?:src)="([^"]+)"', html):
            assert not re.match(r"^(https?:)?//", attribute), (path, attribute)
        assert re.findall(r'<link[^>]+href="(https?:)?//', html) == [], path


def _x_account(person: Person, x_id: int, handle: str) -> None:
    Account.objects.create(person=person, platform=Platform.X, stable_id=str(x_id), handle=handle,
                           verification=Verification.VERIFIED, x_key=pseudonymizer().key(x_id))  # fmt: skip


def test_figures_of_an_outlet_whose_accounts_are_linked(client: Client, tmp_path: Path) -> None:
    newsroom = Person.objects.create(findable_by="everyone")
    _x_account(newsroom, 100, "lemondefr")
    Account.objects.create(person=newsroom, platform=Platform.BLUESKY, stable_id="did:plc:lemonde",
                           handle="lemonde.fr", verification=Verification.VERIFIED)  # fmt: skip
    for x_id in (1, 2, 3):  # three readers who followed Le Monde on X; two are on Bluesky, one on Mastodon
        reader = Person.objects.create(findable_by="everyone")
        _x_account(reader, x_id, f"reader{x_id}")
        platform, stable = (Platform.MASTODON, f"https://m.test/users/r{x_id}") if x_id == 3 else (
            Platform.BLUESKY, f"did:plc:r{x_id}")  # fmt: skip
        Account.objects.create(person=reader, platform=platform, stable_id=stable, handle=f"r{x_id}",
                               verification=Verification.VERIFIED)  # fmt: skip
    archive = write_synthetic_archive(tmp_path / "lemonde.zip", owner_id=100, handle="lemondefr",
                                      followers=[1, 2, 3, 4], following=[])  # fmt: skip
    ingest(archive.path)
    outlet = _outlet("Le Monde", bluesky="did:plc:lemonde", x_handle="LeMondeFR")
    newsroom_sky = newsroom.accounts.get(platform=Platform.BLUESKY)
    for reader_did, state in (("did:plc:r1", TaskState.DONE), ("did:plc:r2", TaskState.PLANNED)):
        FollowTask.objects.create(source=Account.objects.get(stable_id=reader_did), network=Platform.BLUESKY,
                                  target_account=newsroom_sky, target_id=newsroom_sky.stable_id, state=state,
                                  created_at=timezone.now(), updated_at=timezone.now())  # fmt: skip
    _outlet("Nobody Linked", bluesky="nobody.bsky.social")
    assert linked_person(outlet) == newsroom.pk

    page = client.get("/media/le-monde/", headers={"accept-language": "en"}).content.decode()
    assert "are not linked in Envol yet" in page  # nothing counted yet: never counted per request
    refresh_everyone(notify=False)  # matching's background refresh after the import
    assert refresh_figures() == 1
    page = client.get("/media/le-monde/", headers={"accept-language": "en"}).content.decode()
    # found / following through Envol (only the done task counts)
    assert re.search(r"<th scope=\"row\">Bluesky</th><td>2</td><td>1</td>", page)
    assert re.search(r"<th scope=\"row\">Mastodon</th><td>1</td><td>0</td>", page)
    assert "not linked" in client.get("/media/nobody-linked/").content.decode()


def test_accounts_of_two_persons_link_no_one(client: Client) -> None:
    a, b = Person.objects.create(findable_by="everyone"), Person.objects.create(findable_by="everyone")
    Account.objects.create(person=a, platform=Platform.BLUESKY, stable_id="did:plc:a", handle="a.fr",
                           verification=Verification.VERIFIED)  # fmt: skip
    Account.objects.create(person=b, platform=Platform.MASTODON, stable_id="https://m.test/users/b",
                           handle="b@m.test", verification=Verification.VERIFIED)  # fmt: skip
    assert linked_person(_outlet("Split", bluesky="a.fr", mastodon="b@m.test")) is None


def test_the_latest_change_sort(client: Client, world: None) -> None:
    MediaOutlet.objects.filter(name="Le Soir").update(status_since=timezone.now() + timedelta(hours=1))
    assert _names(client, "sort=recent")[0] == "Le Soir"
