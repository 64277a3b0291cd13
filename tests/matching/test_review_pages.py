"""Keyset pages of the review: the unique key's (network, address) order, cursors that survive
changes between two pages, and malformed cursors."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from envol.core.ids import Platform
from envol.matching import review
from envol.matching.materialise import refresh_everyone
from envol.matching.models import Candidate, Kind
from envol.registry.models import Person
from matching.world import V, person, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol(tmp_path: Path) -> Person:
    """Carol follows persons 2..31 on X, all on Bluesky, every third on Mastodon: 40 rows."""
    carol = person(1)
    for x_id in range(2, 32):
        person(x_id, bsky=V, masto=V if x_id % 3 == 0 else None)
    upload(tmp_path, 1, followers=[], following=list(range(2, 32)))
    refresh_everyone(notify=False)
    return carol


def every_page(person_id: int, limit: int, network: Platform | None = None) -> list[list[review.ReviewRow]]:
    pages = [review.page(person_id, which=review.Filter.ALL, network=network, limit=limit)]
    while after := pages[-1].next_cursor:
        pages.append(
            review.page(person_id, which=review.Filter.ALL, network=network, limit=limit, after=after)
        )
    return [p.rows for p in pages]


def test_pages_follow_the_unique_keys_order_not_the_ids(carol: Person) -> None:
    late = Candidate.objects.create(person=carol, network=Platform.BLUESKY, address="did:plc:a",
                                    kind=Kind.VERIFIED, first_seen_at=timezone.now())  # fmt: skip
    rows = [row for page in every_page(carol.pk, 7) for row in page]
    assert rows[0].id == late.pk == max(row.id for row in rows)  # the newest row, first in text order
    in_order = Candidate.objects.filter(person=carol).order_by("network", "address")
    assert [row.id for row in rows] == [c.pk for c in in_order]
    assert len(rows) == 41
    bluesky = [row.address for row in rows if row.network == Platform.BLUESKY]
    assert bluesky == sorted(bluesky)  # did:plc:p<pk>, plain ASCII: every collation agrees


def test_a_network_filter_pages_through_that_network_only(carol: Person) -> None:
    pages = every_page(carol.pk, 4, network=Platform.MASTODON)
    rows = [row for page in pages for row in page]
    assert {row.network for row in rows} == {Platform.MASTODON}
    assert len(rows) == len({row.id for row in rows}) == 10
    assert len(pages) == 3


def test_the_cursor_survives_the_removal_of_the_row_it_names(carol: Person) -> None:
    first = review.page(carol.pk, which=review.Filter.ALL, limit=5)
    assert first.next_cursor == f"{first.rows[-1].network}:{first.rows[-1].address}"
    Candidate.objects.filter(pk=first.rows[-1].id).delete()
    second = review.page(carol.pk, which=review.Filter.ALL, limit=5, after=first.next_cursor)
    expected = Candidate.objects.filter(person=carol).order_by("network", "address")[4:9]
    assert [row.id for row in second.rows] == [c.pk for c in expected]


def test_rows_added_between_two_pages_are_seen_once_or_not_at_all(carol: Person) -> None:
    first = review.page(carol.pk, which=review.Filter.ALL, limit=10)
    last = first.rows[-1]
    now = timezone.now()
    before = Candidate.objects.create(person=carol, network=last.network, address="did:plc:a",
                                      kind=Kind.VERIFIED, first_seen_at=now)  # fmt: skip
    after = Candidate.objects.create(person=carol, network=last.network, address="did:plc:zz",
                                     kind=Kind.VERIFIED, first_seen_at=now)  # fmt: skip
    rest = []
    cursor = first.next_cursor
    while cursor:
        current = review.page(carol.pk, which=review.Filter.ALL, limit=10, after=cursor)
        rest += [row.id for row in current.rows]
        cursor = current.next_cursor
    seen = [row.id for row in first.rows] + rest
    assert before.pk not in seen  # before the cursor: on a page already shown
    assert seen.count(after.pk) == 1
    assert len(seen) == len(set(seen)) == 41


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("bluesky:did:plc:abc", ("bluesky", "did:plc:abc")),
        ("mastodon:https://m.test/users/a", ("mastodon", "https://m.test/users/a")),
        ("x:123", None),  # not a network candidates are on
        ("bluesky:", None),
        ("bluesky", None),
        ("", None),
        (None, None),
        ("bluesky:" + "a" * 513, None),
    ],
)
def test_malformed_cursors_start_from_the_beginning(text: str | None, parsed: tuple[str, str] | None) -> None:
    assert review.parse_cursor(text) == parsed
