"""block.js and mute.js read inside Chromium: their ids leave the device only when the person ticked
the box, and the server stores what its own parser would have read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from envol.archive.synthetic import write_synthetic_archive
from envol.core.pseudonym import pseudonymizer
from envol.graph.models import Direction, Edge

from .conftest import UploadPage

pytestmark = pytest.mark.django_db(transaction=True)


def _keys(*ids: int) -> set[int]:
    return set(pseudonymizer().keys(np.array(ids, dtype=np.uint64)).tolist())


@pytest.mark.parametrize("ticked", [True, False])
def test_blocks_and_mutes_are_sent_only_when_asked(
    upload_page: Callable[..., UploadPage], tmp_path: Path, ticked: bool
) -> None:
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=4242, handle="me", followers=[2, 3],
                                      following=[4], blocking=[10**18 + 5, 6], muting=[7])  # fmt: skip
    page = upload_page(x_id=4242)
    if ticked:
        page.page.get_by_label("Honour my X blocks and mutes").check()
    page.choose(archive.path)
    kind, text = page.outcome()
    assert kind == "done", text
    assert ("Envol will honour your 2 blocks and 1 mutes" in text) == ticked
    blocked = set(Edge.objects.filter(direction=Direction.BLOCKED).values_list("x_key", flat=True))
    muted = set(Edge.objects.filter(direction=Direction.MUTED).values_list("x_key", flat=True))
    assert (blocked, muted) == ((_keys(10**18 + 5, 6), _keys(7)) if ticked else (set(), set()))
    assert set(Edge.objects.filter(direction=Direction.FOLLOWER).values_list("x_key", flat=True)) == _keys(
        2, 3
    )
