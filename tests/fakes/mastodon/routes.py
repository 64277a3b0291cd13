"""Route table and the request pipeline: rate limits (rack-attack runs before routing), handler, headers."""

from __future__ import annotations

from . import api, apps, blocks, meta, oauth, pages, search
from .auth import peek_token
from .context import Context
from .limits import PAGING_PARAMS, Throttle, Window
from .server import ApiError, Request, Response, Router

TOO_MANY = "Too many requests"  # I18n errors.429


def build_router() -> Router:
    r = Router()
    # Specific paths before `:id` (Rails matches in declaration order too).
    r.add("GET", "/api/v1/accounts/verify_credentials", api.verify_credentials)
    r.add("GET", "/api/v1/accounts/lookup", api.lookup)
    r.add("GET", "/api/v1/accounts/relationships", api.relationships)
    r.add("GET", "/api/v1/accounts/:id", api.show)
    r.add("GET", "/api/v1/accounts/:id/following", api.following)
    r.add("GET", "/api/v1/accounts/:id/followers", api.followers)
    r.add("POST", "/api/v1/accounts/:id/follow", api.follow_account)
    r.add("POST", "/api/v1/accounts/:id/unfollow", api.unfollow_account)
    r.add("POST", "/api/v1/accounts/:id/block", blocks.block)
    r.add("POST", "/api/v1/accounts/:id/unblock", blocks.unblock)
    r.add("POST", "/api/v1/accounts/:id/mute", blocks.mute)
    r.add("POST", "/api/v1/accounts/:id/unmute", blocks.unmute)
    r.add("GET", "/api/v1/follow_requests", api.follow_requests)
    r.add("POST", "/api/v1/follow_requests/:id/authorize", api.authorize_request)
    r.add("POST", "/api/v1/follow_requests/:id/reject", api.reject_request)
    r.add("GET", "/api/v2/search", search.search)
    r.add("POST", "/api/v1/apps", apps.create_app)
    r.add("GET", "/api/v1/instance", meta.instance_v1)
    r.add("GET", "/api/v2/instance", meta.instance_v2)
    r.add("GET", "/oauth/authorize", oauth.authorize_page)
    r.add("POST", "/oauth/authorize", oauth.authorize_decision)
    r.add("DELETE", "/oauth/authorize", oauth.authorize_decision)
    r.add("POST", "/oauth/token", oauth.token)
    r.add("POST", "/oauth/revoke", oauth.revoke)
    r.add("GET", "/auth/sign_in", apps.sign_in_page)
    r.add("POST", "/auth/sign_in", apps.sign_in)
    r.add("GET", "/.well-known/nodeinfo", meta.nodeinfo_index)
    r.add("GET", "/nodeinfo/2.0", meta.nodeinfo)
    r.add("GET", "/.well-known/webfinger", meta.webfinger)
    r.add("GET", "/.well-known/host-meta", meta.host_meta)
    r.add("GET", "/.well-known/oauth-authorization-server", meta.oauth_metadata)
    return r


def _throttles(ctx: Context, req: Request) -> list[tuple[Throttle, str]]:
    """Which rack-attack throttles count this request, and under which discriminator."""
    limits = ctx.limiter.limits
    token = peek_token(ctx.state, req)
    if token is None:
        found = [(limits.per_ip, req.client_ip)]
    else:
        found = [(limits.per_token, token.value)]
        if token.account_id is not None:
            found.append((limits.per_user, token.account_id))
    if any(name in req.query for name in PAGING_PARAMS):
        found.append((limits.paging, token.account_id if token and token.account_id else req.client_ip))
    return found


def _not_found(req: Request) -> Response:
    wants_json = "json" in req.headers.get("accept", "")
    if req.path.startswith("/api/") or wants_json:
        return Response.error(404, "Not Found")  # Rack::Utils::HTTP_STATUS_CODES[404]
    return Response.html(pages.not_found(), 404)


def dispatch(ctx: Context, router: Router, req: Request) -> Response:
    is_api = req.path.startswith("/api/")
    window: Window | None = None
    if is_api and ctx.limiter.limits.enabled:
        refused, window = ctx.limiter.hit(_throttles(ctx, req))
        if refused:
            return Response.error(429, TOO_MANY, window.headers())
    # HEAD is served by GET routes; an unknown method/path pair is an unknown route (404), as in Rails.
    matched = router.match("GET" if req.method == "HEAD" else req.method, req.path)
    if matched is None:
        response = _not_found(req)
    else:
        handler, path_params = matched
        try:
            response = handler(ctx, req, **path_params)
        except ApiError as error:
            response = error.response()
    if window is not None:
        override: Window | None = req.override_window
        # The follow family's headers win unless the generic bucket is closer to exhaustion (notes §1).
        chosen = override if override is not None and override.remaining <= window.remaining else window
        for name, value in chosen.headers():
            response.set_header(name, value)
    return response
