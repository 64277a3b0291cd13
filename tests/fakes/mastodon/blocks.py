"""Blocks and mutes, from Mastodon's API documentation (methods/accounts: block, unblock, mute,
unmute; entities/Relationship): each answers the Relationship with the target, needs `write:blocks`
(or `write:mutes`; `follow` and `write` grant both), and is idempotent. Blocking someone also ends
the follows and follow requests between the two accounts, both ways (BlockService)."""

from __future__ import annotations

from .api import _account, _me
from .context import Context
from .entities import relationship_json
from .server import Request, Response


def _answer(
    ctx: Context, req: Request, scope: str, id: str, on: bool, kept: set[tuple[str, str]]
) -> Response:
    me = _me(ctx, req, scope)
    target = _account(ctx, id)
    pair = (me.id, target.id)
    if on:
        kept.add(pair)
    else:
        kept.discard(pair)
    return Response.json(relationship_json(ctx.state, me, target))


def block(ctx: Context, req: Request, id: str) -> Response:
    me = _me(ctx, req, "write:blocks")
    target = _account(ctx, id)
    for edges in (ctx.state.follows, ctx.state.requests):
        edges.pop((me.id, target.id), None)
        edges.pop((target.id, me.id), None)
    return _answer(ctx, req, "write:blocks", id, True, ctx.state.blocks)


def unblock(ctx: Context, req: Request, id: str) -> Response:
    return _answer(ctx, req, "write:blocks", id, False, ctx.state.blocks)


def mute(ctx: Context, req: Request, id: str) -> Response:
    return _answer(ctx, req, "write:mutes", id, True, ctx.state.mutes)


def unmute(ctx: Context, req: Request, id: str) -> Response:
    return _answer(ctx, req, "write:mutes", id, False, ctx.state.mutes)
