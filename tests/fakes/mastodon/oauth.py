"""The OAuth endpoints of methods/oauth.md, with Doorkeeper's behaviour where the docs are silent.

Errors found before the redirect_uri is trusted are shown as an HTML page; later ones are sent back to
the client's redirect_uri as `error=...&error_description=...&state=...`, as Doorkeeper does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode

from . import pages
from .apps import OOB, signed_in
from .auth import parse_scopes
from .context import Context
from .server import Request, Response
from .state import App

DESCRIPTIONS = {
    "invalid_request": "The request is missing a required parameter, includes an unsupported parameter "
    "value, or is otherwise malformed.",
    "invalid_client": "Client authentication failed due to unknown client, no client authentication "
    "included, or unsupported authentication method.",
    "invalid_redirect_uri": "The requested redirect uri is malformed or doesn't match client redirect URI.",
    "invalid_scope": "The requested scope is invalid, unknown, or malformed.",
    "invalid_grant": "The provided authorization grant is invalid, expired, revoked, does not match the "
    "redirection URI used in the authorization request, or was issued to another client.",
    "unsupported_grant_type": "The authorization grant type is not supported by the authorization server.",
    "unsupported_response_type": "The authorization server does not support this response type.",
    "access_denied": "The resource owner or authorization server denied the request.",
}


class OAuthError(Exception):
    def __init__(self, name: str, status: int = 400, description: str | None = None) -> None:
        super().__init__(name)
        self.name, self.status = name, status
        self.description = description or DESCRIPTIONS[name]

    def response(self) -> Response:
        return Response.json({"error": self.name, "error_description": self.description}, self.status)


def _missing(param: str) -> OAuthError:
    return OAuthError("invalid_request", description=f"Missing required parameter: {param}.")


def _redirect_with(uri: str, params: dict[str, str | None]) -> Response:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return Response.redirect(f"{uri}{'&' if '?' in uri else '?'}{query}")


def _refuse(redirect_uri: str, state: str | None, name: str, description: str | None = None) -> Response:
    """A redirectable error: back to the client with error/error_description/state (HTML page for oob)."""
    description = description or DESCRIPTIONS[name]
    if redirect_uri == OOB:
        return Response.html(pages.error(name, description), 400)
    return _redirect_with(redirect_uri, {"error": name, "error_description": description, "state": state})


def _pre_authorize(ctx: Context, req: Request) -> tuple[App, str, list[str]] | Response:
    """Doorkeeper's PreAuthorization checks, in its order; an error comes back as the Response to send.

    Until the client and its redirect_uri are trusted, errors are an HTML page (never a redirect).
    """
    client_id = req.param("client_id")
    app = ctx.state.apps.get(client_id) if client_id else None
    if app is None:
        error = _missing("client_id") if not client_id else OAuthError("invalid_client", 401)
        return Response.html(pages.error(error.name, error.description), 400 if not client_id else 401)
    redirect_uri = req.param("redirect_uri") or ""
    if redirect_uri not in app.redirect_uris:  # exact string match: no prefix, no normalisation
        return Response.html(pages.error("invalid_redirect_uri", DESCRIPTIONS["invalid_redirect_uri"]), 400)
    state = req.param("state")
    response_type = req.param("response_type")
    if not response_type:
        return _refuse(redirect_uri, state, "invalid_request", "Missing required parameter: response_type.")
    if response_type != "code":
        return _refuse(redirect_uri, state, "unsupported_response_type")
    scopes = parse_scopes(req.param("scope"))
    if not set(scopes) <= set(app.scopes) & ctx.config.scopes:
        return _refuse(redirect_uri, state, "invalid_scope")
    method = req.param("code_challenge_method")
    if ctx.config.uses_pkce and req.param("code_challenge") and method != "S256":
        return _refuse(redirect_uri, state, "invalid_request", "The code_challenge_method must be S256.")
    return app, redirect_uri, scopes


FORWARDED = ("client_id", "redirect_uri", "state", "response_type", "code_challenge", "code_challenge_method")


def authorize_page(ctx: Context, req: Request) -> Response:
    checked = _pre_authorize(ctx, req)
    if isinstance(checked, Response):
        return checked
    app, _, scopes = checked
    account = signed_in(ctx, req)
    if account is None:
        target = f"/oauth/authorize?{req.query_string}"
        return Response.redirect(f"/auth/sign_in?{urlencode({'return_to': target})}")
    fields = {k: v for k in FORWARDED if (v := req.param(k)) is not None}
    fields["scope"] = " ".join(scopes)
    return Response.html(pages.consent(app.name, ctx.state.full_acct(account), scopes, fields))


def authorize_decision(ctx: Context, req: Request) -> Response:
    """The consent form's POST: approve (code) or `_method=delete` / DELETE (access_denied)."""
    checked = _pre_authorize(ctx, req)
    if isinstance(checked, Response):
        return checked
    app, redirect_uri, scopes = checked
    account = signed_in(ctx, req)
    if account is None:
        return Response.redirect("/auth/sign_in")
    state = req.param("state")
    if req.method == "DELETE" or req.param("_method") == "delete":
        return _refuse(redirect_uri, state, "access_denied")
    # Before 4.3 Doorkeeper's PKCE is off: the challenge is ignored, and so is any verifier later.
    challenge = req.param("code_challenge") if ctx.config.uses_pkce else None
    expires = ctx.clock() + ctx.config.code_ttl
    code = ctx.state.add_code(
        app, account, redirect_uri, frozenset(scopes), challenge, "S256" if challenge else None, expires
    )
    if redirect_uri == OOB:
        return Response.html(pages.oob_code(code.code))
    return _redirect_with(redirect_uri, {"code": code.code, "state": state})


