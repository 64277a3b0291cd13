"""Small hand-made and random worlds for matching tests: persons, accounts, archives."""

from __future__ import annotations

import random
from pathlib import Path

from envol.archive.models import ArchiveImport
from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.registry.models import Account, Person, Verification

V, C = Verification.VERIFIED, Verification.CLAIMED


def account(person: Person, platform: Platform, stable_id: str, verification: Verification = V,
            handle: str | None = None) -> Account:  # fmt: skip
    x_key = pseudonymizer().key(int(stable_id)) if platform == Platform.X else None
    if handle is None:
        handle = f"u{stable_id.rsplit('/', 1)[-1]}@m.test" if platform == Platform.MASTODON else stable_id
    return Account.objects.create(person=person, platform=platform, stable_id=stable_id, handle=handle,
                                  verification=verification, x_key=x_key)  # fmt: skip


def person(x_id: int | None, x: Verification = V, *, bsky: Verification | None = None,
           masto: Verification | None = None) -> Person:  # fmt: skip
    who = Person.objects.create(findable_by="everyone")
    if x_id is not None:
        account(who, Platform.X, str(x_id), x)
    if bsky is not None:
        account(who, Platform.BLUESKY, f"did:plc:p{who.pk}", bsky, handle=f"p{who.pk}.bsky.test")
    if masto is not None:
        account(who, Platform.MASTODON, f"https://m.test/users/p{who.pk}", masto)
    return who


def upload(tmp_path: Path, owner: int, followers: list[int], following: list[int], **extra: object) -> int:
    """Ingest an archive as `envol ingest` does: attributed to whoever holds the owner's X account."""
    archive = write_synthetic_archive(tmp_path / f"{owner}.zip", owner_id=owner, handle=f"u{owner}",
                                      followers=followers, following=following, **extra)  # type: ignore[arg-type]  # fmt: skip
    return ingest(archive.path, honour_blocks=True).person_id


def random_world(tmp_path: Path, seed: int, size: int = 16) -> None:
    """Persons 1..size (some claimed, some without archive), X ids up to size+3 (a few never join);
    each with a choice of who can find them (mostly everyone), some archives with blocks and mutes."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible world, not a secret)
    ids = list(range(1, size + 4))
    for x_id in range(1, size + 1):
        x = rng.choice([V, V, V, C, None])
        if x is None:
            who = person(None)
        else:
            who = person(x_id, x)
            if rng.random() < 0.75:
                followers, following = (rng.sample(ids, rng.randint(0, 12)) for _ in range(2))
                # Some archives carry blocks and mutes (honoured), which may contradict the lists.
                safety = rng.sample(ids, 3) if rng.random() < 0.4 else None
                blocks = {"blocking": safety[:2], "muting": safety[2:]} if safety else {}
                upload(tmp_path, x_id, followers, following, **blocks)
                if rng.random() < 0.2:
                    ArchiveImport.objects.filter(person=who).update(owner_verified=False)
        for n, platform in enumerate([Platform.BLUESKY, Platform.MASTODON, Platform.MASTODON]):
            if (state := rng.choice([V, C, None])) is not None:
                where = "did:plc:" if platform == Platform.BLUESKY else "https://m.test/users/"
                account(who, platform, f"{where}{x_id}-{n}", state)
    choices = ["everyone"] * 4 + ["confirmed", "confirmed", "nobody", ""]
    for who in Person.objects.all():
        Person.objects.filter(pk=who.pk).update(findable_by=rng.choice(choices))
