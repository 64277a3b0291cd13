"""candidates_for / counts_for: the set-based query against a hand-built world and a Python reference."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from envol.archive.models import ArchiveImport
from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.core.config import CONFIG
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.graph.models import Direction, Edge
from envol.graph.partitions import PARTITION_BASE
from envol.matching.candidates import KnownAccount, candidates_for, counts_for
from envol.matching.models import Disclosure
from envol.registry.models import Account, Person, Verification
from matching.world import random_world

pytestmark = pytest.mark.django_db

V, C = Verification.VERIFIED, Verification.CLAIMED


def _account(person: Person, platform: Platform, stable_id: str, verification: Verification) -> Account:
    x_key = pseudonymizer().key(int(stable_id)) if platform == Platform.X else None
    handle = f"u{stable_id.rsplit('/', 1)[-1]}@m.test" if platform == Platform.MASTODON else stable_id
    return Account.objects.create(person=person, platform=platform, stable_id=stable_id, handle=handle,
                                  verification=verification, x_key=x_key)  # fmt: skip


def _person(x_id: int | None, x: Verification = V, *, bsky: Verification | None = None,
            masto: Verification | None = None) -> Person:  # fmt: skip
    person = Person.objects.create(findable_by="everyone")
    if x_id is not None:
        _account(person, Platform.X, str(x_id), x)
    if bsky is not None:
        _account(person, Platform.BLUESKY, f"did:plc:p{person.pk}", bsky)
    if masto is not None:
        _account(person, Platform.MASTODON, f"https://m.test/users/p{person.pk}", masto)
    return person


def _upload(tmp_path: Path, owner: int, followers: list[int], following: list[int]) -> int:
    """Ingest an archive as `envol ingest` does: attributed to whoever holds the owner's X account."""
    archive = write_synthetic_archive(tmp_path / f"{owner}.zip", owner_id=owner, handle=f"u{owner}",
                                      followers=followers, following=following)  # fmt: skip
    return ingest(archive.path).person_id


def _found(person: int) -> set[tuple[str, int, str]]:
    """(network, target person, direction) for every candidate."""

    def way(c: KnownAccount) -> str:
        return "mutual" if c.mutual else ("followee" if c.followee else "follower")

    return {(c.network.value, c.target_person_id, way(c)) for c in candidates_for(person)}


def test_a_hand_built_world(tmp_path: Path) -> None:
    alice = _person(1, bsky=V, masto=V)
    bob = _person(2, bsky=V, masto=V)  # never uploads: found through Alice's own archive (a)
    carol = _person(3, bsky=C, masto=V)  # mutual with Alice, through Alice's archive alone
    dave = _person(4, C, bsky=V)  # claimed X: never a candidate
    erin = _person(5, bsky=V, masto=C)  # never uploads: matched through Frank's archive (b)
    frank = _person(6, bsky=V)
    hank = _person(8, bsky=V)
    assert _upload(tmp_path, 1, followers=[3, 4, 1, 8], following=[2, 3, 6, 9]) == alice.pk
    assert _upload(tmp_path, 6, followers=[5, 7], following=[1, 5]) == frank.pk
    gina = Person.objects.get(pk=_upload(tmp_path, 7, followers=[1], following=[5]))  # claimed owner
    _account(gina, Platform.BLUESKY, "did:plc:gina", V)
    assert ArchiveImport.objects.filter(owner_verified=True).count() == 2

    assert _found(alice.pk) == {
        ("bluesky", bob.pk, "followee"),
        ("bluesky", frank.pk, "mutual"),  # her own "following" (a) + Frank's "following" (b)
        ("bluesky", hank.pk, "follower"),
        ("mastodon", bob.pk, "followee"),
        ("mastodon", carol.pk, "mutual"),
    }  # not Carol's claimed Bluesky, not Dave (claimed X), not Gina (claimed archive), not herself
    assert _found(erin.pk) == {("bluesky", frank.pk, "mutual")}  # Gina's claimed archive says nothing
    assert _found(frank.pk) == {
        ("bluesky", alice.pk, "mutual"),
        ("mastodon", alice.pk, "mutual"),
        ("bluesky", erin.pk, "mutual"),  # Erin's Mastodon is only claimed
    }
    # Gina's claimed X key never finds her in Frank's followers; her own archive still lists hers (a).
    assert _found(gina.pk) == {
        ("bluesky", alice.pk, "follower"),
        ("mastodon", alice.pk, "follower"),
        ("bluesky", erin.pk, "followee"),
    }
    assert _found(dave.pk) == set()
    assert _found(bob.pk) == {("bluesky", alice.pk, "follower"), ("mastodon", alice.pk, "follower")}
    assert counts_for(alice.pk) == {
        Platform.BLUESKY: {"followee_only": 1, "follower_only": 1, "mutual": 1, "total": 3},
        Platform.MASTODON: {"followee_only": 1, "follower_only": 0, "mutual": 1, "total": 2},
    }
    assert counts_for(dave.pk)[Platform.MASTODON]["total"] == 0

    # The trust flags alone hold those back: proving them lets the same rows through.
    ArchiveImport.objects.filter(person=gina).update(owner_verified=True)
    Person.objects.filter(pk=gina.pk).update(findable_by="everyone")  # she chose, on signing in
    Account.objects.filter(person=dave, platform=Platform.X).update(verification=V)
    assert ("bluesky", gina.pk, "followee") in _found(alice.pk)
    assert ("bluesky", dave.pk, "follower") in _found(alice.pk)


