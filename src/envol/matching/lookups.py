"""Background checks of candidate targets: profiles, availability, Bridgy Fed copies.

Run by tasks, never while a page is served; each run takes a bounded batch of what is due, so a
large community is worked through over several runs. Results are cached (`TargetProfile`,
`BridgeLookup`) and reach the candidate rows through the refresh of the target persons concerned.

Targets that are gone (deleted, suspended) are re-checked with a doubling back-off, and after
`MAX_FAILURES` consecutive checks only once a year: never retried forever.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from envol.addresses.bridgy import BridgeDomains, to_bridgy_bluesky, to_bridgy_mastodon
from envol.addresses.syntax import MastodonAddress
from envol.core.config import CONFIG
from envol.core.ids import Platform
from envol.matching.models import BridgeLookup, Candidate, TargetProfile, Unavailable
from envol.platforms import webfinger
from envol.platforms.bluesky import appview
from envol.platforms.errors import PlatformError, RateLimited
from envol.platforms.http import HttpClient, SafeHttp
from envol.platforms.mastodon import accounts as mastodon_accounts
from envol.platforms.sandbox import world
from envol.registry.mastodon_apps import instance_url_overrides
from envol.registry.models import Account, Verification

logger = logging.getLogger("envol.matching")

BATCH = 100
MAX_FAILURES = 6
FIRST_BACKOFF = timedelta(days=1)
RETRY_AFTER_FAULT = timedelta(hours=1)


def bridges() -> BridgeDomains:
    return BridgeDomains(bluesky=CONFIG.bridgy_bluesky_domain, fediverse=CONFIG.bridgy_fediverse_domain)


def _bridge_urls() -> dict[str, str]:
    return dict(CONFIG.bridgy_urls)


def backoff(failures: int) -> timedelta:
    """1, 2, 4, 8, 16, 32 days; then a year."""
    return FIRST_BACKOFF * 2 ** (failures - 1) if failures <= MAX_FAILURES else timedelta(days=365)


def _targets(platform: Platform) -> Q:
    # The sandbox's simulated accounts (decision 0024) have no server to ask.
    return (
        Q(platform=platform, verification=Verification.VERIFIED)
        & Q(Exists(Candidate.objects.filter(target_account_id=OuterRef("pk"))))
        & ~Q(stable_id__contains=world.SIMULATED_MARK)
    )


# ---------------------------------------------------------------- Mastodon profiles and availability


def _due_profiles(platform: Platform, now: datetime) -> list[Account]:
    fresh = TargetProfile.objects.filter(
        network=platform.value, address=OuterRef("stable_id"), next_check_at__gt=now
    )
    return list(Account.objects.filter(_targets(platform)).filter(~Exists(fresh)).order_by("pk")[:BATCH])


def _record(account: Account, now: datetime, **fields: object) -> bool:
    """Store what was learnt; True when the availability changed (the candidates must follow)."""
    profile, _ = TargetProfile.objects.get_or_create(
        network=account.platform, address=account.stable_id, defaults={"account": account}
    )
    profile.account = account
    before = (profile.state, profile.moved_to)
    for name, value in fields.items():
        setattr(profile, name, value)
    if (profile.state, profile.moved_to) != before:
        profile.state_since = now if profile.state else None
    profile.checked_at = now
    profile.save()
    return (profile.state, profile.moved_to) != before


def _gone(account: Account, state: Unavailable, now: datetime) -> bool:
    failures = (TargetProfile.objects.filter(network=account.platform, address=account.stable_id)
                .values_list("failures", flat=True).first() or 0) + 1  # fmt: skip
    return _record(
        account, now, state=state.value, moved_to="", failures=failures, next_check_at=now + backoff(failures)
    )


def check_mastodon(http: HttpClient, *, now: datetime | None = None) -> set[int]:
    """Look up a batch of Mastodon targets on their own instance; the target persons whose state changed."""
    now = now or timezone.now()
    overrides = instance_url_overrides()
    cache = timedelta(hours=CONFIG.profile_cache_hours)
    changed: set[int] = set()
    for account in _due_profiles(Platform.MASTODON, now):
        domain = account.handle.rpartition("@")[2]
        base = overrides.get(domain, f"https://{domain}")
        try:
            found = mastodon_accounts.lookup(base, account.handle, home_domain=domain, http=http)
        except PlatformError as error:
            retry = error.retry_at if isinstance(error, RateLimited) else now + RETRY_AFTER_FAULT
            TargetProfile.objects.update_or_create(
                network=account.platform, address=account.stable_id,
                defaults={"next_check_at": retry, "account": account},
            )  # fmt: skip
            # Never the handle: it is a third party's address (core/logs.py).
            logger.info(
                "mastodon lookup failed", extra={"error": type(error).__name__, "status": error.status}
            )
            continue
        if found is None:
            gone = _gone(account, Unavailable.DELETED, now)
        elif found.suspended:
            gone = _gone(account, Unavailable.SUSPENDED, now)
        else:
            image = _image(found.avatar_url, http) if found.avatar_url else None
            state = Unavailable.MOVED if found.moved_to else Unavailable.NONE
            gone = _record(account, now, state=state.value, moved_to=found.moved_to or "", failures=0,
                           display_name=found.display_name[:255], avatar_url=found.avatar_url[:1024],
                           avatar=image[0] if image else None, avatar_type=image[1] if image else "",
                           next_check_at=now + cache)  # fmt: skip
        if gone:
            changed.add(account.person_id)
    return changed


def _image(url: str, http: HttpClient) -> tuple[bytes, str] | None:
    try:
        return mastodon_accounts.fetch_image(url, http=http)
    except PlatformError:
        return None


def _bluesky_image(url: str, http: HttpClient) -> tuple[bytes, str] | None:
    try:
        return appview.fetch_avatar(url, http=http)
    except PlatformError:
        return None


# ---------------------------------------------------------------- Bluesky profiles (AppView)


def record_bluesky_profiles(
    profiles: list[appview.Profile], asked: list[Account], http: HttpClient, *, now: datetime | None = None
) -> set[int]:
    """Store AppView answers for `asked` accounts: names, avatars, the impersonation label; an account
    the AppView left out is deactivated or deleted. Returns the target persons whose state changed."""
    now = now or timezone.now()
    cache = timedelta(hours=CONFIG.profile_cache_hours)
    by_did = {p.did: p for p in profiles}
    changed: set[int] = set()
    for account in asked:
        profile = by_did.get(account.stable_id)
        if profile is None:
            gone = _gone(account, Unavailable.DEACTIVATED, now)
        else:
            state = (
                Unavailable.IMPERSONATION if profile.has_label("impersonation", now=now) else Unavailable.NONE
            )
            image = _bluesky_image(profile.avatar_url, http) if profile.avatar_url else None
            avatar_url = (profile.avatar_url or "")[:1024]
            gone = _record(account, now, state=state.value, moved_to="", failures=0,
                           display_name=profile.display_name[:255], avatar_url=avatar_url,
                           avatar=image[0] if image else None, avatar_type=image[1] if image else "",
                           next_check_at=now + cache)  # fmt: skip
        if gone:
            changed.add(account.person_id)
    return changed


def due_bluesky(now: datetime | None = None) -> list[Account]:
    return _due_profiles(Platform.BLUESKY, now or timezone.now())


def check_bluesky(http: HttpClient, *, now: datetime | None = None) -> set[int]:
    """Read a batch of Bluesky targets' profiles from the AppView (25 per call)."""
    now = now or timezone.now()
    asked = due_bluesky(now)
    if not asked:
        return set()
    try:
        profiles = list(appview.iter_profiles(http, [a.stable_id for a in asked]))
    except PlatformError as error:
        retry = error.retry_at if isinstance(error, RateLimited) else now + RETRY_AFTER_FAULT
        for account in asked:
            TargetProfile.objects.update_or_create(
                network=account.platform, address=account.stable_id,
                defaults={"next_check_at": retry, "account": account},
            )  # fmt: skip
        logger.info("AppView profiles failed: %s", error)
        return set()
    return record_bluesky_profiles(profiles, asked, http, now=now)


