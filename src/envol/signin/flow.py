"""What every platform sign-in view shares: callback URLs and the end of a successful proof."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from envol.core.config import CONFIG
from envol.core.ids import Platform
from envol.platforms.bluesky import block_port as bluesky_blocks
from envol.platforms.mastodon import block_port as mastodon_blocks
from envol.reconnect import block_plan
from envol.registry.errors import AccountTakenError, PlatformAlreadyLinkedError, UnvouchedAccountError
from envol.registry.findable import needs_asking
from envol.registry.labels import PLATFORM_NAMES, shown_handle
from envol.registry.linking import Outcome, ProvenIdentity, prove_account
from envol.registry.session import current_person, sign_in


def callback_url(request: HttpRequest, name: str) -> str:
    """The absolute callback URL; behind a proxy ENVOL_PUBLIC_URL says what the world sees."""
    public = CONFIG.public_url
    path = reverse(name)
    return f"{public}{path}" if public else request.build_absolute_uri(path)


def not_started_here() -> str:
    return _("This sign-in was not started from this browser, or it was already used. Please start again.")


def foreign_answer() -> str:
    return _(
        "This sign-in answer did not come from this browser's sign-in, so it was ignored. Please start again."
    )


def back_to_start(request: HttpRequest) -> HttpResponse:
    """Where a failed or refused attempt returns: the accounts page when signed in, else sign-in."""
    return redirect("accounts" if current_person(request) is not None else "sign_in")


def finish_proof(request: HttpRequest, identity: ProvenIdentity, *, blocks: bool = False) -> HttpResponse:
    """Record the proven account, sign its person in, and say what happened (``blocks``: signed in
    again from the blocks page, so what matters is whether Envol may block now, not the link)."""
    signed_in = current_person(request)
    platform = PLATFORM_NAMES[identity.platform]
    handle = shown_handle(identity.platform, identity.handle)
    try:
        result = prove_account(identity, signed_in=signed_in)
    except AccountTakenError:
        messages.error(
            request,
            _(
                "The %(platform)s account %(handle)s is already linked to another person on Envol. "
                "Envol never merges two persons by itself: to move this account here, sign out, "
                "sign in with it, unlink it there, then link it again from here."
            )
            % {"platform": platform, "handle": handle},
        )
        return back_to_start(request)
    except UnvouchedAccountError:
        messages.error(
            request,
            _(
                "The server you signed in with does not host the %(platform)s account %(handle)s, "
                "so Envol did not sign you in and kept nothing."
            )
            % {"platform": platform, "handle": handle},
        )
        return back_to_start(request)
    except PlatformAlreadyLinkedError as error:
        messages.error(
            request,
            _(
                "You have already linked the %(platform)s account %(handle)s: "
                "unlink it first before linking another one."
            )
            % {"platform": platform, "handle": shown_handle(error.platform, error.handle)},
        )
        return back_to_start(request)
    if signed_in is None or signed_in.pk != result.person.pk:
        sign_in(request, result.person)
    if blocks:
        text = _blocks_text(identity)
    elif result.outcome in (Outcome.LINKED, Outcome.CLAIM_PROVEN) and signed_in is not None:
        text = _("Your %(platform)s account %(handle)s is linked.")
    else:
        text = _("You are signed in with your %(platform)s account %(handle)s.")
    messages.success(request, text % {"platform": platform, "handle": handle})
    # The journey asks a new person who can find them before anything else (never defaulted).
    return redirect("findable" if needs_asking(result.person) else "home")


def _blocks_text(identity: ProvenIdentity) -> str:
    """What a sign-in asked from the blocks page gave Envol (decision 0026)."""
    if identity.platform == Platform.MASTODON:
        if mastodon_blocks.may_block(identity.token_scope):
            return _("Envol may now block and mute on Mastodon as %(handle)s.")
    elif bluesky_blocks.may_block(True, identity.token_scope):
        return _("Envol may now block on Bluesky as %(handle)s.")
    return _(
        "Your %(platform)s server still did not give Envol the right to block as %(handle)s: "
        "nothing will be blocked there for now."
    )


def blocks_granted(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """After a sign-in asked from the blocks page: the blocks that failed for want of the right to
    block are tried again (when the person still wants them), and the person is back there."""
    person = current_person(request)
    if person is None:
        return response
    if block_plan.enabled(person.pk):
        block_plan.choose(person, True)
    return redirect("people_blocks")
