"""The "Your accounts" page: what the person has proven, what each grant lets Envol do, linking
another account (the platform flows beside this) and unlinking."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from envol.core.ids import Platform
from envol.platforms.http import SafeHttp
from envol.registry.bluesky_tokens import revoke_quietly as bluesky_revoke_quietly
from envol.registry.errors import LastAccountError
from envol.registry.labels import PLATFORM_NAMES, account_label, shown_handle
from envol.registry.linking import unlink as unlink_account
from envol.registry.mastodon_apps import revoke_quietly
from envol.registry.models import Account, BlueskyAuth, Person, Verification
from envol.registry.session import person_required
from envol.signin.views import x_configured


@dataclass(frozen=True, slots=True)
class AccountRow:
    account: Account
    platform: str
    handle: str
    verified: bool
    powers: list[str]  # what Envol may do with it, in plain words


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


def _row(account: Account) -> AccountRow:
    platform = Platform(account.platform)
    if platform == Platform.X:
        powers = [_("nothing: Envol only learned your X id and handle, and gave X's key back at once")]
    elif platform == Platform.MASTODON:
        powers = mastodon_powers(account.token_scope) if account.access_token else []
    else:
        powers = bluesky_powers(account) if account.access_token else []
    return AccountRow(account, PLATFORM_NAMES[platform], shown_handle(platform, account.handle),
                      account.verification == Verification.VERIFIED, powers)  # fmt: skip


@person_required
def accounts(request: HttpRequest, person: Person) -> HttpResponse:
    rows = [_row(a) for a in person.accounts.order_by("platform", "pk")]
    linked = {row.account.platform for row in rows if row.verified}
    context = {
        "page": "accounts",
        "rows": rows,
        "x_configured": x_configured(),
        "can_link_x": Platform.X.value not in linked,
        "can_link_mastodon": Platform.MASTODON.value not in linked,
        "can_link_bluesky": Platform.BLUESKY.value not in linked,
    }
    return render(request, "signin/accounts.html", context)


@require_POST
@person_required
def unlink(request: HttpRequest, person: Person, account_id: int) -> HttpResponse:
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
