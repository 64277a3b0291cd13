"""Sign in with Bluesky (or link it while signed in) through AT Protocol OAuth, the main path.

The person names their account (handle or DID); Envol finds its PDS and authorization server,
pushes the request (PAR), and sends the browser there to sign in and consent. The callback's
tokens are only accepted once their subject re-resolves to the same account and server.
App-password sign-in, the fallback, lives in ``bluesky_password.py``.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from envol.core.crypto import TokenKeyError, decrypt_token, encrypt_token
from envol.core.ids import Platform
from envol.platforms.bluesky import oauth
from envol.platforms.bluesky.identity import IdentityMismatch, InvalidIdentifier, UnknownDid, UnknownHandle
from envol.platforms.errors import AuthExpired, NotFound, PlatformError, Rejected
from envol.platforms.http import SafeHttp, UnsafeHost
from envol.registry.bluesky_tokens import revoke_quietly, store_oauth
from envol.registry.linking import ProvenIdentity
from envol.registry.models import Account, BlueskyAuth
from envol.registry.session import current_person
from envol.signin.bluesky_client import ClientUnavailable, client_keys, oauth_client
from envol.signin.flow import back_to_start, blocks_granted, finish_proof, foreign_answer, not_started_here

FLOW_KEY = "envol_bluesky_flow"


def bluesky_down() -> str:
    return _("Bluesky is not answering right now. Please try again in a few minutes.")


def identity_error(error: PlatformError, written: str) -> str:
    """What went wrong finding the account, in plain words (shared with the app-password form)."""
    shown = {"written": written.strip()[:100]}
    if isinstance(error, InvalidIdentifier):
        return _("“%(written)s” is not a Bluesky handle. Write it like alice.bsky.social.") % shown
    if isinstance(error, UnknownHandle):
        return _("No Bluesky account has the handle “%(written)s”. Check the spelling.") % shown
    if isinstance(error, UnknownDid | NotFound):
        return _("No Bluesky account answers to “%(written)s”: it is unknown or was deleted.") % shown
    if isinstance(error, IdentityMismatch):
        return (
            _(
                "The handle “%(written)s” does not lead back to its account (Bluesky would show it "
                "as invalid). Sign in with your DID instead, or fix the handle in Bluesky's settings."
            )
            % shown
        )
    if isinstance(error, UnsafeHost):
        return _("Envol may not contact the server of this account.")
    if isinstance(error, Rejected):
        return _("The Bluesky server of this account refused Envol's sign-in request.")
    return bluesky_down()


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    written = request.POST.get("identifier", "")
    try:
        client = oauth_client(request)
    except ClientUnavailable:
        messages.error(request, _("Sign-in with Bluesky through OAuth is not configured on this instance."))
        return back_to_start(request)
    try:
        with SafeHttp() as http:
            # `blocks`: sent from the blocks page, to ask for block records too (decision 0026).
            url, pending = oauth.start(client, written, http, blocks=request.POST.get("blocks") == "1")
    except PlatformError as error:
        messages.error(request, identity_error(error, written))
        return back_to_start(request)
    # The pending request holds the DPoP private key: encrypted like tokens, even in the session.
    request.session[FLOW_KEY] = {
        "pending": encrypt_token(json.dumps(pending.to_dict())),
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uri,
        "blocks": "1" if request.POST.get("blocks") == "1" else "",
    }
    return HttpResponseRedirect(url)


def _client_from_flow(flow: dict[str, str]) -> oauth.OAuthClient:
    keys = () if flow["client_id"].startswith("http://localhost?") else client_keys()
    return oauth.OAuthClient(client_id=flow["client_id"], redirect_uri=flow["redirect_uri"], keys=keys)


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    flow = request.session.pop(FLOW_KEY, None)  # single use: a replayed callback finds nothing
    try:
        pending = oauth.PendingAuthorization.from_dict(json.loads(decrypt_token(flow["pending"])))
        client = _client_from_flow(flow)
    except (TypeError, KeyError, ValueError, TokenKeyError):
        messages.error(request, not_started_here())
        return back_to_start(request)
    params = request.GET.dict()
    try:
        with SafeHttp() as http:
            tokens = oauth.finish(client, params, pending, http)
    except oauth.CallbackRefused as refused:
        if refused.error == "access_denied":
            messages.error(request, _("You cancelled the sign-in on Bluesky. Nothing was linked."))
        else:
            messages.error(request, _("Your Bluesky server refused the sign-in. Please start again."))
        return back_to_start(request)
    except IdentityMismatch:
        text = _(
            "The account you confirmed on Bluesky is not the one you asked for, or it has moved "
            "to another server meanwhile. Nothing was linked: please start again."
        )
        messages.error(request, text)
        return back_to_start(request)
    except Rejected:
        messages.error(request, foreign_answer())
        return back_to_start(request)
    except AuthExpired:
        messages.error(request, _("The sign-in took too long on Bluesky's side. Please start again."))
        return back_to_start(request)
    except PlatformError:
        messages.error(request, bluesky_down())
        return back_to_start(request)
    response = _record(request, tokens, client, blocks=bool(flow.get("blocks")))
    return blocks_granted(request, response) if flow.get("blocks") else response


def _record(
    request: HttpRequest, tokens: oauth.TokenSet, client: oauth.OAuthClient, *, blocks: bool = False
) -> HttpResponse:
    """Prove the account and keep its grant, in one transaction; a refused proof gives it back."""
    proven = ProvenIdentity(
        Platform.BLUESKY,
        tokens.did,
        tokens.handle or tokens.did,
        access_token=tokens.access_token,
        token_scope=tokens.scope,
    )
    with transaction.atomic():
        response = finish_proof(request, proven, blocks=blocks)
        person = current_person(request)
        account = Account.objects.filter(platform=Platform.BLUESKY, stable_id=tokens.did).first()
        if account is not None and person is not None and account.person_id == person.pk:
            store_oauth(account, tokens, client.client_id)
            return response
    refused = Account(platform=Platform.BLUESKY, stable_id=tokens.did, auth_kind=BlueskyAuth.OAUTH,
                      refresh_token=tokens.refresh_token, access_token=tokens.access_token,
                      dpop_key=tokens.dpop_key, auth_issuer=tokens.issuer,
                      auth_client_id=client.client_id)  # fmt: skip
    with SafeHttp() as http:
        revoke_quietly(refused, http)  # never recorded: the grant must not outlive this request
    return response
