"""A fabricated archive reveals nothing new (decision 0019, docs/threat-model.md, "Uploaded
archives"): a list of a million arbitrary ids plus every registered X id, uploaded by a proven
X account, learns at most the allowance of uncorroborated people, none who chose "confirmed" or
"nobody", and nothing more after another forged upload; a newsroom still finds all its real followers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.matching.candidates import candidates_for
from envol.matching.materialise import refresh_around, refresh_everyone
from envol.matching.models import Candidate
from envol.registry.models import Findable, Person
from matching.world import V, person

pytestmark = pytest.mark.django_db

LIMIT = 10
NEWSROOM, ATTACKER = 1000, 9999


def _share(tmp_path: Path, owner: int, name: str, **lists: Any) -> None:
    archive = write_synthetic_archive(tmp_path / f"{name}.zip", owner_id=owner, handle=name, **lists)
    ingest(archive.path)


def _shown(who: Person) -> set[int]:
    rows = set(Candidate.objects.filter(person=who).values_list("target_person_id", flat=True))
    assert rows == {c.target_person_id for c in candidates_for(who.pk)}  # reference and table agree
    return rows


def test_a_forged_list_of_a_million_ids_learns_at_most_the_allowance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVOL_MATCHING_UNCORROBORATED_LIMIT", str(LIMIT))
    # The registry: 30 persons on Bluesky, X ids 1..30; 20 let everyone find them, 5 only people
    # their own archive confirms, 5 nobody. Persons 1..15 follow the newsroom and shared their
    # archive; 16..20 follow it and did not share one.
    choices = [Findable.EVERYONE] * 20 + [Findable.CONFIRMED] * 5 + [Findable.NOBODY] * 5
    registry = {x: person(x, bsky=V) for x in range(1, 31)}
    for x, choice in zip(registry, choices, strict=True):
        Person.objects.filter(pk=registry[x].pk).update(findable_by=choice)
    newsroom = person(NEWSROOM, bsky=V)
    for x in range(1, 16):
        _share(tmp_path, x, f"reader{x}", following=[NEWSROOM])
    _share(tmp_path, NEWSROOM, "newsroom", followers=list(range(1, 21)))
    attacker = person(ATTACKER)

    # A forged archive: a million arbitrary ids, and every registered X id, in both lists.
    every_id = [*registry, NEWSROOM]
    _share(tmp_path, ATTACKER, "forged", followers=1_000_000, following=every_id, seed=7)
    refresh_around({attacker.pk}, notify=False)
    learned = _shown(attacker)
    assert 0 < len(learned) <= LIMIT
    hidden = {registry[x].pk for x in range(21, 31)}  # "confirmed" and "nobody"
    assert not learned & hidden

    # Another forged list, with other ids first: nothing new, the allowance is for life.
    _share(tmp_path, ATTACKER, "forged-again", following=list(reversed(every_id)), followers=[5, 6])
    refresh_everyone(notify=False)
    assert _shown(attacker) <= learned

    # The newsroom finds all twenty real followers: the fifteen who shared their archive
    # corroborate the link themselves; the five who did not fit in its allowance.
    assert _shown(newsroom) >= {registry[x].pk for x in range(1, 21)}
