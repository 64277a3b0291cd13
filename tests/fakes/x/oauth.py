"""The OAuth 2.0 endpoints: GET/POST /i/oauth2/authorize, POST /2/oauth2/token, POST /2/oauth2/revoke.

Error bodies copy what X answers: `{"error": "invalid_request", "error_description": "Value passed
for the authorization code was invalid."}`, also for an expired or replayed code (X does not use
`invalid_grant` there), and 401 `unauthorized_client` when a confidential client's Basic auth is
missing or wrong.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from fakes.mastodon.server import Request, Response

from . import pages
from .pkce import verifier_matches
from .state import AccessToken, AuthCode

if TYPE_CHECKING:
    from .instance import FakeX

# The scopes X's OAuth 2.0 knows (a subset is enough: an unknown scope is refused).
KNOWN_SCOPES = frozenset(
    [
        "tweet.read",
        "tweet.write",
        "tweet.moderate.write",
        "users.read",
        "users.email",
        "follows.read",
        "follows.write",
        "offline.access",
        "space.read",
        "mute.read",
        "mute.write",
        "like.read",
        "like.write",
        "list.read",
        "list.write",
        "block.read",
        "block.write",
        "bookmark.read",
        "bookmark.write",
        "media.write",
        "dm.read",
        "dm.write",
    ]
)
_AUTHORIZE_FIELDS = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
]


def _oauth_error(status: int, error: str, description: str) -> Response:
    return Response.json({"error": error, "error_description": description}, status)


def _redirect_with(redirect_uri: str, params: dict[str, str]) -> Response:
    separator = "&" if "?" in redirect_uri else "?"
    return Response.redirect(f"{redirect_uri}{separator}{urlencode(params)}")


def _check_authorize(x: FakeX, request: Request) -> tuple[Response | None, dict[str, str]]:
    """Validate an authorize request (GET query or POSTed consent form): (error response, fields)."""
    fields = {name: request.param(name) or "" for name in _AUTHORIZE_FIELDS}
    app = x.app
    # Unknown client or a callback that is not the registered one: never redirect (RFC 6749 §4.1.2.1).
    if fields["client_id"] != app.client_id:
        return Response.html(pages.error("Unknown client.", "invalid_client"), 400), fields
    if fields["redirect_uri"] != app.redirect_uri:
        return Response.html(pages.error("Callback URL mismatch.", "invalid_request"), 400), fields
    problem = ""
    if fields["response_type"] != "code":
        problem = "unsupported_response_type"
    elif not fields["state"] or len(fields["state"]) > 500:
        problem = "invalid_request"  # X requires state (up to 500 characters)
    elif not fields["code_challenge"] or fields["code_challenge_method"] not in ("S256", "plain"):
        problem = "invalid_request"  # PKCE is mandatory on X
    else:
        scopes = fields["scope"].split()
        if not scopes or not set(scopes) <= KNOWN_SCOPES:
            problem = "invalid_scope"
    if problem:
        return _redirect_with(app.redirect_uri, {"error": problem, "state": fields["state"]}), fields
    return None, fields


def authorize_page(x: FakeX, request: Request) -> Response:
    failure, fields = _check_authorize(x, request)
    if failure is not None:
        return failure
    user = x.signed_in_user()
    if user is None:
        return Response.html(pages.not_signed_in())
    return Response.html(pages.consent(fields["client_id"], user.username, fields["scope"].split(), fields))


def authorize_decision(x: FakeX, request: Request) -> Response:
    failure, fields = _check_authorize(x, request)
    if failure is not None:
        return failure
    user = x.signed_in_user()
    if user is None:
        return Response.html(pages.not_signed_in(), 401)
    if request.param("decision") != "allow":
        return _redirect_with(fields["redirect_uri"], {"error": "access_denied", "state": fields["state"]})
    code = AuthCode(
        code=secrets.token_urlsafe(32),
        user_id=user.id,
        redirect_uri=fields["redirect_uri"],
        scopes=tuple(fields["scope"].split()),
        challenge=fields["code_challenge"],
        method=fields["code_challenge_method"],
        expires_at=x.clock() + x.code_lifetime,
    )
    with x.store.lock:
        x.store.codes[code.code] = code
    return _redirect_with(fields["redirect_uri"], {"state": fields["state"], "code": code.code})


def _client_authenticated(x: FakeX, request: Request) -> bool:
    """Confidential clients must send Basic client_id:client_secret; public ones send client_id."""
    app = x.app
    if app.client_secret is None:
        return request.param("client_id") == app.client_id
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return False
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    client_id, _, secret = decoded.partition(":")
    return client_id == app.client_id and hmac.compare_digest(secret, app.client_secret)


def token(x: FakeX, request: Request) -> Response:
    if not _client_authenticated(x, request):
        return _oauth_error(401, "unauthorized_client", "Missing valid authorization header")
    for name in ("grant_type", "code", "redirect_uri", "code_verifier"):
        if not request.param(name):
            return _oauth_error(400, "invalid_request", f"Missing required parameter [{name}].")
    if request.param("grant_type") != "authorization_code":
        return _oauth_error(400, "invalid_request", "Value passed for the grant type was invalid.")
    with x.store.lock:
        code = x.store.codes.get(request.param("code") or "")
        if code is None or code.used or code.expires_at <= x.clock():
            if code is not None and code.used and code.token in x.store.tokens:
                x.store.tokens[code.token].revoked = True  # a replayed code voids what it bought
            return _oauth_error(
                400, "invalid_request", "Value passed for the authorization code was invalid."
            )
        # Any attempt consumes the code, right or wrong: a guessed verifier gets a single try.
        code.used = True
        if request.param("redirect_uri") != code.redirect_uri:
            return _oauth_error(
                400,
                "invalid_request",
                "Value passed for the redirect uri did not match the uri of the authorization code.",
            )
        if not verifier_matches(request.param("code_verifier") or "", code.challenge, code.method):
            return _oauth_error(
                400, "invalid_request", "Value passed for the code verifier did not match the code challenge."
            )
        issued = AccessToken(
            token=secrets.token_urlsafe(40),
            user_id=code.user_id,
            scopes=code.scopes,
            expires_at=x.clock() + x.token_lifetime,
        )
        x.store.tokens[issued.token] = issued
        code.token = issued.token
    body: dict[str, object] = {
        "token_type": "bearer",
        "expires_in": int(x.token_lifetime),
        "access_token": issued.token,
        "scope": " ".join(issued.scopes),
    }
    if "offline.access" in issued.scopes:
        body["refresh_token"] = secrets.token_urlsafe(40)  # never honoured: Envol must not ask for it
    return Response.json(body)


def revoke(x: FakeX, request: Request) -> Response:
    if not _client_authenticated(x, request):
        return _oauth_error(401, "unauthorized_client", "Missing valid authorization header")
    value = request.param("token")
    if not value:
        return _oauth_error(400, "invalid_request", "Missing required parameter [token].")
    with x.store.lock:
        found = x.store.tokens.get(value)
        if found is not None:
            found.revoked = True
        x.store.revoked.append(value)
    # RFC 7009 §2.2: an unknown token is not an error. X answers {"revoked": true} either way.
    return Response.json({"revoked": True})
