"""`GET /api/v2/search` for accounts; `resolve=true` goes through the shared Federation."""

from __future__ import annotations

from .api import truthy
from .auth import authorize, current_account
from .context import Context
from .entities import account_json
from .federation import RemoteProfile, split_acct
from .paging import limit_param, ruby_int
from .server import ApiError, Request, Response
from .state import Account

NO_RESOLVE = "Search queries that resolve remote resources are not supported without authentication"
NO_OFFSET = "Search queries pagination is not supported without authentication"


def localize(ctx: Context, profile: RemoteProfile, depth: int = 0) -> Account:
    """Store what a resolve learnt under an id of this server; follow a `moved` pointer one hop."""
    state = ctx.state
    if profile.domain.lower() in state.local_domains():
        local = state.find(profile.username, None)
        if local is not None:
            return local
    account = state.add_remote(profile)
    account.moved_to_id = None
    if profile.moved_to and depth == 0:
        target = state.find_acct(profile.moved_to)
        if target is None or not target.local:
            found = ctx.federation.resolve(profile.moved_to)
            target = localize(ctx, found, depth + 1) if found else target
        account.moved_to_id = target.id if target else None
    return account


def _candidates(ctx: Context, query: str, resolve: bool) -> list[Account]:
    state = ctx.state
    if query.startswith(("https://", "http://")):
        known = [a for a in state.accounts.values() if query.rstrip("/") in (a.url, a.actor_uri)]
        if known or not resolve:
            return known
        found = ctx.federation.resolve_url(query)
        return [localize(ctx, found)] if found else []
    username, domain = split_acct(query)
    if domain is not None:
        account = state.find(username, domain)
        if resolve and domain not in state.local_domains():
            found = ctx.federation.resolve(f"{username}@{domain}")
            account = localize(ctx, found) if found else account  # unreachable: keep the known copy
        return [account] if account else []
    # A bare term: the exact local match first, then other known accounts by username/display name.
    needle = username.lower()
    exact = state.find(username, None)
    fuzzy = [
        a
        for a in sorted(state.accounts.values(), key=lambda a: int(a.id))
        if a is not exact and (a.username.lower().startswith(needle) or needle in a.display_name.lower())
    ]
    return ([exact] if exact else []) + fuzzy


def search(ctx: Context, req: Request) -> Response:
    token = authorize(ctx.state, req, "read:search", required=False)
    query = (req.param("q") or "").strip()
    if not query:
        raise ApiError(400, "param is missing or the value is empty: q")
    me = current_account(ctx.state, token)
    resolve = truthy(req.param("resolve")) or False
    if me is None and req.param("offset"):
        raise ApiError(401, NO_OFFSET)
    if me is None and resolve:
        raise ApiError(401, NO_RESOLVE)  # an app-only token is not a signed-in user either
    limit = limit_param(req, 20, 40)
    offset = ruby_int(req.param("offset")) or 0
    if offset < 0:
        raise ApiError(400, "Pagination values for `offset` and `limit` must be positive")
    kind = req.param("type")
    accounts: list[Account] = []
    if kind in (None, "", "accounts"):
        accounts = [a for a in _candidates(ctx, query.removeprefix("@"), resolve) if not a.suspended]
        if truthy(req.param("following")) and me is not None:
            accounts = [a for a in accounts if (me.id, a.id) in ctx.state.follows]
    page = accounts[offset : offset + limit]
    return Response.json(
        {"accounts": [account_json(ctx.state, a) for a in page], "statuses": [], "hashtags": []}
    )
