"""Telling a person that people they knew on X have joined: on their next visit, and by e-mail.

E-mail goes only to persons who gave an address and opted in, at most once a day, and only about
candidates that can be followed (never suggestions). "Told" is recorded per candidate
(`notified_at`), so nobody hears twice about the same person.

Persons whose erasure is pending (envol.privacy.pending) get none. Persons who chose automatic
reconnection do not need it (their follows happen anyway): the engine, which sits above matching,
adds that question to `QUIET` when its app is ready.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from envol.core import mail, reads, rows
from envol.core.listparam import ids_in
from envol.matching.models import Candidate, Kind, NotificationPreference
from envol.privacy.pending import persons_pending

EMAIL_INTERVAL = timedelta(hours=24)
VISIT_RESOLUTION = timedelta(minutes=1)  # the last visit is known to the minute


# Each takes person ids and returns, in one query, those of them who must not be e-mailed: a person
# who asked to be erased (waiting only for Envol's follows to be removed) hears nothing more.
QUIET: list[Callable[[Iterable[int]], set[int]]] = [persons_pending]


def left_quiet(person_ids: Iterable[int]) -> set[int]:
    ids = set(person_ids)
    return set().union(*(ask(ids) for ask in QUIET))


def preference_for(person_id: int) -> NotificationPreference | None:
    return NotificationPreference.objects.filter(person_id=person_id).first()


def _followable() -> Q:
    return ~Q(kind=Kind.SUGGESTION) & Q(dismissed_at=None)


def new_since_last_visit(person_id: int, preference: NotificationPreference | None) -> int:
    """How many followable candidates appeared since the person last opened the review page.
    0 on a first visit: then everything is new, and the page says so anyway."""
    if preference is None or preference.last_review_at is None:
        return 0
    rows = Candidate.objects.filter(
        _followable(), person_id=person_id, first_seen_at__gt=preference.last_review_at
    )
    return rows.count()


@dataclass(frozen=True)
class Visit:
    """What a visit of the review page reads before it is recorded."""

    preference: NotificationPreference | None
    new: int  # as new_since_last_visit
    untold: bool  # a candidate is new since the last visit, or was never told: mark_visited writes


def visit_state(person_id: int) -> Visit:
    return reads.fetch(visit_state_read(person_id))


def _new_sql(last: str) -> str:
    """A candidate row ``c`` that `new_since_last_visit` counts, ``last`` being the last visit (an SQL
    expression; null on a first visit, which counts none). Parameters: the suggestion kind, then
    those of ``last``."""
    return f"c.kind <> %s AND c.dismissed_at IS NULL AND c.first_seen_at > {last}"


def _untold_sql(last: str) -> str:
    """A candidate row ``c`` that `mark_visited` must write: new since ``last``, or never told."""
    return f"(c.first_seen_at > {last} OR c.notified_at IS NULL)"


def visit_state_read(person_id: int) -> reads.Read[Visit]:
    """The preference, the new candidates' count and whether any is untold, in one statement that
    reads the person's candidates once (the header of every signed-in page asks: written out, no
    ORM compilation per request)."""
    q = connection.ops.quote_name
    columns, params = visit_columns(person_id)
    sql = f"""
        SELECT {rows.columns(NotificationPreference, "p")}, n.envol_new, n.envol_untold
        FROM {q(NotificationPreference._meta.db_table)} p,
             (SELECT {columns} FROM {q(Candidate._meta.db_table)} c WHERE c.person_id = %s) n
        WHERE p.person_id = %s
    """  # noqa: S608 (quoted names and placeholders only)
    return reads.Read(sql, [*params, person_id, person_id], _visit_of)


def _visit_of(found: reads.Rows) -> Visit:
    if not found:
        return visit_from(None, 0, True)
    row = found[0]
    new, untold = row[-2:]  # the two computed columns, after the model's own
    return visit_from(rows.instance(NotificationPreference, row), int(new or 0), bool(untold))


def visit_from(preference: NotificationPreference | None, new: int, untold: bool) -> Visit:
    """The visit from the preference and what the candidates said: a first visit (no preference yet)
    has nothing new and everything to record."""
    return Visit(None, 0, True) if preference is None else Visit(preference, new, untold)


def preference_read(person_id: int) -> reads.Read[NotificationPreference | None]:
    """The preference alone, for a page that reads `visit_columns` with its other counts."""
    table = connection.ops.quote_name(NotificationPreference._meta.db_table)
    sql = f"SELECT {rows.columns(NotificationPreference)} FROM {table} WHERE person_id = %s"  # noqa: S608
    return reads.Read(sql, [person_id], _preference_of)


def _preference_of(found: reads.Rows) -> NotificationPreference | None:
    return rows.instance(NotificationPreference, found[0]) if found else None


def visit_columns(person_id: int) -> tuple[str, list[Any]]:
    """Two aggregates over the person's candidate rows ``c``, with their parameters: how many are new
    since the last visit and whether any is untold (null for no rows: 0 and false). `visit_state`
    reads them alone; a statement that reads every candidate of the person anyway ("Your people"'s
    counts, `reconnect.picks.page_counts_read`, grouped by network) reads them along, and
    `visit_from` makes the visit with `preference_read`'s row."""
    table = connection.ops.quote_name(NotificationPreference._meta.db_table)
    # Uncorrelated: both databases read it once per statement, not once per row.
    last = f"(SELECT v.last_review_at FROM {table} v WHERE v.person_id = %s)"  # noqa: S608 (quoted name)
    new, untold = _new_sql(last), _untold_sql(last)
    columns = (
        f"SUM(CASE WHEN {new} THEN 1 ELSE 0 END) AS envol_new,"
        f" MAX(CASE WHEN {untold} THEN 1 ELSE 0 END) AS envol_untold"
    )
    return columns, [Kind.SUGGESTION.value, person_id, person_id]