def test_candidate_fields_and_one_query(tmp_path: Path) -> None:
    alice = _person(1)
    bob = _person(2, bsky=V, masto=V)
    _upload(tmp_path, 1, followers=[], following=[2])
    with CaptureQueriesContext(connection) as queries:
        found = candidates_for(alice.pk)
    assert len(queries) == 1
    accounts = {a.platform: a for a in Account.objects.filter(person=bob)}
    assert found == [
        KnownAccount(bob.pk, Platform.BLUESKY, accounts["bluesky"].pk, f"did:plc:p{bob.pk}",
                  f"did:plc:p{bob.pk}", followee=True, follower=False),
        KnownAccount(bob.pk, Platform.MASTODON, accounts["mastodon"].pk, f"https://m.test/users/p{bob.pk}",
                  f"up{bob.pk}@m.test", followee=True, follower=False),
    ]  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        counts_for(alice.pk)
    assert len(queries) == 1
    assert candidates_for(10**9) == []


def _reference(person: int) -> set[tuple[int, str, int, bool, bool]]:
    """The rules of DESIGN §3 and decision 0019 in plain Python over every row of the world."""
    x_owner = {a.x_key: a.person_id for a in Account.objects.filter(platform=Platform.X, verification=V)}
    mine = {k for k, p in x_owner.items() if p == person}
    imports = {i.pk: (i.person_id, i.owner_verified) for i in ArchiveImport.objects.all()}
    ways: dict[int, list[bool]] = defaultdict(lambda: [False, False])
    confirmed: set[int] = set()  # their own verified list names the person
    barred: set[int] = set()  # blocked or muted by the person, or blocking them
    for import_id, direction, key in Edge.objects.values_list("archive_import_id", "direction", "x_key"):
        owner, vouched = imports[import_id]
        if owner == person and key in x_owner:  # (a)
            if direction in (Direction.BLOCKED, Direction.MUTED):
                barred.add(x_owner[key])
            else:
                ways[x_owner[key]][0 if direction == Direction.FOLLOWING else 1] = True
        if owner != person and key in mine:  # (b)
            if direction == Direction.BLOCKED:
                barred.add(owner)
            elif direction != Direction.MUTED and vouched:
                ways[owner][0 if direction == Direction.FOLLOWER else 1] = True
                confirmed.add(owner)
    ways.pop(person, None)
    choice = dict(Person.objects.values_list("pk", "findable_by"))
    allowed = {
        t
        for t in ways
        if t not in barred and (choice[t] == "everyone" or (choice[t] == "confirmed" and t in confirmed))
    }
    networks = [Platform.BLUESKY, Platform.MASTODON]
    targets = Account.objects.filter(person__in=allowed, verification=V, platform__in=networks)
    shown_somewhere = {t.person_id for t in targets}
    disclosed = set(Disclosure.objects.filter(person_id=person).values_list("target_person_id", flat=True))
    room = max(0, CONFIG.matching_uncorroborated_limit - len(disclosed))
    fresh = sorted(t for t in allowed - confirmed - disclosed if t in shown_somewhere)[:room]
    shown = (allowed & (confirmed | disclosed)) | set(fresh)
    return {(t.person_id, t.platform, t.pk, *ways[t.person_id]) for t in targets if t.person_id in shown}  # type: ignore[misc]


@pytest.mark.parametrize(
    ("seed", "own_partitions"), [(seed, False) for seed in range(1, 9)] + [(seed, True) for seed in (1, 2, 3)]
)
def test_the_query_agrees_with_a_python_reference(
    tmp_path: Path, seed: int, own_partitions: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if own_partitions:  # on PostgreSQL, every import in a partition of its own (graph.partitions)
        monkeypatch.setenv("ENVOL_EDGE_PARTITION_MIN_EDGES", "1")
    random_world(tmp_path, seed)  # persons 1..16 (some claimed, some without archive); 17..19 never join
    assert Edge.objects.exists()
    big = ArchiveImport.objects.filter(pk__gte=PARTITION_BASE).count()
    with_edges = ArchiveImport.objects.exclude(followers_count=0, following_count=0).count()
    assert big == (with_edges if own_partitions and connection.vendor == "postgresql" else 0)
    seen: set[str] = set()
    for person in Person.objects.values_list("pk", flat=True):
        found = candidates_for(person)
        got = {(c.target_person_id, c.network.value, c.account_id, c.followee, c.follower) for c in found}
        assert got == _reference(person), person
        assert len(found) == len(got)
        seen |= {"mutual" if c.mutual else "followee" if c.followee else "follower" for c in found}
        counts = counts_for(person)
        for network, bucket in counts.items():
            mine = [c for c in found if c.network == network]
            assert bucket["total"] == len(mine)
            assert bucket["mutual"] == sum(c.mutual for c in mine)
            assert bucket["followee_only"] == sum(c.followee and not c.follower for c in mine)
            assert bucket["follower_only"] == sum(c.follower and not c.followee for c in mine)
    assert seen == {"mutual", "followee", "follower"}  # the world is not trivial
