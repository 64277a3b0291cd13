"""Sign in with X (or link X while signed in): the person proves their X id, nothing else is kept."""

from __future__ import annotations

import hmac

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from envol.core.config import CONFIG
from envol.core.ids import Platform
from envol.platforms.errors import AuthExpired, PlatformError, Rejected
from envol.platforms.http import SafeHttp
from envol.platforms.x import XOAuthConfig, finish_authorization, read_callback, start_authorization
from envol.registry.linking import ProvenIdentity
from envol.signin.flow import back_to_start, callback_url, finish_proof, foreign_answer, not_started_here

FLOW_KEY = "envol_x_flow"


def x_config(request: HttpRequest) -> XOAuthConfig | None:
    """Read at each request, so the operator (or a test) can change it without restarting."""
    client_id = CONFIG.x_client_id
    if not client_id:
        return None
    return XOAuthConfig(
        client_id=client_id,
        client_secret=CONFIG.x_client_secret,
        redirect_uri=callback_url(request, "x_callback"),
        authorize_url=CONFIG.x_authorize_url,
        token_url=CONFIG.x_token_url,
        api_base_url=CONFIG.x_api_url,
        revoke_url=CONFIG.x_revoke_url,
    )


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    config = x_config(request)
    if config is None:
        messages.error(request, _("Sign-in with X is not configured on this instance."))
        return back_to_start(request)
    url, state, verifier = start_authorization(config)
    request.session[FLOW_KEY] = {"state": state, "verifier": verifier}
    return HttpResponseRedirect(url)


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    flow = request.session.pop(FLOW_KEY, None)  # single use: a replayed callback finds nothing
    config = x_config(request)
    params = request.GET.dict()
    if not isinstance(flow, dict) or config is None:
        messages.error(request, not_started_here())
        return back_to_start(request)
    try:
        code = read_callback(params, expected_state=flow["state"])
        with SafeHttp() as http:
            identity = finish_authorization(config, code=code, code_verifier=flow["verifier"], http=http)
    except Rejected:
        state_ok = hmac.compare_digest(params.get("state", "").encode(), str(flow["state"]).encode())
        if not state_ok:
            text = foreign_answer()
        elif params.get("error") == "access_denied":
            text = _("You cancelled the sign-in on X. Nothing was linked.")
        else:
            text = _("X refused the sign-in. Please start again.")
        messages.error(request, text)
        return back_to_start(request)
    except AuthExpired:
        messages.error(request, _("The sign-in took too long on X's side. Please start again."))
        return back_to_start(request)
    except PlatformError:  # Transient, RateLimited, a network fault: all mean "later"
        messages.error(request, _("X is not answering right now. Please try again in a few minutes."))
        return back_to_start(request)
    return finish_proof(
        request, ProvenIdentity(Platform.X, str(identity.x_id), identity.username, identity.name)
    )