def visit(person_id: int, state: Visit | None = None) -> tuple[NotificationPreference | None, int]:
    """The review page's visit: the preference and how many are new since the last visit (read
    before the visit is recorded: `state` when the page read it with its other reads), then the
    visit recorded as `mark_visited` does."""
    if state is None:
        state = visit_state(person_id)
    mark_visited(person_id, state.preference, untold=state.untold)
    return state.preference, state.new


def mark_visited(
    person_id: int, preference: NotificationPreference | None = None, *, untold: bool | None = None
) -> None:
    """Record the visit: its time, and that every row was told. A reload within VISIT_RESOLUTION
    that has nothing new to record writes nothing (a write per view took SQLite's lock for every
    person reloading their page); `preference` is the row the view already read, `untold` what
    `visit_state` read with it (asked here when not given)."""
    now = timezone.now()
    last = preference.last_review_at if preference is not None else None
    if last is not None and now - last < VISIT_RESOLUTION:
        if untold is None:
            untold = Candidate.objects.filter(
                Q(first_seen_at__gt=last) | Q(notified_at=None), person_id=person_id
            ).exists()
        if not untold:
            return
    with transaction.atomic():
        NotificationPreference.objects.update_or_create(person_id=person_id, defaults={"last_review_at": now})
        Candidate.objects.filter(person_id=person_id, notified_at=None).update(notified_at=now)


def save_preference(person_id: int, *, email: str, opted_in: bool) -> bool:
    """Store the address and the choice; False (nothing stored) for an address that is not one."""
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return False
    NotificationPreference.objects.update_or_create(
        person_id=person_id,
        defaults={
            "email": email,
            "email_opt_in": opted_in and bool(email),
            "language": translation.get_language() or "en",
        },
    )
    return True


def send_new_candidate_emails(person_ids: list[int]) -> int:
    """One e-mail per opted-in person with untold followable candidates; returns how many were sent."""
    now = timezone.now()
    sent = 0
    # Automatic reconnection, or an erasure waiting only for Envol's follows to be removed.
    leaving = left_quiet(person_ids)
    preferences = NotificationPreference.objects.filter(
        ids_in("person_id", set(person_ids) - leaving), email_opt_in=True
    ).exclude(email="")
    for preference in preferences:
        if preference.last_emailed_at and now - preference.last_emailed_at < EMAIL_INTERVAL:
            continue  # the next candidates_changed after the interval will carry these too
        untold = Candidate.objects.filter(_followable(), person_id=preference.person_id, notified_at=None)
        count = untold.count()
        if not count:
            continue
        with translation.override(preference.language):
            subject = render_to_string("matching/email_subject.txt", {"count": count}).strip()
            body = render_to_string("matching/email_body.txt", {"count": count})
        mail.send(subject, body, [preference.email])
        with transaction.atomic():
            untold.update(notified_at=now)
            NotificationPreference.objects.filter(pk=preference.pk).update(last_emailed_at=now)
        sent += 1
    return sent
