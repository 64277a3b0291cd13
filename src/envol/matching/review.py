"""The review of a person's candidates: counts, one filtered page at a time, dismissal.

What the review page, its JSON twin and `envol match` read; everything comes from the materialised
`Candidate` table (one indexed query per page, whatever the size of the person's community).

Pages use keyset pagination on ``(network, address)``, the order of the unique key
``(person, network, address)`` (no index of its own: each index costs every row a refresh writes): a
page costs the same at the start and at the end of a 10,000-candidate list, and rows added between
two pages neither repeat nor vanish. The cursor names the last row's network and address, so it
stays valid when that row is removed.

"Already followed" comes from the reconnection engine's follow tasks: `followed_sql()` is an EXISTS
over them for the row's person, network and address (followed by Envol, found already followed, or
requested from a locked account).
"""

from __future__ import annotations

import enum
import pickle
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from envol.core import reads
from envol.core.ids import Platform
from envol.matching.candidates import NETWORKS
from envol.matching.models import Candidate, Kind, TargetProfile

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_ADDRESS = Candidate._meta.get_field("address").max_length or 512

#: The task states the reconnection engine calls "followed": its state graph's group, registered by
#: the engine when it starts (envol.reconnect.apps), so that matching does not import the engine.
followed_states: tuple[str, ...] = ()


def followed_sql() -> str:
    """SQL boolean expression over the candidate row ``c``: has the person followed this target yet?
    One EXISTS over the engine's follow tasks of any of the person's accounts (module docstring)."""
    if not followed_states or not all(s.isidentifier() for s in followed_states):
        raise RuntimeError("the reconnection engine did not register its followed states")
    states = ", ".join(f"'{s}'" for s in sorted(followed_states))
    # Only the enum's own identifiers (checked above) are formatted in.
    return (
        "EXISTS (SELECT 1 FROM reconnect_followtask t JOIN registry_account s ON s.id = t.source_id"  # noqa: S608
        " WHERE s.person_id = c.person_id AND t.network = c.network AND t.target_id = c.address"
        f" AND t.state IN ({states}))"
    )


def task_state_sql() -> str:
    """SQL expression over the candidate row ``c``: the state of the person's follow task for this
    target ('' when there is none). A person has one verified account per network, and a task per
    (account, target), so at most one row matches; the newest is taken should an unlinked account's
    tasks remain."""
    return (
        "COALESCE((SELECT t.state FROM reconnect_followtask t JOIN registry_account s ON s.id = t.source_id"
        " WHERE s.person_id = c.person_id AND t.network = c.network AND t.target_id = c.address"
        " ORDER BY t.id DESC LIMIT 1), '')"
    )


class Filter(enum.StrEnum):
    PENDING = "pending"  # not followed yet, not dismissed
    FOLLOWED = "followed"
    DISMISSED = "dismissed"
    BRIDGED = "bridged"
    SUGGESTIONS = "suggestions"
    ALL = "all"


