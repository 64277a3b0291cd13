"""Who can find me (decision 0019): each target's choice, X blocks and mutes, and the allowance of
uncorroborated people, in the reference query and in the materialised table alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.graph.models import Direction, Edge
from envol.matching.candidates import candidates_for
from envol.matching.materialise import refresh_around, refresh_everyone
from envol.matching.models import Candidate, Disclosure
from envol.registry.findable import choose
from envol.registry.models import Findable, Person
from matching.world import V, person

pytestmark = pytest.mark.django_db


def share(
    tmp_path: Path,
    owner: int,
    *,
    followers: tuple[int, ...] | list[int] = (),
    following: tuple[int, ...] | list[int] = (),
    blocking: list[int] | None = None,
    muting: list[int] | None = None,
    honour: bool = True,
) -> None:
    """Upload an archive for the holder of X id ``owner``, honouring its blocks and mutes if asked."""
    archive = write_synthetic_archive(tmp_path / f"{owner}.zip", owner_id=owner, handle=f"u{owner}",
                                      followers=followers, following=following, blocking=blocking,
                                      muting=muting)  # fmt: skip
    ingest(archive.path, honour_blocks=honour)


def shown_to(who: Person) -> set[int]:
    """The target persons ``who`` is shown, checked to be the same in the query and in the table."""
    refresh_everyone(notify=False)
    table = set(Candidate.objects.filter(person=who).values_list("target_person_id", flat=True))
    assert table == {c.target_person_id for c in candidates_for(who.pk)}
    return table


@pytest.mark.parametrize(
    ("choice", "confirmed", "shown"),
    [
        (Findable.EVERYONE, False, True),
        (Findable.EVERYONE, True, True),
        (Findable.CONFIRMED, False, False),
        (Findable.CONFIRMED, True, True),
        (Findable.NOBODY, True, False),
        (Findable.UNCHOSEN, True, False),  # a new person who has not answered: never defaulted
    ],
)
def test_the_targets_choice_decides(tmp_path: Path, choice: Findable, confirmed: bool, shown: bool) -> None:
    alice, bob = person(1), person(2, bsky=V, masto=V)
    Person.objects.filter(pk=bob.pk).update(findable_by=choice)
    share(tmp_path, 1, following=[2])  # Alice's archive says she follows Bob
    if confirmed:
        share(tmp_path, 2, followers=[1])  # and Bob's own archive agrees
    assert shown_to(alice) == ({bob.pk} if shown else set())


def test_a_changed_choice_refreshes_the_people_concerned(
    tmp_path: Path, django_capture_on_commit_callbacks: object
) -> None:
    alice, bob = person(1), person(2, bsky=V)
    share(tmp_path, 1, following=[2])
    assert shown_to(alice) == {bob.pk}
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        choose(bob, Findable.NOBODY)
    queued = DBTaskResult.objects.filter(task_path="envol.matching.tasks.refresh_persons")
    assert [task.args_kwargs["args"] for task in queued] == [[[bob.pk]]]
    refresh_around({bob.pk}, notify=False)  # what that task does
    assert not Candidate.objects.filter(target_person=bob).exists()
    with pytest.raises(ValueError, match="a choice must be one of"):
        choose(bob, Findable.UNCHOSEN)


def test_blocks_keep_both_sides_apart_and_mutes_hide_the_muted(tmp_path: Path) -> None:
    alice, bob, carol = person(1, bsky=V), person(2, bsky=V), person(3, bsky=V)
    # Bob blocked Alice on X; Alice muted Carol but still follows her; Carol follows Alice.
    share(tmp_path, 1, following=[2, 3], muting=[3])
    share(tmp_path, 2, following=[1, 3], blocking=[1])
    share(tmp_path, 3, following=[1])
    assert Edge.objects.filter(direction=Direction.BLOCKED).count() == 1
    assert shown_to(alice) == set()  # Bob blocked her; she muted Carol
    assert shown_to(bob) == {carol.pk}  # never Alice, whom he blocked
    assert shown_to(carol) == {alice.pk, bob.pk}  # a mute hides only the muted from the muter


def test_blocks_are_read_only_when_the_person_asks(tmp_path: Path) -> None:
    alice, bob = person(1, bsky=V), person(2, bsky=V)
    share(tmp_path, 2, following=[1], blocking=[1], honour=False)
    share(tmp_path, 1, following=[2])
    assert not Edge.objects.filter(direction__in=[Direction.BLOCKED, Direction.MUTED]).exists()
    assert shown_to(alice) == {bob.pk}


def test_the_allowance_of_uncorroborated_people_is_for_life(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVOL_MATCHING_UNCORROBORATED_LIMIT", "2")
    alice = person(1)
    others = {x: person(x, bsky=V) for x in (2, 3, 4, 5, 6)}
    share(tmp_path, 6, followers=[1])  # 6's own archive says Alice follows them: corroborated
    share(tmp_path, 1, following=[2, 3, 4, 5, 6])
    assert shown_to(alice) == {others[2].pk, others[3].pk, others[6].pk}  # lowest person ids first
    assert set(Disclosure.objects.values_list("target_person_id", flat=True)) == {others[2].pk, others[3].pk}
    # Another list does not buy a fresh allowance: a forger learns nothing more by re-uploading.
    share(tmp_path, 1, following=[4, 5])
    assert shown_to(alice) == {others[6].pk}  # still corroborated by 6's own archive
    # A person who joins later is counted against the same allowance, incrementally too.
    share(tmp_path, 1, following=[2, 7])
    newcomer = person(7, bsky=V)
    refresh_around({newcomer.pk}, notify=False)
    assert not Candidate.objects.filter(person=alice, target_person=newcomer).exists()
    assert shown_to(alice) == {others[2].pk, others[6].pk}


def test_erasing_either_person_forgets_the_disclosure(tmp_path: Path) -> None:
    alice, bob = person(1), person(2, bsky=V)
    share(tmp_path, 1, following=[2])
    shown_to(alice)
    assert Disclosure.objects.count() == 1
    bob.delete()
    assert Disclosure.objects.count() == 0
