"""The "Your people" page: everyone Envol found, and where following happens (issue #20, item 2).

One page for what used to be three (the review list, the reconnection choices, the manual picks):
each person found with name and avatar (served by Envol, decision 0023), their state, a Follow
button; "follow all" per network and direction; the standing automatic choice with the counts it
covers; the progress of each linked account, which `progress.js` refreshes from `progress_json`
without a reload. Plain HTML forms: everything works without JavaScript.

Cheap on purpose (bench/load.py, "review"): one keyset page of candidates with each row's task
state (`matching.review.page`), the per-network counts (`review.counts` and `picks.counts` in one
statement with the pending-erasure check and what is new since the last visit,
`picks.page_counts`), progress (`progress.progress_for`), the notification preference; none of
them per row, and the five sent together (envol.core.reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from envol.core import prefetch, reads, rendermemo
from envol.core.ids import Platform
from envol.matching import context_processors, notify, review
from envol.matching.models import Kind
from envol.reconnect import picks
from envol.reconnect.exports import mastodon_addresses
from envol.reconnect.models import Directions, Mode
from envol.reconnect.plan import NOT_FOLLOWABLE
from envol.reconnect.progress import AccountProgress, progress_for, progress_of, progress_reads
from envol.reconnect.schedule_date import automatic_start
from envol.reconnect.statement import figures, statement
from envol.reconnect.states import TaskState
from envol.reconnect.views import NETWORK_NAMES, not_while_erasing, while_erasing
from envol.registry.models import Person
from envol.registry.session import person_read, person_required, remember, signed_in_id, to_sign_in

S = TaskState
#: A Follow button is offered for a row whose task is in one of these states (or that has none).
FOLLOWABLE_STATES = frozenset({"", S.PLANNED, S.SKIPPED, S.FAILED, S.UNDONE})


@dataclass(slots=True)  # not frozen, as `review.ReviewRow`: fifty a page, never changed once built
class PersonRow:
    row: review.ReviewRow
    network_name: str
    status: str  # the row's state in words, '' when nothing was done yet
    status_kind: str  # "followed", "pending", "queued", "problem" or '' (for the style)
    can_follow: bool


@dataclass(frozen=True)
class AccountBlock:
    progress: AccountProgress
    network_name: str
    phase: str
    statement: str
    undoable: int
    counts: dict[str, int]  # picks.counts for this network


def _status(state: str) -> tuple[str, str]:
    if state in (S.DONE, S.ALREADY_FOLLOWING):
        return _("You follow this person"), "followed"
    if state == S.REQUESTED:
        return _("Follow request sent: waiting for this person’s answer"), "pending"
    if state in (S.READY, S.WAITING_AUTH):
        return _("Queued: Envol follows this person soon"), "queued"
    if state == S.FAILED:
        return _("Could not be followed"), "problem"
    if state == S.UNDONE:
        return _("Follow removed at your request"), ""
    return "", ""


def _choices(request: HttpRequest) -> tuple[review.Filter, Platform | None, str | None]:
    raw_filter = request.GET.get("filter", review.Filter.PENDING.value)
    values = review.Filter._value2member_map_
    which = review.Filter(raw_filter) if raw_filter in values else review.Filter.PENDING
    raw_network = request.GET.get("network", "")
    network = Platform(raw_network) if raw_network in NETWORK_NAMES else None
    return which, network, request.GET.get("after") or None


def filter_labels() -> list[tuple[str, str]]:
    return [
        (review.Filter.PENDING.value, _("Not followed yet")),
        (review.Filter.FOLLOWED.value, _("Already followed")),
        (review.Filter.DISMISSED.value, _("Dismissed")),
        (review.Filter.BRIDGED.value, _("Bridged")),
        (review.Filter.SUGGESTIONS.value, _("Suggestions (not verified)")),
        (review.Filter.ALL.value, _("All")),
    ]


def account_blocks(
    person_id: int,
    follow_counts: dict[str, dict[str, int]] | None = None,
    progress: list[AccountProgress] | None = None,
) -> list[AccountBlock]:
    """Each linked account's progress and "follow all" counts (`picks.counts`), read here unless the
    caller has them already."""
    now, start = timezone.now(), automatic_start()
    rows = progress_for(person_id, now=now) if progress is None else progress
    if follow_counts is None:
        follow_counts = picks.counts(person_id)
    blocks = []
    for p in rows:
        name = NETWORK_NAMES[p.network]
        phase = figures(p, start, now).phase.value
        blocks.append(AccountBlock(p, name, phase, statement(p, start, now, name),
                                   p.undoable, follow_counts[p.network]))  # fmt: skip
    return blocks


def page_reads(request: HttpRequest, person_id: int) -> list[reads.Read[Any]]:
    """The person and the page's five reads, none depending on another (envol.core.reads); on
    PostgreSQL sent with the session's own read when the person is guessed (envol.core.prefetch)."""
    which, network, after = _choices(request)
    return [
        person_read(person_id),
        picks.page_counts_read(person_id),
        review.page_read(person_id, which=which, network=network, after=after),
        notify.preference_read(person_id),  # the visit's counts come with the others
        *progress_reads(person_id),
    ]