# Not frozen: a frozen dataclass sets each field through object.__setattr__, 2.6 µs for these 15
# fields against 0.36 µs (timeit), and a page builds fifty of them. Nothing changes a
# row once built.
@dataclass(slots=True)
class ReviewRow:
    id: int
    network: str
    address: str
    kind: str
    handle: str
    followee: bool
    follower: bool
    unavailable: str
    moved_to: str
    dismissed: bool
    followed: bool
    first_seen_at: datetime
    display_name: str  # '' until the background task has fetched the profile
    avatar_id: int | None  # the TargetProfile whose cached image /review/avatar/<id>/ serves
    task_state: str = ""  # the state of the person's follow task for this target ('' when none)

    @property
    def avatar_url(self) -> str:
        return reverse("matching_avatar", args=[self.avatar_id]) if self.avatar_id else ""

    @property
    def mutual(self) -> bool:
        return self.followee and self.follower

    @property
    def direction(self) -> str:
        return "mutual" if self.mutual else ("followee" if self.followee else "follower")

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "network": self.network,
            "address": self.address,
            "kind": self.kind,
            "handle": self.handle,
            "direction": self.direction,
            "unavailable": self.unavailable or None,
            "moved_to": self.moved_to or None,
            "dismissed": self.dismissed,
            "followed": self.followed,
            "first_seen_at": self.first_seen_at.isoformat(),
            "display_name": self.display_name or None,
            "avatar_url": self.avatar_url or None,
            "task_state": self.task_state or None,
        }


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[ReviewRow]
    next_cursor: str | None  # pass back as ``after`` for the next page; None on the last page
    fetched: reads.Rows = field(default_factory=list)  # the rows' values as the statement read them

    def source(self) -> bytes:
        """What the rows are built from, as bytes that differ whenever a value differs: the values
        read and the states `followed` is read against (rendermemo's stand-ins). Pickle's own C code
        writes these plain values; 60 µs for fifty rows, half of `repr`'s."""
        return pickle.dumps((followed_states, self.fetched), protocol=pickle.HIGHEST_PROTOCOL)


def _filter_sql(which: Filter) -> str:
    suggestion = f"c.kind = '{Kind.SUGGESTION.value}'"
    return {
        Filter.PENDING: f"c.dismissed_at IS NULL AND NOT {followed_sql()} AND NOT {suggestion}",
        Filter.FOLLOWED: followed_sql(),
        Filter.DISMISSED: "c.dismissed_at IS NOT NULL",
        Filter.BRIDGED: f"c.kind = '{Kind.BRIDGED.value}'",
        Filter.SUGGESTIONS: suggestion,
        Filter.ALL: "1 = 1",
    }[which]


def parse_cursor(text: str | None) -> tuple[str, str] | None:
    """``network:address`` → (network, address); anything malformed starts from the beginning.
    Addresses contain colons (``did:plc:…``, ``https://…``): only the first one separates."""
    if not text:
        return None
    network, _, address = text.partition(":")
    if network not in {n.value for n in NETWORKS} or not address or len(address) > MAX_ADDRESS:
        return None
    return network, address


def make_cursor(row: ReviewRow) -> str:
    return f"{row.network}:{row.address}"


def _row(r: tuple[Any, ...]) -> ReviewRow:
    dismissed, state = r[9] is not None, str(r[10] or "")
    return ReviewRow(int(r[0]), r[1], r[2], r[3], r[4], bool(r[5]), bool(r[6]), r[7], r[8], dismissed,
                     state in followed_states,
                     r[11], r[12], int(r[13]) if r[13] is not None else None, state)  # fmt: skip


def page_sql(
    person_id: int, which: Filter, network: Platform | None, after: str | None, limit: int
) -> tuple[str, list[Any]]:
    """The page's statement and parameters (fetching ``limit + 1`` rows tells whether more follow);
    apart so that the benchmark explains the very statement the page runs."""
    q = connection.ops.quote_name
    where = ["c.person_id = %s", _filter_sql(which)]
    params: list[Any] = [person_id]
    if network is not None:
        where.append("c.network = %s")
        params.append(network.value)
    cursor_key = parse_cursor(after)
    if cursor_key is not None:
        # A row comparison, not the equivalent OR: both databases read it as one range of the
        # unique index after the person's equality, so a page stops after `limit` rows.
        where.append("(c.network, c.address) > (%s, %s)")
        params += [cursor_key[0], cursor_key[1]]
    sql = f"""
        SELECT c.id, c.network, c.address, c.kind, c.handle, c.followee, c.follower, c.unavailable,
               c.moved_to, c.dismissed_at, {task_state_sql()}, c.first_seen_at,
               COALESCE(p.display_name, ''), CASE WHEN p.avatar IS NULL THEN NULL ELSE p.id END
        FROM {q(Candidate._meta.db_table)} c
        LEFT JOIN {q(TargetProfile._meta.db_table)} p ON p.network = c.network AND p.address = c.address
        WHERE {" AND ".join(where)}
        ORDER BY c.network, c.address
        LIMIT %s
    """  # noqa: S608 (quoted names and fixed expressions only; values are parameters)
    return sql, [*params, limit + 1]


