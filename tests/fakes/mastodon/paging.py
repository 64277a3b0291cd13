"""Link-header pagination keyed by Follow ids (api/guidelines.md#pagination, notes §5)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from .server import ApiError, Request
from .state import Follow


def ruby_int(text: str | None) -> int | None:
    """Ruby's String#to_i: leading sign and digits, anything else is 0; None when absent."""
    if text is None:
        return None
    found = re.match(r"\s*([+-]?\d+)", text)
    return int(found.group(1)) if found else 0


def limit_param(req: Request, default: int, maximum: int) -> int:
    """`limit_param` of Mastodon's controllers: default when absent, capped at the maximum."""
    value = ruby_int(req.param("limit"))
    if value is None:
        return default
    if value < 0:
        raise ApiError(400, "Pagination values for `offset` and `limit` must be positive")
    return min(value, maximum)


def paginate(rows: list[Follow], req: Request, limit: int) -> list[Follow]:
    """`paginate_by_id`: newest first; `min_id` walks forward from a cursor, then the page is reversed."""
    max_id, since_id, min_id = (ruby_int(req.param(k)) for k in ("max_id", "since_id", "min_id"))
    kept = [
        r
        for r in rows
        if (max_id is None or r.id < max_id)
        and (since_id is None or r.id > since_id)
        and (min_id is None or r.id > min_id)
    ]
    if min_id is not None:
        return sorted(kept, key=lambda r: r.id)[:limit][::-1]
    return sorted(kept, key=lambda r: -r.id)[:limit]


def link_header(req: Request, page: list[Follow], limit: int) -> str | None:
    """`<...max_id=oldest>; rel="next", <...since_id=newest>; rel="prev"`.

    `next` only when the page is full; no header at all for an empty page. Only `limit` is carried
    over from the request, as Mastodon's `pagination_params` does.
    """
    if not page:
        return None
    keep = {"limit": req.param("limit")} if req.param("limit") is not None else {}
    url = f"{req.base_url}{req.path}"
    links = []
    if len(page) == limit:
        links.append(f'<{url}?{urlencode({**keep, "max_id": page[-1].id})}>; rel="next"')
    links.append(f'<{url}?{urlencode({**keep, "since_id": page[0].id})}>; rel="prev"')
    return ", ".join(links)
