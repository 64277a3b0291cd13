"""Sign in with Mastodon (or link it while signed in), on the person's own instance."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from envol.core.ids import Platform
from envol.platforms.errors import (
    AuthExpired,
    CertificateUntrusted,
    NameNotFound,
    OutOfScope,
    PlatformError,
    Rejected,
)
from envol.platforms.http import SafeHttp, UnsafeHost
from envol.platforms.mastodon import (
    ForeignIdentity,
    InstanceInfo,
    UnprovenDomain,
    authorization_url,
    code_from_callback,
    discover,
    exchange_code,
    instance_domain,
    new_pkce,
    new_state,
    verify_credentials,
)
from envol.registry.linking import ProvenIdentity
from envol.registry.mastodon_apps import (
    cached_app,
    forget_token,
    info_at,
    info_from_session,
    info_to_session,
    instance_map,
    learn_coarse_scopes,
    learned_scopes,
    registered,
)
from envol.registry.models import MastodonApp
from envol.signin.flow import (
    back_to_start,
    blocks_granted,
    callback_url,
    finish_proof,
    foreign_answer,
    not_started_here,
)

FLOW_KEY = "envol_mastodon_flow"
MAX_WRITTEN = 300  # what the person typed, kept to start again once; addresses are shorter


def instance_down() -> str:
    return _("Your instance is not answering right now. Please try again in a few minutes.")


def unreachable(error: PlatformError, domain: str) -> str:
    """Why the instance could not be reached, in plain words: the cure differs for each cause."""
    if isinstance(error, CertificateUntrusted):
        text = _(
            "Envol does not trust the security certificate of %(domain)s, so it did not connect to it. "
            "If this is your instance, tell its administrators; otherwise check the address."
        )
    elif isinstance(error, NameNotFound):
        text = _("Envol could not find %(domain)s: no server answers to this name. Please check the address.")
    else:
        return instance_down()
    return text % {"domain": domain}


def unproven_domain(error: UnprovenDomain) -> str:
    text = _(
        "%(server)s says its accounts are on %(claimed)s, but %(claimed)s does not point back to it. "
        "Envol did not sign you in. If this is your instance, tell its administrators."
    )
    return text % {"server": error.contacted, "claimed": error.claimed}


def foreign_identity(error: ForeignIdentity) -> str:
    text = _(
        "%(server)s answered with an account it does not host (%(account)s), so Envol did not sign "
        "you in and kept nothing of this answer. Sign in on the instance where your account lives."
    )
    return text % {"server": error.server, "account": error.account}


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    # `blocks`: sent from the blocks page, to ask also for the right to block and mute (decision 0026).
    return _begin(request, request.POST.get("instance", ""), blocks=request.POST.get("blocks") == "1")


def _begin(
    request: HttpRequest, written: str, *, retried: bool = False, learned: str = "", blocks: bool = False
) -> HttpResponse:
    redirect_uri = callback_url(request, "mastodon_callback")
    try:
        domain = instance_domain(written)
        with SafeHttp() as http:
            info = discover(written, http, instances=instance_map())
            if not info.speaks_mastodon_api:
                text = _("%(domain)s does not run Mastodon or a server compatible with it.")
                messages.error(request, text % {"domain": domain})
                return back_to_start(request)
            app = cached_app(info, redirect_uri=redirect_uri, http=http, learned=learned, blocks=blocks)
    except UnsafeHost:
        messages.error(request, _("Envol may not contact that address."))
        return back_to_start(request)
    except UnprovenDomain as error:
        messages.error(request, unproven_domain(error))
        return back_to_start(request)
    except Rejected:
        text = _(
            "“%(written)s” is not a Mastodon address or instance. "
            "Write it like @you@mastodon.social or mastodon.social."
        )
        messages.error(request, text % {"written": written[:100]})
        return back_to_start(request)
    except PlatformError as error:
        messages.error(request, unreachable(error, domain))
        return back_to_start(request)
    return HttpResponseRedirect(_consent_url(request, info, app, written, retried=retried, blocks=blocks))


def _consent_url(
    request: HttpRequest,
    info: InstanceInfo,
    app: MastodonApp,
    written: str,
    *,
    retried: bool = False,
    rescoped: bool = False,
    blocks: bool = False,
) -> str:
    """The instance's consent page for `app`, with this browser's state and PKCE kept in the session.

    `retried` and `rescoped` say which second chance this flow already had (a forgotten app, refused
    scopes): each is given once, so a person is never sent round in a loop.
    """
    state, pkce = new_state(), new_pkce()
    request.session[FLOW_KEY] = {
        "state": state,
        "verifier": pkce.verifier,
        "app_id": app.pk,
        "info": info_to_session(info),
        "written": written[:MAX_WRITTEN],
        "retried": retried,
        "rescoped": rescoped,
        "blocks": blocks,
    }
    return authorization_url(
        info,
        registered(app),
        redirect_uri=app.redirect_uri,
        state=state,
        code_challenge=pkce.challenge,
        blocks=blocks,
    )


def scopes_refused() -> str:
    return _(
        "Your instance does not accept the permissions Envol needs, even the broader ones, so Envol "
        "did not sign you in. Please tell its administrators."
    )


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    flow = request.session.pop(FLOW_KEY, None)  # single use
    app_id = flow.get("app_id") if isinstance(flow, dict) else None
    app = MastodonApp.objects.filter(pk=app_id).first() if isinstance(app_id, int) else None
    if not isinstance(flow, dict) or app is None:
        messages.error(request, not_started_here())
        return back_to_start(request)
    # Everything from here on goes to the address the app was registered at, and only there.
    params, info = request.GET.dict(), info_at(app, info_from_session(flow["info"]))
    try:
        code = code_from_callback(params, expected_state=flow["state"])
    except Rejected:
        if params.get("state") != flow["state"]:
            text = foreign_answer()
        elif params.get("error") == "access_denied":
            text = _("You cancelled the sign-in on your instance. Nothing was linked.")
        else:
            text = _("Your instance refused the sign-in. Please start again.")
        messages.error(request, text)
        return back_to_start(request)
    try:
        with SafeHttp() as http:
            try:
                token = exchange_code(
                    info,
                    registered(app),
                    code=code,
                    code_verifier=flow["verifier"],
                    redirect_uri=app.redirect_uri,
                    http=http,
                )
            except AuthExpired:
                # 401 invalid_client: the instance no longer knows Envol's app (Mastodon once
                # vacuumed unused apps). Forget it and start over once, registering afresh.
                # The app is the one registered at the address that answered: no other is touched.
                learned = learned_scopes(app)  # what the instance honours outlives the registration
                app.delete()
                if flow.get("retried"):
                    raise
                written = str(flow.get("written") or info.domain)
                return _begin(
                    request, written, retried=True, learned=learned, blocks=bool(flow.get("blocks"))
                )
            try:
                identity = verify_credentials(info, token, http, instances=instance_map())
            except OutOfScope:
                # Granted, then refused (Takahē honours only `read`/`write`): learn it for the
                # instance and ask the person once more, on a page that says why. Once only.
                forget_token(app, info, token, http)
                coarse = None if flow.get("rescoped") else learn_coarse_scopes(app, info, http)
                if coarse is None:
                    raise
                return _consent_again(request, info, coarse, flow)
    except OutOfScope:
        messages.error(request, scopes_refused())
        return back_to_start(request)
    except ForeignIdentity as error:
        messages.error(request, foreign_identity(error))
        return back_to_start(request)
    except Rejected:
        messages.error(request, _("Your instance refused the sign-in. Please start again."))
        return back_to_start(request)
    except PlatformError as error:
        messages.error(request, unreachable(error, info.domain))
        return back_to_start(request)
    proven = ProvenIdentity(
        Platform.MASTODON,
        identity.actor_uri,
        identity.acct,
        identity.display_name,
        access_token=token.access_token,
        token_scope=token.scope,
        mastodon_app=app,
        authority=identity.vouched_by,
    )
    response = finish_proof(request, proven, blocks=bool(flow.get("blocks")))
    if flow.get("blocks"):
        # Signed in again to let Envol block: what failed for want of it is tried now.
        return blocks_granted(request, response)
    return response


def _consent_again(
    request: HttpRequest, info: InstanceInfo, app: MastodonApp, flow: dict[str, object]
) -> HttpResponse:
    """The page explaining why the instance asks for consent a second time, with one button to it."""
    written = str(flow.get("written") or info.domain)
    url = _consent_url(
        request,
        info,
        app,
        written,
        retried=bool(flow.get("retried")),
        rescoped=True,
        blocks=bool(flow.get("blocks")),
    )
    context = {"consent_url": url, "instance": info.domain}
    return render(request, "signin/mastodon_again.html", context)