def due_mastodon(now: datetime | None = None) -> list[Account]:
    return _due_profiles(Platform.MASTODON, now or timezone.now())


def due_bridges(now: datetime | None = None) -> list[Account]:
    return _due_bridges(now or timezone.now())


# ---------------------------------------------------------------- Bridgy Fed


@dataclass(frozen=True, slots=True)
class BridgeCheck:
    account: Account
    bridged_address: str
    ask: Callable[[HttpClient], bool]


def _bridge_check(account: Account, domains: BridgeDomains, urls: dict[str, str]) -> BridgeCheck | None:
    try:
        if account.platform == Platform.BLUESKY:
            acct = to_bridgy_mastodon(account.handle, bridges=domains)
            base = urls.get(domains.bluesky, f"https://{domains.bluesky}")
            return BridgeCheck(account, acct, lambda http: webfinger.account_exists(http, base, acct))
        user, _, domain = account.handle.partition("@")
        address = MastodonAddress.build(user, domain)
        if address is None:
            return None
        handle = to_bridgy_bluesky(address, bridges=domains)
    except ValueError:
        return None  # a name the bridge cannot carry: nothing to ask
    # Production: https://<handle>/.well-known/atproto-did. A configured URL (tests, closed
    # networks) serves every handle of the domain under <URL>/<handle>/.well-known/atproto-did.
    override = urls.get(domains.fediverse)
    url = (
        f"{override}/{handle}/.well-known/atproto-did"
        if override
        else f"https://{handle}/.well-known/atproto-did"
    )
    return BridgeCheck(account, handle, lambda http: webfinger.handle_did(http, url) is not None)


