"""The sandbox's inhabitants and a newcomer's sample archive (decision 0024).

The simulated people are proven through the registry like anyone signing in, choose to be found by
everyone, and get a cached public profile (their name), so the real matching, pages and engine
treat them as any person. A newcomer gets a fresh simulated X id each time, so that every try of
the sandbox starts from nothing.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from envol.archive.synthetic import write_synthetic_archive
from envol.core.ids import Platform
from envol.matching.models import BridgeLookup, TargetProfile
from envol.platforms.sandbox import world
from envol.registry.findable import choose
from envol.registry.linking import ProvenIdentity, prove_account
from envol.registry.models import Account, Findable, Person

#: What a simulated account keeps as its token: the simulated port never reads it (a real token is
#: encrypted and read by the platforms' ports only).
SIMULATED_TOKEN = "simulated"  # noqa: S105
#: The scopes the simulated platforms grant: the narrowest Envol asks of the real ones.
SCOPES = {
    Platform.BLUESKY: "atproto repo:app.bsky.graph.follow",
    Platform.MASTODON: "read:accounts read:follows write:follows",
}
#: Never looked up again: nothing answers at sandbox.invalid.
PROFILE_KEPT = timedelta(days=3650)


def identity(platform: Platform, nick: str, name: str, *, x_number: int) -> ProvenIdentity:
    """What a simulated sign-in proves: the same shape as a real platform's answer, with the
    narrowest scopes Envol asks of the real ones (the accounts page says them in words)."""
    if platform == Platform.X:
        return ProvenIdentity(Platform.X, str(x_number), nick, name)
    if platform == Platform.BLUESKY:
        handle = world.bluesky_handle(nick)
        return ProvenIdentity(platform, world.bluesky_did(nick), handle, name, access_token=SIMULATED_TOKEN,
                              token_scope=SCOPES[platform])  # fmt: skip
    return ProvenIdentity(
        platform, world.mastodon_actor(nick), world.mastodon_handle(nick), name,
        access_token=SIMULATED_TOKEN, token_scope=SCOPES[platform],
        authority=frozenset({world.MASTODON_HOST}),
    )  # fmt: skip


def populate() -> int:
    """Create the simulated people once (later calls find them, and give back their names, which
    the retention job prunes while no list names them); returns how many were made."""
    made = 0
    for simulated in world.PEOPLE:
        x_number = world.x_id(simulated.number)
        if Account.objects.filter(platform=Platform.X, stable_id=str(x_number)).exists():
            for platform, present in (
                (Platform.BLUESKY, simulated.bluesky),
                (Platform.MASTODON, simulated.mastodon),
            ):
                if present:
                    known(platform, world.address(platform, simulated.nick), simulated.name)
            continue
        with transaction.atomic():
            person = prove_account(
                identity(Platform.X, simulated.nick, simulated.name, x_number=x_number), signed_in=None
            ).person
            for platform, present in (
                (Platform.BLUESKY, simulated.bluesky),
                (Platform.MASTODON, simulated.mastodon),
            ):
                if present:
                    prove_account(identity(platform, simulated.nick, simulated.name, x_number=x_number),
                                  signed_in=person)  # fmt: skip
                    known(platform, world.address(platform, simulated.nick), simulated.name)
            choose(person, Findable.EVERYONE)
        made += 1
    return made


def known(platform: Platform, address: str, name: str) -> None:
    """What the background lookups would learn, answered in advance: nothing at sandbox.invalid is
    ever asked (its name, not bridged). Tied to its account, as a looked-up profile is, so that the
    retention job keeps it while the account exists."""
    now = timezone.now()
    account = Account.objects.filter(platform=platform, stable_id=address).first()
    TargetProfile.objects.update_or_create(
        network=platform, address=address,
        defaults={"display_name": name, "account": account, "checked_at": now,
                  "next_check_at": now + PROFILE_KEPT},
    )  # fmt: skip
    BridgeLookup.objects.update_or_create(
        network=platform, stable_id=address,
        defaults={"bridged_address": "", "found": False, "checked_at": now, "expires_at": now + PROFILE_KEPT},
    )  # fmt: skip


def newcomer_number() -> int:
    return world.NEWCOMER_BASE + secrets.randbelow(900_000) + 100_000


def newcomer_nick(person: Person) -> tuple[str, int] | None:
    """The signed-in newcomer's simulated X account: (nick, X id); None when they have none."""
    account = person.accounts.filter(platform=Platform.X).first()
    if account is None or not world.is_simulated(Platform.X, account.stable_id):
        return None
    return account.handle, int(account.stable_id)


def write_sample_archive(path: Path, *, x_number: int, nick: str) -> Path:
    """The newcomer's X archive: the simulated people where they follow or are followed, and a few
    people who are on no network yet."""
    elsewhere = [world.x_id(1000 + n) for n in range(world.ELSEWHERE)]
    followers = [world.x_id(p.number) for p in world.PEOPLE if p.follows_you] + elsewhere[::2]
    following = [world.x_id(p.number) for p in world.PEOPLE if p.you_follow] + elsewhere[1::2]
    write_synthetic_archive(
        path, owner_id=x_number, handle=nick, display_name=nick, followers=followers, following=following,
        email="you@sandbox.invalid",
    )  # fmt: skip
    return path
