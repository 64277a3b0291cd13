"""Account routes: credentials, lookup, show, follow graph, relationships, follow requests (notes §3-5)."""

from __future__ import annotations

from .auth import authorize, current_account
from .context import Context
from .entities import account_json, credential_account_json, relationship_json
from .follows import FollowOptions, accept, follow, unfollow
from .paging import limit_param, link_header, paginate
from .server import ApiError, Request, Response
from .state import Account, Follow

NOT_FOUND = "Record not found"
FALSE_VALUES = {"0", "f", "F", "false", "FALSE", "off", "OFF", ""}  # ActiveModel::Type::Boolean


def truthy(value: str | None) -> bool | None:
    return None if value is None else value not in FALSE_VALUES


def _account(ctx: Context, account_id: str) -> Account:
    account = ctx.state.accounts.get(account_id)
    if account is None:
        raise ApiError(404, NOT_FOUND)
    return account


def _me(ctx: Context, req: Request, *scopes: str) -> Account:
    me = current_account(ctx.state, authorize(ctx.state, req, *scopes))
    assert me is not None  # authorize() with user=True guarantees a user
    return me


def verify_credentials(ctx: Context, req: Request) -> Response:
    me = _me(ctx, req, "read:accounts", "profile")
    return Response.json(credential_account_json(ctx.state, me))


def lookup(ctx: Context, req: Request) -> Response:
    # Public; a token, if sent, must be valid and carry read:accounts (authorize_if_got_token!).
    authorize(ctx.state, req, "read:accounts", required=False)
    account = ctx.state.find_acct(req.param("acct") or "")  # never WebFinger: known accounts only
    if account is None:
        raise ApiError(404, NOT_FOUND)
    return Response.json(account_json(ctx.state, account))


def show(ctx: Context, req: Request, id: str) -> Response:
    authorize(ctx.state, req, "read:accounts", required=False)
    return Response.json(account_json(ctx.state, _account(ctx, id)))


def _graph_page(ctx: Context, req: Request, id: str, rows_of: str) -> Response:
    token = authorize(ctx.state, req, "read:accounts", required=False)
    account = _account(ctx, id)
    me = current_account(ctx.state, token)
    limit = limit_param(req, 40, 80)
    hidden = account.hide_collections and (me is None or me.id != account.id)
    if account.suspended or hidden:
        return Response.json([])  # the owner hides their network: an empty list, not an error
    if rows_of == "following":
        rows = ctx.state.outgoing(account.id, ctx.state.follows)
    else:
        rows = ctx.state.incoming(account.id, ctx.state.follows)
    page = paginate(rows, req, limit)
    ids = [f.target_id if rows_of == "following" else f.account_id for f in page]
    body = [account_json(ctx.state, ctx.state.accounts[i]) for i in ids]
    link = link_header(req, page, limit)
    return Response.json(body, headers=[("Link", link)] if link else None)


def following(ctx: Context, req: Request, id: str) -> Response:
    return _graph_page(ctx, req, id, "following")


def followers(ctx: Context, req: Request, id: str) -> Response:
    return _graph_page(ctx, req, id, "followers")


def follow_account(ctx: Context, req: Request, id: str) -> Response:
    me = _me(ctx, req, "write:follows")
    target = _account(ctx, id)
    languages = req.params("languages") if req.has("languages") else None
    options = FollowOptions(truthy(req.param("reblogs")), truthy(req.param("notify")), languages)
    try:
        follow(ctx.state, ctx.limiter, me, target, options)
    finally:
        # override_rate_limit_headers :follow, family: :follows (applied even when the follow failed).
        req.override_window = ctx.limiter.follow_window(me.id)
    return Response.json(relationship_json(ctx.state, me, target))


def unfollow_account(ctx: Context, req: Request, id: str) -> Response:
    me = _me(ctx, req, "write:follows")
    target = _account(ctx, id)
    unfollow(ctx.state, me, target)
    return Response.json(relationship_json(ctx.state, me, target))


def relationships(ctx: Context, req: Request) -> Response:
    me = _me(ctx, req, "read:follows")
    with_suspended = truthy(req.param("with_suspended")) or False
    wanted = {i for i in req.params("id")}
    found = [a for i in wanted if (a := ctx.state.accounts.get(i)) and (with_suspended or not a.suspended)]
    # Database order, not request order: clients must match entries by `id`.
    found.sort(key=lambda a: int(a.id))
    return Response.json([relationship_json(ctx.state, me, a) for a in found])


def follow_requests(ctx: Context, req: Request) -> Response:
    me = _me(ctx, req, "read:follows")
    limit = limit_param(req, 40, 80)
    page: list[Follow] = paginate(ctx.state.incoming(me.id, ctx.state.requests), req, limit)
    body = [account_json(ctx.state, ctx.state.accounts[f.account_id]) for f in page]
    link = link_header(req, page, limit)
    return Response.json(body, headers=[("Link", link)] if link else None)


def authorize_request(ctx: Context, req: Request, id: str) -> Response:
    me = _me(ctx, req, "write:follows")
    requester = _account(ctx, id)
    if not accept(ctx.state, requester, me):
        raise ApiError(404, NOT_FOUND)
    return Response.json(relationship_json(ctx.state, me, requester))


def reject_request(ctx: Context, req: Request, id: str) -> Response:
    me = _me(ctx, req, "write:follows")
    requester = _account(ctx, id)
    if ctx.state.requests.pop((requester.id, me.id), None) is None:
        raise ApiError(404, NOT_FOUND)
    return Response.json(relationship_json(ctx.state, me, requester))