def _due_bridges(now: datetime) -> list[Account]:
    """Verified Bluesky/Mastodon targets whose person has no verified account on the other network,
    not looked up yet or whose answer expired."""
    networks = [Platform.BLUESKY, Platform.MASTODON]
    other_network = Account.objects.filter(
        person_id=OuterRef("person_id"), verification=Verification.VERIFIED, platform__in=networks
    ).exclude(platform=OuterRef("platform"))
    fresh = BridgeLookup.objects.filter(
        network=OuterRef("platform"), stable_id=OuterRef("stable_id"), expires_at__gt=now
    )
    targets = Account.objects.filter(_targets(Platform.BLUESKY) | _targets(Platform.MASTODON))
    return list(targets.filter(~Exists(other_network), ~Exists(fresh)).order_by("pk")[:BATCH])


def check_bridges(http: HttpClient, *, now: datetime | None = None) -> set[int]:
    """Ask the bridge about a batch of accounts; the target persons whose bridged copy appeared or went."""
    now = now or timezone.now()
    domains, urls = bridges(), _bridge_urls()
    expiry = timedelta(hours=CONFIG.bridgy_cache_hours)
    changed: set[int] = set()
    for account in _due_bridges(now):
        check = _bridge_check(account, domains, urls)
        if check is None:
            continue
        try:
            found = check.ask(http)
        except PlatformError as error:
            logger.info("bridge lookup failed", extra={"error": type(error).__name__, "status": error.status})
            # Asked again in an hour (or when the platform says); what was known stays meanwhile.
            retry = error.retry_at if isinstance(error, RateLimited) else now + RETRY_AFTER_FAULT
            BridgeLookup.objects.update_or_create(
                network=account.platform, stable_id=account.stable_id,
                defaults={"expires_at": retry},
                create_defaults={"bridged_address": check.bridged_address, "found": False, "checked_at": now,
                                 "expires_at": retry},
            )  # fmt: skip
            continue
        before = BridgeLookup.objects.filter(network=account.platform, stable_id=account.stable_id).first()
        BridgeLookup.objects.update_or_create(
            network=account.platform, stable_id=account.stable_id,
            defaults={"bridged_address": check.bridged_address, "found": found, "checked_at": now,
                      "expires_at": now + expiry},
        )  # fmt: skip
        was = (before.found, before.bridged_address) if before else (False, check.bridged_address)
        if was != (found, check.bridged_address):
            changed.add(account.person_id)
    return changed


def check_batch() -> set[int]:
    """One batch of every check (the check_targets task): the persons whose candidates changed."""
    with SafeHttp() as http:
        return check_mastodon(http) | check_bluesky(http) | check_bridges(http)


def any_due() -> bool:
    return bool(due_mastodon() or due_bluesky() or due_bridges())