def page(
    person_id: int,
    *,
    which: Filter = Filter.PENDING,
    network: Platform | None = None,
    after: str | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    """One page of the person's candidates, in (network, address) order, with cached names and avatars."""
    return reads.fetch(page_read(person_id, which=which, network=network, after=after, limit=limit))


def page_read(
    person_id: int,
    *,
    which: Filter = Filter.PENDING,
    network: Platform | None = None,
    after: str | None = None,
    limit: int = PAGE_SIZE,
) -> reads.Read[Page]:
    """`page` as a read that can go with others (envol.core.reads)."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    sql, params = page_sql(person_id, which, network, after, limit)

    def parse(fetched: reads.Rows) -> Page:
        kept = fetched[:limit]
        rows = [_row(r) for r in kept]
        more = len(fetched) > limit
        return Page(rows, make_cursor(rows[-1]) if more and rows else None, kept)

    return reads.Read(sql, params, parse)


#: What `counts` gives per network, in the order of `counts_columns`.
COUNT_KEYS = ("followee_only", "follower_only", "mutual", "total", "bridged", "dismissed", "suggestions")


def counts_columns() -> tuple[str, list[Any]]:
    """The columns of `counts` over candidate rows ``c`` grouped by network, with their parameters:
    apart so that the "Your people" page reads them in the statement of its other counts."""
    suggestion, bridged = Kind.SUGGESTION.value, Kind.BRIDGED.value
    columns = """
        SUM(CASE WHEN c.kind <> %s AND c.followee AND NOT c.follower THEN 1 ELSE 0 END),
        SUM(CASE WHEN c.kind <> %s AND c.follower AND NOT c.followee THEN 1 ELSE 0 END),
        SUM(CASE WHEN c.kind <> %s AND c.followee AND c.follower THEN 1 ELSE 0 END),
        SUM(CASE WHEN c.kind <> %s THEN 1 ELSE 0 END),
        SUM(CASE WHEN c.kind = %s THEN 1 ELSE 0 END),
        SUM(CASE WHEN c.kind <> %s AND c.dismissed_at IS NOT NULL THEN 1 ELSE 0 END),
        SUM(CASE WHEN c.kind = %s THEN 1 ELSE 0 END)"""
    return columns, [suggestion] * 4 + [bridged, suggestion, suggestion]


def counts_of(rows: list[tuple[Any, ...]]) -> dict[str, dict[str, int]]:
    """`counts` from rows that start with the network and `counts_columns`' values."""
    result = {n.value: dict.fromkeys(COUNT_KEYS, 0) for n in NETWORKS}
    for network, *values in rows:
        if network in result:
            result[network] = {
                k: int(v or 0) for k, v in zip(COUNT_KEYS, values[: len(COUNT_KEYS)], strict=True)
            }
    return result


def counts(person_id: int) -> dict[str, dict[str, int]]:
    """Per network: disjoint direction buckets of what can be followed (verified and bridged rows),
    plus how many of those are bridged, dismissed, and how many suggestions there are. One query."""
    table = connection.ops.quote_name(Candidate._meta.db_table)
    columns, params = counts_columns()
    sql = f"SELECT c.network, {columns} FROM {table} c WHERE c.person_id = %s GROUP BY c.network"  # noqa: S608 (quoted table name only)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, person_id])
        return counts_of(cursor.fetchall())


def set_dismissed(person_id: int, ids: list[int], *, dismissed: bool) -> int:
    """Dismiss (or bring back) some of the person's own candidates; others' ids are ignored."""
    rows = Candidate.objects.filter(person_id=person_id, pk__in=ids)
    return rows.update(dismissed_at=timezone.now() if dismissed else None)
