"""Planning reads candidates, so a target's choice and X blocks decide automatic follows too: a
follow that is no longer allowed is withdrawn before it is sent (decision 0019)."""

from __future__ import annotations

from pathlib import Path

import pytest

from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.matching.materialise import refresh_everyone
from envol.reconnect.models import FollowTask
from envol.reconnect.plan import plan_for_persons
from envol.reconnect.service import choose
from envol.registry.models import Findable, Person

from .conftest import account, states

pytestmark = pytest.mark.django_db


def _person(x_id: int) -> Person:
    person = Person.objects.create(findable_by="everyone")
    account(person, Platform.X, str(x_id), f"x{x_id}", x_key=pseudonymizer().key(x_id))
    account(person, Platform.BLUESKY, f"did:plc:p{x_id}", f"p{x_id}.test")
    return person


def _share(tmp_path: Path, owner: int, **lists: object) -> None:
    path = tmp_path / f"{owner}.zip"
    archive = write_synthetic_archive(path, owner_id=owner, handle=f"x{owner}", **lists)  # type: ignore[arg-type]
    ingest(archive.path, honour_blocks=True)


def test_choices_and_blocks_withdraw_unsent_follows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVOL_RECONNECT_FROM", "2026-01-01")
    alice, bob, _carol = _person(1), _person(2), _person(3)
    _share(tmp_path, 1, following=[2, 3])
    refresh_everyone(notify=False)
    source = alice.accounts.get(platform=Platform.BLUESKY)
    choose(source, "followees", "auto")
    assert states(source) == {"ready": 2}
    # Bob now lets nobody find him; Carol's own archive says she blocked Alice.
    Person.objects.filter(pk=bob.pk).update(findable_by=Findable.NOBODY)
    _share(tmp_path, 3, blocking=[1])
    refresh_everyone(notify=False)
    plan_for_persons([alice.pk])
    assert states(source) == {"skipped": 2}
    assert set(FollowTask.objects.values_list("reason", flat=True)) == {"not_chosen"}
