"""The "Your accounts" page: what the person has proven, what each grant lets Envol do, linking
another account (the platform flows beside this) and unlinking."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from envol.core.ids import Platform
from envol.platforms.http import SafeHttp
from envol.platforms.mastodon import covers_blocks
from envol.reconnect.journey import journey_for
from envol.reconnect.service import made_and_waiting
from envol.registry.bluesky_tokens import revoke_quietly as bluesky_revoke_quietly
from envol.registry.errors import LastAccountError
from envol.registry.labels import PLATFORM_NAMES, account_label, shown_handle
from envol.registry.linking import unlink as unlink_account
from envol.registry.mastodon_apps import revoke_quietly
from envol.registry.models import Account, BlueskyAuth, Person, Verification
from envol.registry.session import person_required
from envol.signin.findable import OPTIONS
from envol.signin.views import x_configured


@dataclass(frozen=True, slots=True)
class AccountRow:
    account: Account
    platform: str
    handle: str
    verified: bool
    powers: list[str]  # what Envol may do with it, in plain words
    can_unlink: bool = True  # false for the last verified account: unlinking it would be refused


def mastodon_powers(scope: str) -> list[str]:
    """The granted scope in plain words. `read`/`write` and the deprecated `follow` include the
    narrower scopes (Mastodon's scope hierarchy)."""
    granted = set(scope.split())
    powers = []
    if granted & {"read", "read:follows", "follow"}:
        powers.append(_("see which accounts you follow"))
    if granted & {"write", "write:follows", "follow"}:
        powers.append(_("follow accounts for you, and stop following them when you undo"))
    if granted & {"read", "read:search"}:
        powers.append(_("look accounts up through your instance"))
    if covers_blocks(scope):
        powers.append(
            _("block and mute accounts for you: only the people you blocked or muted on X, if you ask")
        )
    return powers


def bluesky_powers(account: Account) -> list[str]:
    """What the Bluesky grant allows, in plain words."""
    if account.auth_kind == BlueskyAuth.APP_PASSWORD:
        return [
            _(
                "act on your account like a Bluesky app would (not your direct messages nor your "
                "settings); Envol only follows accounts for you and undoes those follows"
            )
        ]
    granted = set(account.token_scope.split())
    if "repo:app.bsky.graph.follow" in granted:
        return [_("follow accounts for you, and stop following them when you undo; nothing else")]
    if "transition:generic" in granted:
        return [
            _(
                "act on your account like a Bluesky app would (not your direct messages); "
                "Envol only follows accounts for you and undoes those follows"
            )
        ]
    return []


def _row(account: Account, verified_count: int = 2) -> AccountRow:
    platform = Platform(account.platform)
    if platform == Platform.X:
        powers = [_("nothing: Envol only learned your X id and handle, and gave X's key back at once")]
    elif platform == Platform.MASTODON:
        powers = mastodon_powers(account.token_scope) if account.access_token else []
    else:
        powers = bluesky_powers(account) if account.access_token else []
    verified = account.verification == Verification.VERIFIED
    return AccountRow(account, PLATFORM_NAMES[platform], shown_handle(platform, account.handle),
                      verified, powers, can_unlink=not (verified and verified_count <= 1))  # fmt: skip


def findable_label(person: Person) -> str:
    """The person's choice in words (what the page pre-selects is not a choice: "not chosen yet")."""
    for option, label, _help in OPTIONS:
        if option.value == person.findable_by:
            return str(label)
    return _("Not chosen yet: nobody finds you")


@person_required
def accounts(request: HttpRequest, person: Person) -> HttpResponse:
    accounts = list(person.accounts.order_by("platform", "pk"))
    verified_count = sum(a.verification == Verification.VERIFIED for a in accounts)
    rows = [_row(a, verified_count) for a in accounts]
    linked = {row.account.platform for row in rows if row.verified}
    context = {
        "page": "accounts",
        "rows": rows,
        "x_configured": x_configured(),
        "can_link_x": Platform.X.value not in linked,
        "can_link_mastodon": Platform.MASTODON.value not in linked,
        "can_link_bluesky": Platform.BLUESKY.value not in linked,
        "findable_label": findable_label(person),
        "journey": journey_for(person.pk),
    }
    return render(request, "signin/accounts.html", context)


@person_required
def unlink(request: HttpRequest, person: Person, account_id: int) -> HttpResponse:
    """GET: what unlinking this account changes, and a button; POST: the unlink itself."""
    if request.method != "POST":
        return _confirm_unlink(request, person, account_id)
    try:
        account = unlink_account(person, account_id)
    except Account.DoesNotExist as missing:
        raise Http404 from missing
    except LastAccountError:
        text = _(
            "This is the only account you sign in with, so it cannot be unlinked: "
            "you could never sign in again."
        )
        messages.error(request, text)
        return redirect("accounts")
    if account.platform == Platform.MASTODON:
        with SafeHttp() as http:
            revoke_quietly(account, http)  # the instance forgets Envol's key too
    elif account.platform == Platform.BLUESKY:
        with SafeHttp() as http:
            bluesky_revoke_quietly(account, http)  # the grant or app-password session ends too
    messages.success(request, _("%(account)s is no longer linked.") % {"account": account_label(account)})
    return redirect("accounts")


def _confirm_unlink(request: HttpRequest, person: Person, account_id: int) -> HttpResponse:
    account = person.accounts.filter(pk=account_id).first()
    if account is None:
        raise Http404
    verified = person.accounts.filter(verification=Verification.VERIFIED).count()
    if account.verification == Verification.VERIFIED and verified <= 1:
        return redirect("accounts")  # the page explains why this one stays; nothing to confirm
    follows, waiting = made_and_waiting(account)
    context = {
        "page": "accounts",
        "account": account,
        "label": account_label(account),
        "is_x": account.platform == Platform.X,
        "follows": follows,
        "waiting": waiting,
    }
    return render(request, "signin/unlink.html", context)
