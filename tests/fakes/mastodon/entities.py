"""JSON entities as Mastodon renders them: Account, CredentialAccount, Relationship."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .clock import iso_milli
from .federation import RemoteProfile
from .state import Account, Follow, State


def _day(epoch: float) -> str:
    # Mastodon truncates account `created_at` to midnight since 3.x.
    midnight = datetime.fromtimestamp(epoch, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return iso_milli(midnight.timestamp())


def account_json(state: State, account: Account, *, nested: bool = False) -> dict[str, Any]:
    missing = f"https://{state.web_domain}/avatars/original/missing.png"
    header = f"https://{state.web_domain}/headers/original/missing.png"
    suspended = account.suspended
    data: dict[str, Any] = {
        "id": account.id,
        "username": account.username,
        "acct": state.acct(account),
        "display_name": "" if suspended else account.display_name,
        "locked": account.locked,
        "bot": account.bot,
        "discoverable": not suspended,
        "indexable": False,
        "group": False,
        "created_at": _day(account.created_at),
        "note": "" if suspended else account.note,
        "url": account.url,
        "uri": account.actor_uri,
        "avatar": missing,
        "avatar_static": missing,
        "header": header,
        "header_static": header,
        "followers_count": 0 if suspended else state.followers_count(account),
        "following_count": 0 if suspended else state.following_count(account),
        "statuses_count": 0,
        "last_status_at": None,
        "hide_collections": account.hide_collections,
        "noindex": False,
        "emojis": [],
        "roles": [],
        "fields": [],
    }
    if account.limited:
        data["limited"] = True  # accounts.md: an extra attribute, only on limited (silenced) accounts
    if suspended:
        data["suspended"] = True  # accounts.md: an Account with `suspended: true` since 3.3.0
    moved = state.accounts.get(account.moved_to_id or "")
    if moved is not None and not nested:
        # `moved` is the new Account itself (one level: the new account's own `moved` is not expanded).
        data["moved"] = account_json(state, moved, nested=True)
    return data


def credential_account_json(state: State, account: Account) -> dict[str, Any]:
    data = account_json(state, account)
    requests = len(state.incoming(account.id, state.requests))
    data["source"] = {
        "privacy": "public",
        "sensitive": False,
        "language": "",
        "note": account.note,
        "fields": [],
        "follow_requests_count": requests,
        "hide_collections": account.hide_collections,
        "discoverable": True,
        "indexable": False,
    }
    data["role"] = {"id": "-99", "name": "", "permissions": "0", "color": "", "highlighted": False}
    return data


def relationship_json(state: State, me: Account, target: Account) -> dict[str, Any]:
    follow: Follow | None = state.follows.get((me.id, target.id))
    request: Follow | None = state.requests.get((me.id, target.id))
    edge = follow or request
    return {
        "id": target.id,
        "following": follow is not None,
        "showing_reblogs": edge.reblogs if edge else False,
        "notifying": edge.notify if edge else False,
        "languages": edge.languages if edge else None,
        "followed_by": (target.id, me.id) in state.follows,
        "blocking": (me.id, target.id) in state.blocks,
        "blocked_by": (target.id, me.id) in state.blocks,
        "muting": (me.id, target.id) in state.mutes,
        "muting_notifications": (me.id, target.id) in state.mutes,
        "requested": request is not None,
        "requested_by": (target.id, me.id) in state.requests,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }


def remote_profile(state: State, account: Account) -> RemoteProfile:
    """What another server learns about this local account by resolving it (WebFinger + actor)."""
    moved = state.accounts.get(account.moved_to_id or "")
    return RemoteProfile(
        username=account.username,
        domain=state.domain,
        web_domain=state.web_domain,
        display_name=account.display_name,
        note=account.note,
        locked=account.locked,
        bot=account.bot,
        suspended=account.suspended,
        hide_collections=account.hide_collections,
        moved_to=state.full_acct(moved) if moved else None,
        followers_count=state.followers_count(account),
        following_count=state.following_count(account),
    )