@require_GET
def people_page(request: HttpRequest) -> HttpResponse:
    # As `person_required`, with the person read together with the page's reads; a session
    # naming a person who is gone is sent to sign in, as there, and what was read for that id is
    # dropped. Values read with the session are used only for the person the session names.
    person_id = signed_in_id(request)
    if person_id is None:
        return to_sign_in(request)
    which, network, after = _choices(request)
    found = prefetch.taken(request, person_id) or reads.fetch_all(*page_reads(request, person_id))
    person, counts, result, stored, accounts, tallies = found
    remember(request, person)
    if person is None:
        return to_sign_in(request)
    prefetch.confirm(request, person_id)
    if counts.erasing:
        return while_erasing(request)  # as `not_while_erasing` does, read with the counts; nothing written
    preference, new_count = notify.visit(person.pk, notify.visit_from(stored, counts.new, counts.untold))
    context_processors.seen_all(request)
    blocks = account_blocks(person.pk, counts.follow, progress_of(accounts, tallies))
    linked = {b.progress.network for b in blocks}
    rows = []
    for row in result.rows:
        status, kind = _status(row.task_state)
        followable = row.kind == Kind.VERIFIED and row.unavailable not in NOT_FOLLOWABLE
        can_follow = followable and row.network in linked and row.task_state in FOLLOWABLE_STATES
        rows.append(PersonRow(row, NETWORK_NAMES[row.network], status, kind, can_follow))
    query = {"filter": which.value, **({"network": network.value} if network else {})}
    context: dict[str, Any] = {
        "page": "people",
        "counts": counts.review,
        "blocks": blocks,
        "rows": rows,
        "which": which.value,
        "network": network.value if network else "",
        "filters": filter_labels(),
        "select_all": request.GET.get("select") == "all",
        "new_count": new_count,
        "preference": preference,
        "query": urlencode(query),
        "here": request.get_full_path(),
        "next_url": f"?{urlencode({**query, 'after': result.next_cursor})}" if result.next_cursor else "",
        "first_url": f"?{urlencode(query)}" if after else "",
        "start": automatic_start(),
        "directions": [
            (Directions.FOLLOWEES.value, _("the people I followed on X"), "followees"),
            (Directions.FOLLOWERS.value, _("the people who followed me on X"), "followers"),
            (Directions.BOTH.value, _("both"), "all"),
            (Directions.NONE.value, _("nobody"), ""),
        ],
        "modes": [
            (Mode.AUTOMATIC.value, _("automatically, now and whenever someone I knew joins")),
            (Mode.MANUAL.value, _("only those I pick by hand")),
        ],
        "csv_left_out": mastodon_addresses(person.pk)[1] if Platform.MASTODON.value in linked else 0,
    }
    # The rows are compared through the values they are built from (with the language, in the
    # key): the statement's rows and the linked networks. Writing fifty built rows field by field
    # was the costliest part of the key (docs/performance.md).
    rows_from = (result.source(), tuple(sorted(linked)))
    return rendermemo.render(request, "reconnect/people.html", context, {"rows": rows_from})


@person_required
@require_GET
def progress_json(request: HttpRequest, person: Person) -> HttpResponse:
    """GET /people/progress.json: what the progress part of the page shows, for progress.js."""
    accounts = [
        {
            "account_id": b.progress.account_id,
            "phase": b.phase,
            "statement": b.statement,
            "done": intcomma(b.progress.done),
            "remaining": intcomma(b.progress.remaining),
            "failed": intcomma(b.progress.failed),
        }
        for b in account_blocks(person.pk)
    ]
    settled = all(a["phase"] in ("idle", "done") for a in accounts)
    response = JsonResponse({"accounts": accounts, "settled": settled})
    response["Cache-Control"] = "no-store"
    return response


def _back(request: HttpRequest) -> HttpResponse:
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/people/") else "people")


@require_POST
@person_required
@not_while_erasing
def follow(request: HttpRequest, person: Person) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("candidate") if v.isdigit()]
    count = picks.follow_candidates(person.pk, ids)
    if count:
        text = ngettext(
            "%(count)s person queued: the progress below says when Envol follows them.",
            "%(count)s people queued: the progress below says when Envol follows them.",
            count,
        )
        messages.success(request, text % {"count": intcomma(count)})
    else:
        messages.info(request, _("Nothing to follow there: already followed, or queued."))
    return _back(request)


@require_POST
@person_required
@not_while_erasing
def follow_all(request: HttpRequest, person: Person) -> HttpResponse:
    raw_network, raw_direction = request.POST.get("network", ""), request.POST.get("direction", "")
    if raw_network not in NETWORK_NAMES or raw_direction not in picks.Direction._value2member_map_:
        return _back(request)
    count = picks.follow_all(person.pk, Platform(raw_network), picks.Direction(raw_direction))
    text = ngettext(
        "%(count)s follow queued on %(network)s: the progress below says when the last one should be sent.",
        "%(count)s follows queued on %(network)s: the progress below says when the last one should be sent.",
        count,
    )
    messages.success(request, text % {"count": intcomma(count), "network": NETWORK_NAMES[raw_network]})
    return _back(request)
