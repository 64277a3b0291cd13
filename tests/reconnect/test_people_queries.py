""" "Your people" is the page a signed-in crowd reloads (bench/load.py, "review"): it is read in a
fixed, small number of statements whatever the number of rows, accounts, tasks and errors, and
the statements written out for it (progress_read, notify.visit_state, pending.is_pending, the
session's person) say what the ORM said before them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg.pq import PipelineStatus

from envol.core import reads, rendermemo
from envol.core.ids import Platform
from envol.matching import notify
from envol.matching.models import Candidate, Kind, NotificationPreference
from envol.privacy.models import PrivacyState
from envol.privacy.pending import is_pending, persons_pending
from envol.reconnect import picks
from envol.reconnect.models import AccountDrive, FollowTask, Mode, Pace, ReconnectChoice
from envol.reconnect.progress import progress_for
from envol.reconnect.states import TaskState
from envol.reconnect.views import undoable
from envol.registry.models import Account, Person
from envol.registry.session import SESSION_KEY

from .conftest import account, plan_targets

pytestmark = pytest.mark.django_db
S = TaskState
#: The page's statements: session, person, the two sets of counts with the pending erasure, the
#: page of rows, the visit, the accounts with their choice and drive, the tallies with the newest
#: errors.
PAGE_STATEMENTS = 8


def _candidates(person: Person, network: Platform, start: int, n: int) -> None:
    now = timezone.now()
    Candidate.objects.bulk_create(
        Candidate(person=person, network=network, address=f"did:plc:{network}{k}", kind=Kind.VERIFIED,
                  handle=f"c{k}.test", followee=True, follower=k % 2 == 0,
                  first_seen_at=now - timedelta(days=2))
        for k in range(start, start + n)
    )  # fmt: skip


def _tasks(source: Account, n: int, tag: str) -> None:
    tasks = plan_targets(source, [(f"did:plc:{tag}{k}", f"{tag}{k}.test") for k in range(n)])
    for k, task in enumerate(tasks):
        state = (S.DONE, S.FAILED, S.SKIPPED, S.REQUESTED, S.READY)[k % 5]
        FollowTask.objects.filter(pk=task.pk).update(
            state=state, reason="gone" if state == S.SKIPPED else "rejected",
            record_key="at://r" if state in (S.DONE, S.REQUESTED) else "",
        )  # fmt: skip


def _page_statements(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/people/")
    assert response.status_code == 200
    return len(captured)


def _signed_in(client: Client, person: Person) -> None:
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()


def test_the_page_costs_the_same_few_statements_for_a_small_or_a_large_community(client: Client) -> None:
    person = Person.objects.create()
    bluesky = account(person, Platform.BLUESKY, "did:plc:me")
    _candidates(person, Platform.BLUESKY, 0, 3)
    _tasks(bluesky, 5, "a")
    _signed_in(client, person)
    _page_statements(client)  # the first visit records itself (writes)
    client.get("/people/")
    small = _page_statements(client)
    assert small <= PAGE_STATEMENTS
    _candidates(person, Platform.BLUESKY, 3, 120)
    _tasks(bluesky, 40, "b")
    ReconnectChoice.objects.create(account=bluesky, directions="both", mode=Mode.MANUAL)
    AccountDrive.objects.create(account=bluesky, budget={"follow": {"left": 3}})
    client.get("/people/")  # the newcomers are told: the visit records it (writes)
    assert _page_statements(client) == small


def test_the_person_and_the_page_s_five_reads_go_to_postgresql_in_one_pipeline(client: Client) -> None:
    person = Person.objects.create()
    account(person, Platform.BLUESKY, "did:plc:me")
    _candidates(person, Platform.BLUESKY, 0, 3)
    _signed_in(client, person)
    client.get("/people/")  # the first visit records itself (writes)
    pipelined: list[bool] = []

    def spy(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        postgres = connection.vendor == "postgresql"
        pipelined.append(postgres and connection.connection.pgconn.pipeline_status != PipelineStatus.OFF)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        assert client.get("/people/").status_code == 200
    # The person and the page's five reads together, and since the first visit found the
    # person for this session, the session's own read with them (tests/reconnect/
    # test_people_prefetch.py); SQLite, in the process, runs them one after the other.
    postgres = connection.vendor == "postgresql"
    assert pipelined == [postgres] * 7


def test_each_account_says_what_an_undo_removes_as_the_undo_page_counts_it() -> None:
    person = Person.objects.create()
    first = account(person, Platform.BLUESKY, "did:plc:one")
    second = account(person, Platform.MASTODON, "https://m.test/users/two", "two@m.test")
    _tasks(first, 10, "x")
    _tasks(second, 7, "y")
    FollowTask.objects.filter(source=first, state=S.DONE).update(undo_requested=True)
    expected = undoable([first.pk, second.pk])
    found = {p.account_id: p.undoable for p in progress_for(person.pk)}
    assert found == {first.pk: expected[first.pk]["total"], second.pk: expected[second.pk]["total"]}
    assert found[first.pk] == 2
    assert found[second.pk] == 3


def test_the_choice_and_the_drive_are_read_with_their_account() -> None:
    person = Person.objects.create()
    chosen = account(person, Platform.BLUESKY, "did:plc:chosen")
    bare = account(person, Platform.MASTODON, "https://m.test/users/bare", "bare@m.test", needs_reauth=True)
    ReconnectChoice.objects.create(
        account=chosen, directions="followers", mode=Mode.AUTOMATIC, pace=Pace.FAST
    )
    AccountDrive.objects.create(account=chosen, budget={"pace": {}}, paused_reason="labelled",
                                last_error="labelled:spam")  # fmt: skip
    rows = {p.account_id: p for p in progress_for(person.pk)}
    assert (rows[chosen.pk].directions, rows[chosen.pk].mode, rows[chosen.pk].pace) == (
        "followers",
        Mode.AUTOMATIC,
        Pace.FAST,
    )
    assert rows[chosen.pk].resumable
    assert "spam" in rows[chosen.pk].paused
    assert (rows[bare.pk].directions, rows[bare.pk].mode, rows[bare.pk].pace) == ("", "", Pace.GENTLE)
    assert not rows[bare.pk].resumable
    assert rows[bare.pk].paused == ""
    assert len(rows[bare.pk].errors) == 1  # the lost permission
    assert [p.network for p in progress_for(person.pk)] == ["bluesky", "mastodon"]


def test_the_visit_reads_what_new_since_last_visit_and_mark_visited_read() -> None:
    person = Person.objects.create()
    _candidates(person, Platform.BLUESKY, 0, 4)
    assert notify.visit_state(person.pk) == notify.Visit(None, 0, True)  # a first visit
    preference, new = notify.visit(person.pk)
    assert preference is None
    assert new == 0
    stored = NotificationPreference.objects.get(person=person)
    assert notify.visit_state(person.pk) == notify.Visit(stored, 0, False)  # everything told
    last = stored.last_review_at
    assert last is not None
    _candidates(person, Platform.MASTODON, 10, 3)  # joined since: new, and never told
    Candidate.objects.filter(person=person, network=Platform.MASTODON).update(
        first_seen_at=last + timedelta(microseconds=1)
    )
    Candidate.objects.filter(person=person, handle="c10.test").update(kind=Kind.SUGGESTION)  # never counted
    state = notify.visit_state(person.pk)
    assert state.new == notify.new_since_last_visit(person.pk, notify.preference_for(person.pk)) == 2
    assert state.untold
    assert state.preference is not None
    assert state.preference.last_review_at == last
    assert notify.visit(person.pk)[1] == 2
    assert notify.visit_state(person.pk).untold is False  # recorded: told, and nothing new since


def _page_visit(person: Person) -> notify.Visit:
    """The visit as "Your people" reads it: the preference alone, new and untold with the counts."""
    counts = picks.page_counts(person.pk)
    return notify.visit_from(reads.fetch(notify.preference_read(person.pk)), counts.new, counts.untold)


def test_the_page_reads_its_visit_with_its_counts_as_visit_state_reads_it() -> None:
    person, other = Person.objects.create(), Person.objects.create()
    _candidates(other, Platform.BLUESKY, 50, 3)  # another person's rows count for nobody else
    assert _page_visit(person) == notify.visit_state(person.pk) == notify.Visit(None, 0, True)  # none yet
    _candidates(person, Platform.BLUESKY, 0, 4)
    assert _page_visit(person) == notify.visit_state(person.pk) == notify.Visit(None, 0, True)  # first visit
    notify.visit(person.pk)
    told = notify.visit_state(person.pk)
    assert _page_visit(person) == told == notify.Visit(told.preference, 0, False)
    last = told.preference.last_review_at if told.preference else None
    assert last is not None
    _candidates(person, Platform.MASTODON, 10, 4)  # joined since: new and untold, on another network
    Candidate.objects.filter(person=person, network=Platform.MASTODON).update(
        first_seen_at=last + timedelta(microseconds=1), notified_at=last
    )
    Candidate.objects.filter(person=person, handle="c10.test").update(kind=Kind.SUGGESTION)  # not counted
    Candidate.objects.filter(person=person, handle="c11.test").update(dismissed_at=last)  # not counted
    assert _page_visit(person) == notify.visit_state(person.pk) == notify.Visit(told.preference, 2, True)
    Candidate.objects.filter(person=person, network=Platform.MASTODON).update(first_seen_at=last)
    assert _page_visit(person) == notify.visit_state(person.pk) == notify.Visit(told.preference, 0, False)
    Candidate.objects.filter(person=person, handle="c1.test").update(notified_at=None)  # never told
    assert _page_visit(person) == notify.visit_state(person.pk) == notify.Visit(told.preference, 0, True)
    # A preference stored before any visit (an e-mail address given first): nothing is new.
    NotificationPreference.objects.filter(person=person).update(last_review_at=None)
    stored = NotificationPreference.objects.get(person=person)
    assert _page_visit(person) == notify.visit_state(person.pk) == notify.Visit(stored, 0, True)


def test_a_pending_erasure_is_read_for_one_person_as_for_many() -> None:
    waiting, other = Person.objects.create(), Person.objects.create()
    PrivacyState.objects.create(person=waiting, erasure_requested_at=timezone.now())
    PrivacyState.objects.create(person=other)
    assert [is_pending(p.pk) for p in (waiting, other)] == [True, False]
    assert persons_pending([waiting.pk, other.pk]) == {waiting.pk}
    # The page reads it with its counts, with candidates or without any.
    _candidates(other, Platform.BLUESKY, 0, 2)
    assert [picks.page_counts(p.pk).erasing for p in (waiting, other)] == [True, False]
    _candidates(waiting, Platform.BLUESKY, 10, 2)
    assert picks.page_counts(waiting.pk).erasing is True
    assert picks.page_counts(waiting.pk).follow == picks.page_counts(other.pk).follow


@pytest.mark.parametrize("with_candidates", [False, True])
def test_a_person_whose_erasure_is_pending_is_sent_to_its_progress(
    client: Client, with_candidates: bool
) -> None:
    person = Person.objects.create()
    account(person, Platform.BLUESKY, "did:plc:me")
    if with_candidates:
        _candidates(person, Platform.BLUESKY, 0, 3)
    _signed_in(client, person)
    assert client.get("/people/").status_code == 200
    PrivacyState.objects.update_or_create(person=person, defaults={"erasure_requested_at": timezone.now()})
    with CaptureQueriesContext(connection) as captured:
        answer = client.get("/people/", headers={"accept-language": "en"})
    assert answer.status_code == 302
    assert answer["Location"] == "/your-data/erase/"
    assert not any(q["sql"].lstrip().startswith(("UPDATE", "INSERT")) for q in captured)  # no visit recorded
    page = client.get(answer["Location"], headers={"accept-language": "en"}).content.decode()
    assert "Envol only removes its follows now." in page


def test_a_session_naming_a_person_who_is_gone_is_signed_out(client: Client) -> None:
    person = Person.objects.create()
    _signed_in(client, person)
    assert client.get("/people/").status_code == 200
    Person.objects.filter(pk=person.pk).delete()
    response = client.get("/people/")
    assert response.status_code == 302
    assert "/sign-in" in response["Location"]


def test_follow_all_counts_a_target_once_however_many_of_the_persons_accounts_follow_it() -> None:
    # The "busy" targets are joined to the candidates: a target queued or followed from two of the
    # person's Bluesky accounts must not count its candidate twice.
    person = Person.objects.create()
    first = account(person, Platform.BLUESKY, "did:plc:me1")
    second = account(person, Platform.BLUESKY, "did:plc:me2")
    target = account(Person.objects.create(), Platform.BLUESKY, "did:plc:them")
    now = timezone.now()
    Candidate.objects.bulk_create(
        Candidate(person=person, network=Platform.BLUESKY, address=f"did:plc:t{k}", kind=Kind.VERIFIED,
                  handle=f"t{k}.test", followee=True, follower=False, first_seen_at=now,
                  target_account=target)
        for k in range(3)
    )  # fmt: skip
    for source in (first, second):
        plan_targets(source, [("did:plc:t0", "t0.test")])  # queued from both accounts
    plan_targets(second, [("did:plc:t1", "t1.test")])
    FollowTask.objects.filter(target_id="did:plc:t1").update(state=S.DONE)
    follow = picks.page_counts(person.pk).follow["bluesky"]
    assert (follow["followees"], follow["followees_left"], follow["all_left"]) == (3, 1, 1)
    assert picks.page_counts(person.pk).review["bluesky"]["total"] == 3


def test_a_reload_with_progress_under_way_reuses_the_html(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Everything the page shows for an account in progress (counts, an ETA, errors) can be compared
    # by value, and the ETA is kept to the minute the page shows: a value the memo cannot write, or
    # one that moves on every load, would silently render every page again.
    person = Person.objects.create()
    bluesky = account(person, Platform.BLUESKY, "did:plc:me")
    _candidates(person, Platform.BLUESKY, 0, 12)
    _tasks(bluesky, 10, "a")
    ReconnectChoice.objects.create(account=bluesky, directions="both", mode=Mode.AUTOMATIC, pace=Pace.GENTLE)
    AccountDrive.objects.create(account=bluesky, budget={"follow": {"left": 3}}, last_error="transient: 502")
    _signed_in(client, person)
    # A clock of the test's own: the reloads 30 seconds apart, within one minute, as a person does.
    minute = timezone.now().replace(second=0, microsecond=0)
    clock = [minute + timedelta(seconds=5)]
    monkeypatch.setattr(timezone, "now", lambda: clock[0])
    rendered: list[str] = []
    real = rendermemo.django_render
    monkeypatch.setattr(rendermemo, "django_render", lambda *a: rendered.append(a[1]) or real(*a))
    rendermemo._MEMO.clear()
    client.get("/people/", headers={"accept-language": "en"})  # records the visit
    client.get("/people/", headers={"accept-language": "en"})
    before = len(rendered)
    clock[0] = minute + timedelta(seconds=35)  # the ETA, counted from now, moved by 30 seconds
    again = client.get("/people/", headers={"accept-language": "en"})
    assert again.status_code == 200
    assert "The server did not answer properly; Envol tries again by itself." in again.content.decode()
    assert before >= 1
    assert len(rendered) == before  # the same inputs: the HTML of the reload before
