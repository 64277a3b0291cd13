"""`POST /api/v1/apps` (methods/apps.md) and the browser session used by the consent page."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from . import pages
from .auth import parse_scopes
from .context import Context
from .server import ApiError, Request, Response
from .state import Account

OOB = "urn:ietf:wg:oauth:2.0:oob"
SESSION_COOKIE = "_mastodon_session"
NOT_ABSOLUTE = "Validation failed: Redirect URI must be an absolute URI."


def _check_redirect_uri(uri: str) -> None:
    if uri == OOB:
        return
    parts = urlsplit(uri)
    if not parts.scheme or not (parts.netloc or parts.path):
        raise ApiError(422, NOT_ABSOLUTE)
    if parts.fragment:
        raise ApiError(422, "Validation failed: Redirect URI cannot contain a fragment.")


def create_app(ctx: Context, req: Request) -> Response:
    name = (req.param("client_name") or "").strip()
    if not name:
        raise ApiError(422, "Validation failed: Application name can't be blank")
    if req.is_array("redirect_uris") and not ctx.config.redirect_uris_array:
        raise ApiError(422, NOT_ABSOLUTE)  # an array of redirect_uris is understood since 4.3 only
    # A string may hold several URIs separated by whitespace/newlines (Doorkeeper's storage format).
    uris = [u for value in req.params("redirect_uris") for u in value.split()]
    if not uris:
        raise ApiError(422, "Validation failed: Redirect URI can't be blank")
    for uri in uris:
        _check_redirect_uri(uri)
    scopes = parse_scopes(req.param("scopes"))
    if not set(scopes) <= ctx.config.scopes:
        # Doorkeeper's enforce_configured_scopes: an unknown scope refuses the registration.
        raise ApiError(422, "Validation failed: Scopes doesn't match configured on the server.")
    app = ctx.state.add_app(name, req.param("website") or None, uris, scopes)
    body: dict[str, object] = {
        "id": app.id,
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes,
        "redirect_uri": "\n".join(app.redirect_uris),
        "redirect_uris": app.redirect_uris,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "vapid_key": "BFakeVapidKeyForTestsOnly=",
    }
    if ctx.config.mastodon_at_least(4, 4):
        body["client_secret_expires_at"] = 0
    return Response.json(body)


def signed_in(ctx: Context, req: Request) -> Account | None:
    """The browser's user: its session cookie, else whoever FakeMastodon.login_as() named."""
    username = ctx.sessions.get(req.cookies.get(SESSION_COOKIE, "")) or ctx.default_user
    account = ctx.state.find(username, None) if username else None
    return account if account and not account.suspended else None


def sign_in_page(ctx: Context, req: Request) -> Response:
    return Response.html(pages.sign_in(ctx.config.domain, req.param("return_to") or "/"))


def sign_in(ctx: Context, req: Request) -> Response:
    """A password-less log-in form: a test (or Playwright) types a local username."""
    return_to = req.param("return_to") or "/"
    if not return_to.startswith("/") or return_to.startswith("//"):
        return_to = "/"  # no open redirect
    account = ctx.state.find(req.param("username") or "", None)
    if account is None or account.suspended:
        return Response.html(pages.sign_in(ctx.config.domain, return_to, "Invalid login."), 401)
    session = secrets.token_urlsafe(16)
    ctx.sessions[session] = account.username
    cookie = f"{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax"
    return Response.redirect(return_to, [("Set-Cookie", cookie)])
