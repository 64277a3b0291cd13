"""Lists bound as one parameter (envol.core.listparam): the same rows as `__in=` would give, negated
too, for lists longer than SQLite binds, and for strings that need quoting inside an array."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from envol.core.ids import Platform
from envol.core.listparam import ids_in, texts_in
from envol.registry.models import Account, Person, Verification

pytestmark = pytest.mark.django_db

#: Strings an array literal or a JSON array must carry intact.
AWKWARD = ['https://m.test/users/o"brien', "it's,{odd}", "back\\slash", "ümlaut NULL"]


def test_integer_lists_longer_than_sqlite_binds(sqlite_default_limit: int) -> None:
    people = [Person.objects.create(findable_by="everyone") for _ in range(3)]
    absent = range(people[-1].pk + 1, people[-1].pk + 1 + sqlite_default_limit)
    wanted = [people[0].pk, people[2].pk, *absent]
    mine = Person.objects.filter(pk__gte=people[0].pk)
    with CaptureQueriesContext(connection) as queries:
        found = set(mine.filter(ids_in("pk", wanted)).values_list("pk", flat=True))
    assert found == {people[0].pk, people[2].pk}
    assert len(queries.captured_queries) == 1
    assert set(mine.filter(~ids_in("pk", wanted)).values_list("pk", flat=True)) == {people[1].pk}
    assert not mine.filter(ids_in("pk", [])).exists()
    assert mine.filter(~ids_in("pk", [])).count() == 3


def test_text_lists_longer_than_sqlite_binds_keep_every_character(sqlite_default_limit: int) -> None:
    person = Person.objects.create(findable_by="everyone")
    for stable_id in [*AWKWARD, "did:plc:left"]:
        Account.objects.create(person=person, platform=Platform.MASTODON, stable_id=stable_id,
                               handle=stable_id, verification=Verification.VERIFIED)  # fmt: skip
    padding = [f"did:plc:nobody{i}" for i in range(sqlite_default_limit)]
    mine = Account.objects.filter(person=person)
    found = mine.filter(texts_in("stable_id", [*padding, *AWKWARD])).values_list("stable_id", flat=True)
    assert sorted(found) == sorted(AWKWARD)
    assert list(mine.filter(~texts_in("stable_id", AWKWARD)).values_list("stable_id", flat=True)) == [
        "did:plc:left"
    ]