# -- POST /oauth/token and /oauth/revoke ------------------------------------------------------------
def _client(ctx: Context, req: Request) -> App | None:
    """client_secret_basic or client_secret_post; None when absent or wrong."""
    client_id, secret = req.param("client_id"), req.param("client_secret")
    scheme, _, value = req.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return None
    app = ctx.state.apps.get(client_id or "")
    if app is None or secret is None or not hmac.compare_digest(app.client_secret, secret):
        return None
    return app


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def token(ctx: Context, req: Request) -> Response:
    try:
        body = _grant(ctx, req)
    except OAuthError as error:
        return error.response()
    return Response.json(body, headers=[("Cache-Control", "no-store"), ("Pragma", "no-cache")])


def _grant(ctx: Context, req: Request) -> dict[str, object]:
    grant_type = req.param("grant_type")
    if not grant_type:
        raise _missing("grant_type")
    if grant_type not in ("authorization_code", "client_credentials"):
        raise OAuthError("unsupported_grant_type")  # no password grant (4.4), no refresh tokens
    app = _client(ctx, req)
    if app is None:
        raise OAuthError("invalid_client", 401)
    if grant_type == "client_credentials":
        scopes = parse_scopes(req.param("scope"))
        if not set(scopes) <= set(app.scopes) & ctx.config.scopes:
            raise OAuthError("invalid_scope")
        issued = ctx.state.add_token(app, None, frozenset(scopes))
        return _token_body(issued.value, scopes, issued.created_at)
    code_value = req.param("code")
    if not code_value:
        raise _missing("code")
    code = ctx.state.codes.get(code_value)
    if code is None or code.used or code.app_id != app.id or code.expires_at < ctx.clock():
        raise OAuthError("invalid_grant")
    redirect_uri = req.param("redirect_uri")
    if not redirect_uri:
        raise _missing("redirect_uri")
    if redirect_uri != code.redirect_uri:
        raise OAuthError("invalid_grant")
    if code.challenge is not None:
        verifier = req.param("code_verifier")
        if not verifier:
            raise _missing("code_verifier")
        if not hmac.compare_digest(_s256(verifier), code.challenge):
            raise OAuthError("invalid_grant")
    code.used = True
    account = ctx.state.accounts.get(code.account_id)
    if account is None:
        raise OAuthError("invalid_grant")
    issued = ctx.state.add_token(app, account, code.scopes)
    return _token_body(issued.value, [s for s in app.scopes if s in code.scopes], issued.created_at)


def _token_body(value: str, scopes: list[str], created_at: int) -> dict[str, object]:
    return {
        "access_token": value,
        "token_type": "Bearer",
        "scope": " ".join(scopes),
        "created_at": created_at,
    }


def revoke(ctx: Context, req: Request) -> Response:
    refusal = OAuthError("unauthorized_client", 403, "You are not authorized to revoke this token")
    app = _client(ctx, req)
    value = req.param("token")
    if app is None or not value:
        return refusal.response()
    found = ctx.state.tokens.get(value)
    if found is not None:
        if found.app_id != app.id:
            return refusal.response()
        found.revoked = True
    return Response.json({})  # idempotent; an unknown token is not an error (RFC 7009)
