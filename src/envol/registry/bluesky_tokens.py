"""A Bluesky account's stored authorisation (OAuth grant or app-password session): kept encrypted,
refreshed before it runs out, turned into the ``Credentials`` the connector uses, and given up
(``needs_reauth``) when the server refuses it.

Refresh tokens are single-use on AT Protocol servers (a replayed one is refused and may end the
whole session), so a refresh holds the account's row lock: two workers never spend the same one.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction

from envol.core.ids import Platform
from envol.platforms.bluesky.auth import Credentials
from envol.platforms.bluesky.oauth import OAuthClient, OAuthCredentials, TokenSet
from envol.platforms.bluesky.oauth import refresh as oauth_refresh
from envol.platforms.bluesky.oauth import revoke as oauth_revoke
from envol.platforms.bluesky.oauth.jose import EcKey
from envol.platforms.bluesky.password import PasswordCredentials
from envol.platforms.bluesky.session_claims import expires_at
from envol.platforms.errors import AuthExpired, PlatformError
from envol.platforms.http import HttpClient
from envol.registry.linking import mark_needs_reauth
from envol.registry.models import Account, BlueskyAuth

# Refresh when less than this is left: a batch of writes started now must not outlive its token.
REFRESH_MARGIN = timedelta(minutes=5)


def store_oauth(account: Account, tokens: TokenSet, client_id: str) -> None:
    """Keep a fresh OAuth grant on the account (the caller holds the row or just created it)."""
    account.auth_kind = BlueskyAuth.OAUTH
    account.access_token = tokens.access_token
    account.refresh_token = tokens.refresh_token
    account.dpop_key = tokens.dpop_key
    account.token_scope = tokens.scope
    account.token_expires_at = tokens.expires_at
    account.pds_url = tokens.pds_url
    account.auth_issuer = tokens.issuer
    account.auth_client_id = client_id
    account.save(
        update_fields=[
            "auth_kind", "access_token", "refresh_token", "dpop_key", "token_scope",
            "token_expires_at", "pds_url", "auth_issuer", "auth_client_id",
        ]
    )  # fmt: skip


def store_password_session(account: Account, session: PasswordCredentials) -> None:
    """Keep an app-password session (never the password: it was used once, to open it)."""
    account.auth_kind = BlueskyAuth.APP_PASSWORD
    account.access_token = session.access_jwt
    account.refresh_token = session.refresh_jwt
    account.dpop_key = None
    account.token_scope = ""
    account.token_expires_at = expires_at(session.access_jwt)
    account.pds_url = session.pds_url
    account.auth_issuer = account.auth_client_id = ""
    account.save(
        update_fields=[
            "auth_kind", "access_token", "refresh_token", "dpop_key", "token_scope",
            "token_expires_at", "pds_url", "auth_issuer", "auth_client_id",
        ]
    )  # fmt: skip


def password_session(account: Account) -> PasswordCredentials:
    return PasswordCredentials(
        did=account.stable_id,
        handle=account.handle,
        pds_url=account.pds_url,
        access_jwt=account.access_token or "",
        refresh_jwt=account.refresh_token or "",
    )


def client_for(account: Account) -> OAuthClient:
    """The client the grant was made to, rebuilt without a request (workers refresh too)."""
    client_id = account.auth_client_id
    if client_id.startswith("http://localhost?"):
        return OAuthClient(client_id=client_id, redirect_uri="")
    keys = tuple(EcKey.from_secret(secret) for secret in settings.KEYS.bluesky_client_keys)
    return OAuthClient(client_id=client_id, redirect_uri="", keys=keys)


def token_set(account: Account) -> TokenSet:
    return TokenSet(
        did=account.stable_id,
        handle=account.handle,
        pds_url=account.pds_url,
        issuer=account.auth_issuer,
        access_token=account.access_token or "",
        refresh_token=account.refresh_token or "",
        scope=account.token_scope,
        expires_at=account.token_expires_at or datetime.now(UTC),
        dpop_key=account.dpop_key or "",
    )


def _usable(account: Account) -> bool:
    expires = account.token_expires_at
    return expires is not None and expires - datetime.now(UTC) > REFRESH_MARGIN


def credentials_for(account: Account, http: HttpClient) -> Credentials:
    """Valid credentials for the account, refreshed first when they are about to run out.

    ``AuthExpired`` when the account needs the person's consent again (it is then marked so).
    """
    if account.platform != Platform.BLUESKY or account.needs_reauth or not account.access_token:
        raise AuthExpired("this account holds no usable Bluesky authorisation")
    if not _usable(account):
        account = refresh_account(account, http)
    return _credentials(account)


def _credentials(account: Account) -> Credentials:
    if account.auth_kind == BlueskyAuth.APP_PASSWORD:
        return password_session(account)
    return OAuthCredentials(
        did=account.stable_id,
        pds_url=account.pds_url,
        access_token=account.access_token or "",
        dpop_key=account.dpop_key or "",
    )


def refresh_account(account: Account, http: HttpClient, *, force: bool = False) -> Account:
    """Spend the refresh token for new tokens, under the row lock; a refusal marks the account.

    Without ``force``, a token another worker refreshed meanwhile is taken as it is.
    """
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if locked.needs_reauth:
            raise AuthExpired(locked.reauth_reason or "the account needs a new sign-in")
        if not force and _usable(locked) and locked.access_token != account.access_token:
            return locked
        try:
            if locked.auth_kind == BlueskyAuth.APP_PASSWORD:
                store_password_session(locked, password_session(locked).refresh_session(http))
            else:
                store_oauth(
                    locked, oauth_refresh(client_for(locked), token_set(locked), http), locked.auth_client_id
                )
        except AuthExpired as refused:
            reason = f"Bluesky refused the refresh: {refused.message}"
        else:
            return locked
    # Outside the transaction: the mark must outlive the error that is raised next.
    mark_needs_reauth(account, reason)
    raise AuthExpired(reason)


def after_auth_expired(account: Account, http: HttpClient) -> Credentials:
    """The PDS refused a token that should still be valid (revoked, server restarted): one
    forced refresh; when that is refused too, the account is marked and ``AuthExpired`` raised."""
    return _credentials(refresh_account(account, http, force=True))


def revoke_quietly(account: Account, http: HttpClient) -> None:
    """Give the grant back (unlink): best effort, the row goes anyway and the grant expires on its own."""
    revoke(account, http)


def revoke(account: Account, http: HttpClient) -> bool:
    """Revoke the OAuth tokens or end the app-password session; True when the server confirmed it
    (erasure records the outcome). Nothing held counts as done."""
    if not account.refresh_token:
        return True
    try:
        if account.auth_kind == BlueskyAuth.APP_PASSWORD:
            password_session(account).delete_session(http)
        else:
            oauth_revoke(client_for(account), token_set(account), http)
    except PlatformError:
        return False
    return True


def end_session_quietly(session: PasswordCredentials, http: HttpClient) -> None:
    with contextlib.suppress(PlatformError):
        session.delete_session(http)
