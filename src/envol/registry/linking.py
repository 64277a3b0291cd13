"""Sign in, link and unlink proven accounts: the registry's trust rules, each in one transaction.

Rules (docs/architecture.md, "Accounts"):

- An account verified for a person signs that person in; proven while someone else is signed in,
  it is refused (`AccountTakenError`), never merged.
- A person has at most one verified account per platform (`PlatformAlreadyLinkedError`).
- A *claimed* X account (made by `envol ingest` for an archive's owner) proven by X sign-in becomes
  verified. Signed out, the prover *is* that claimed person (it has nothing verified, so nobody is
  dispossessed). Signed in, the account and its archive import move to the signed-in person; when
  both hold an import, the newer one stays (a new import replaces the previous one, as on upload).
- The last verified account of a person cannot be unlinked (`LastAccountError`).
- A Mastodon account is proven only by a server with authority over it: its actor URI's host is one
  of the names that server was shown to answer for (`authority`, from platforms/mastodon/authority.py);
  anything else is refused (`UnvouchedAccountError`) before anything is read or written.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.registry.errors import (
    AccountTakenError,
    LastAccountError,
    PlatformAlreadyLinkedError,
    UnvouchedAccountError,
)
from envol.registry.hooks import holdings
from envol.registry.models import Account, MastodonApp, Person, Verification
from envol.registry.signals import announce


@dataclass(frozen=True, slots=True)
class ProvenIdentity:
    """What a platform sign-in proved, and what may be kept of it."""

    platform: Platform
    stable_id: str  # X id, DID, actor URI
    handle: str  # X username, Bluesky handle, Mastodon `user@domain`: refreshed at every sign-in
    display_name: str = ""
    access_token: str | None = None  # None: the platform left us no token (X)
    token_scope: str = ""
    mastodon_app: MastodonApp | None = None
    # Mastodon: the names of the server that issued the token and vouched for the account.
    authority: frozenset[str] = frozenset()


class Outcome(enum.Enum):
    NEW_PERSON = "new_person"  # nobody had this account: a person was created
    SIGNED_IN = "signed_in"  # the account's person signs in
    LINKED = "linked"  # attached to the signed-in person
    CLAIM_PROVEN = "claim_proven"  # a claimed account became verified


@dataclass(frozen=True, slots=True)
class LinkResult:
    person: Person
    account: Account
    outcome: Outcome


@transaction.atomic
def prove_account(identity: ProvenIdentity, *, signed_in: Person | None) -> LinkResult:
    """Record a proven account and say which person it belongs to (the caller signs them in)."""
    if identity.platform == Platform.MASTODON:
        _refuse_unvouched(identity)
    existing = (
        Account.objects.select_for_update()
        .select_related("person")
        .filter(platform=identity.platform, stable_id=identity.stable_id)
        .first()
    )
    if existing is not None and existing.is_verified:
        if signed_in is not None and existing.person_id != signed_in.pk:
            raise AccountTakenError(identity.platform, existing.handle or identity.handle)
        _refresh(existing, identity)
        outcome = Outcome.SIGNED_IN if signed_in is None else Outcome.LINKED
        return LinkResult(existing.person, existing, outcome)
    if signed_in is not None:
        _refuse_second_account(signed_in, identity.platform)
    if existing is not None:
        person = _owner_after_proof(existing, signed_in)
        _refresh(existing, identity)
        _set_imports_verified(person, existing, verified=True)
        announce(person.pk)
        return LinkResult(person, existing, Outcome.CLAIM_PROVEN)
    person = signed_in or Person.objects.create()
    account = Account(person=person, platform=identity.platform, stable_id=identity.stable_id)
    if identity.platform == Platform.X:
        account.x_key = pseudonymizer().key(int(identity.stable_id))
    _refresh(account, identity)
    _set_imports_verified(person, account, verified=True)
    announce(person.pk)
    return LinkResult(person, account, Outcome.NEW_PERSON if signed_in is None else Outcome.LINKED)


def _refuse_unvouched(identity: ProvenIdentity) -> None:
    """The actor URI is the account's key: only a server that answers for its host may prove it."""
    host = (urlsplit(identity.stable_id).hostname or "").lower()
    if not host or host not in identity.authority:
        raise UnvouchedAccountError(identity.platform, identity.handle)


def _refuse_second_account(person: Person, platform: Platform) -> None:
    other = person.accounts.filter(platform=platform, verification=Verification.VERIFIED).first()
    if other is not None:
        raise PlatformAlreadyLinkedError(platform, other.handle)


def _owner_after_proof(claimed: Account, signed_in: Person | None) -> Person:
    """Who owns a claimed account once it is proven (see the module's rules)."""
    holder = claimed.person
    if signed_in is not None and signed_in.pk == holder.pk:
        return holder
    holder_has_verified = holder.accounts.filter(verification=Verification.VERIFIED).exists()
    if signed_in is None and not holder_has_verified:
        return holder  # the prover is the person the archive was imported for
    # A claimed account never makes anyone else's verified accounts reachable: it moves out.
    target = signed_in or Person.objects.create()
    _move_claimed(claimed, holder, target)
    return target


def _move_claimed(account: Account, source: Person, target: Person) -> None:
    for holding in holdings():  # the archive import of the account (envol.archive.ownership)
        holding.move(source, target)
    account.person = target
    account.save(update_fields=["person"])
    announce(source.pk)
    if not source.accounts.exists() and not any(holding.held_by(source) for holding in holdings()):
        source.delete()


def _refresh(account: Account, identity: ProvenIdentity) -> None:
    """Mark verified and bring what can change (handle, name, token) up to date; saves the row."""
    account.handle = identity.handle
    account.display_name = identity.display_name
    account.verification = Verification.VERIFIED
    account.verified_at = account.verified_at or timezone.now()
    account.needs_reauth, account.reauth_reason = False, ""
    if identity.access_token is not None:
        account.access_token = identity.access_token
        account.token_scope = identity.token_scope
        account.mastodon_app = identity.mastodon_app
    account.save()


def _set_imports_verified(person: Person, account: Account, *, verified: bool) -> None:
    """An import of this X account's archive is verified exactly while the X account is."""
    if account.platform == Platform.X:
        person.archive_imports.filter(owner_x_id=account.stable_id).update(owner_verified=verified)


@transaction.atomic
def unlink(person: Person, account_id: int) -> Account:
    """Remove one of the person's accounts; the returned (deleted) row still holds its token."""
    # Locking every verified account of the person serialises two unlinks racing to leave none.
    verified = list(person.accounts.select_for_update().filter(verification=Verification.VERIFIED))
    account = person.accounts.select_for_update().filter(pk=account_id).first()
    if account is None:
        raise Account.DoesNotExist(f"person {person.pk} has no account {account_id}")
    if account.is_verified and len(verified) <= 1:
        raise LastAccountError()
    _set_imports_verified(person, account, verified=False)
    account.delete()
    announce(person.pk)
    return account


def mark_needs_reauth(account: Account, reason: str) -> None:
    """The platform said the stored token no longer works (AuthExpired): ask the person to sign in again."""
    account.needs_reauth, account.reauth_reason = True, reason[:255]
    Account.objects.filter(pk=account.pk).update(needs_reauth=True, reauth_reason=account.reauth_reason)
