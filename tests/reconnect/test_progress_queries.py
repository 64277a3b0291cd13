"""Progress is read in a fixed number of statements, however many accounts a person links: the
"Your people" page polls it, and a statement per account made it the page's largest cost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from envol.core.ids import Platform
from envol.reconnect.models import FollowTask
from envol.reconnect.progress import progress_for
from envol.reconnect.progress_read import RECENT_ERRORS
from envol.reconnect.states import TaskState
from envol.registry.models import Account, Person

from .conftest import account, plan_targets

pytestmark = pytest.mark.django_db
S = TaskState


def _linked(person: Person, n: int) -> Account:
    source = account(person, Platform.MASTODON, f"https://m.test/users/p{n}", f"p{n}@m.test")
    tasks = plan_targets(source, [(f"https://t.test/users/{n}-{k}", f"t{n}-{k}@t.test") for k in range(9)])
    now = timezone.now()
    for k, task in enumerate(tasks[:7]):  # seven refused, the newest last: only five are told
        FollowTask.objects.filter(pk=task.pk).update(
            state=S.SKIPPED if k % 2 else S.FAILED, reason="gone" if k % 2 else "rejected",
            updated_at=now + timedelta(seconds=k),
        )  # fmt: skip
    FollowTask.objects.filter(pk=tasks[7].pk).update(state=S.REQUESTED, check_at=None)
    return source


def _statements(person: Person) -> int:
    with CaptureQueriesContext(connection) as captured:
        progress_for(person.pk)
    return len(captured)


def test_progress_costs_the_same_statements_for_one_account_or_three() -> None:
    person = Person.objects.create()
    _linked(person, 0)
    one = _statements(person)
    _linked(person, 1)
    _linked(person, 2)
    assert _statements(person) == one


def test_each_account_tells_its_own_newest_errors_and_what_a_retry_takes_up() -> None:
    person = Person.objects.create()
    first, second = _linked(person, 0), _linked(person, 1)
    with translation.override("en"):  # the sentences are in the active language
        rows = {row.account_id: row for row in progress_for(person.pk)}
    for source, n in ((first, 0), (second, 1)):
        row = rows[source.pk]
        told = [line.split(":")[0] for line in row.errors]
        assert told == [f"t{n}-{k}@t.test" for k in (6, 5, 4, 3, 2)][:RECENT_ERRORS]
        # failed (4) + gone (3) + the request no longer re-checked (1)
        assert (row.failed, row.retryable) == (4, 8)
