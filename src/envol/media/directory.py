"""The public directory: published outlets filtered, searched, sorted and counted, and its feeds."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from envol.media.models import Kind, MediaOutlet, Status

SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "pk"),
    "country": ("country", "name", "pk"),
    "recent": ("-status_since", "pk"),
    "status": ("status", "name", "pk"),
}
DEFAULT_SORT = "name"
PAGE_SIZE = 50

#: The columns of the JSON and CSV feeds, in order.
FEED_FIELDS: tuple[str, ...] = (
    "name", "slug", "country", "website", "kind", "status", "status_since", "leaving_on",
    "bluesky", "mastodon", "x_handle", "share_button_removed", "share_button_removed_since",
    "statement_url", "updated_at",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Query:
    """What the visitor asked for, every value checked against what exists."""

    status: str = ""
    kind: str = ""
    country: str = ""
    search: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Query:
        status = params.get("status", "")
        kind = params.get("kind", "")
        country = params.get("country", "").strip().upper()
        sort = params.get("sort", DEFAULT_SORT)
        return cls(
            status=status if status in Status.values else "",
            kind=kind if kind in Kind.values else "",
            country=country if len(country) == 2 and country.isalpha() else "",
            search=params.get("q", "").strip()[:100],
            sort=sort if sort in SORTS else DEFAULT_SORT,
        )


def published() -> QuerySet[MediaOutlet]:
    return MediaOutlet.objects.filter(published=True)


def version() -> tuple[int, object]:
    """What changes whenever the directory page would (envol.core.pagecache): every save of an
    outlet moves its `updated_at` (publishing and withdrawing included), a deletion the count."""
    found = MediaOutlet.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    return found["n"], found["last"]


def outlets(query: Query) -> QuerySet[MediaOutlet]:
    rows = published()
    if query.status:
        rows = rows.filter(status=query.status)
    if query.kind:
        rows = rows.filter(kind=query.kind)
    if query.country:
        rows = rows.filter(country=query.country)
    if query.search:
        rows = rows.filter(
            Q(name__icontains=query.search)
            | Q(domain__icontains=query.search)
            | Q(bluesky__icontains=query.search)
            | Q(mastodon__icontains=query.search)
        )
    return rows.order_by(*SORTS[query.sort])


def counts_per_status() -> dict[str, int]:
    """Published outlets per status, every status present (zero when none), in one query."""
    counts = dict.fromkeys(Status.values, 0)
    for row in published().values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def countries() -> list[str]:
    return list(published().order_by("country").values_list("country", flat=True).distinct())


def _feed_value(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def feed_rows(rows: Iterable[MediaOutlet]) -> list[dict[str, Any]]:
    return [{f: _feed_value(getattr(outlet, f)) for f in FEED_FIELDS} for outlet in rows]


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FEED_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else _csv_safe(v)) for k, v in row.items()})
    return out.getvalue()


def _csv_safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas in declared text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
