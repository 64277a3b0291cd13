"""Bluesky targets' names and labels from the real local AppView: an impersonation label reaches the
candidate row (never followed), an account the AppView does not know is marked deactivated."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql

from envol.core.ids import Platform
from envol.matching import lookups
from envol.matching.materialise import refresh_around, refresh_everyone
from envol.matching.models import Candidate, TargetProfile
from envol.platforms.bluesky.appview import IMPERSONATION, get_profiles
from envol.platforms.http import SafeHttp
from matching.world import V, account, person, upload
from support.atproto_net import AtprotoNetwork

pytestmark = pytest.mark.django_db
EXAMPLE_LABELER = "did:example:labeler"  # the labeler dev-env's AppView trusts


def test_appview_profiles_and_impersonation(
    tmp_path: Path, atproto_network_appview: AtprotoNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = atproto_network_appview
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
    monkeypatch.setenv("ENVOL_BLUESKY_APPVIEW_URL", net.appview_url)
    known, suspect = net.account("alice"), net.create_account()
    with httpx.Client() as http:
        deadline = time.monotonic() + 20
        while not get_profiles(http, [suspect.did], service_url=net.appview_url):
            assert time.monotonic() < deadline, "the AppView did not index the new account in time"
            time.sleep(0.1)
    schema = "appview_" + str(net.raw["pgSchema"])
    pg_url = os.environ.get("BSKY_LOCAL_PG_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    with psycopg.connect(pg_url, autocommit=True) as db:  # what the label ingester would write
        db.execute(
            sql.SQL(
                "INSERT INTO {}.label (src, uri, cid, val, neg, cts) VALUES (%s, %s, '', %s, false, %s)"
            ).format(sql.Identifier(schema)),
            (EXAMPLE_LABELER, suspect.did, IMPERSONATION, datetime.now(UTC).isoformat()),
        )
    me = person(1)
    targets = {}
    for x_id, did, handle in [(2, known.did, known.handle), (3, suspect.did, suspect.handle),
                              (4, "did:plc:neverexisted00000000000", "gone.test")]:  # fmt: skip
        targets[x_id] = person(x_id)
        account(targets[x_id], Platform.BLUESKY, did, V, handle=handle)
    upload(tmp_path, 1, followers=[], following=[2, 3, 4])
    refresh_everyone(notify=False)
    with SafeHttp() as http:
        changed = lookups.check_bluesky(http)
    assert changed == {targets[3].pk, targets[4].pk}
    refresh_around(changed, notify=False)
    states = {c.target_person_id: c.unavailable for c in Candidate.objects.filter(person=me)}
    assert states == {targets[2].pk: "", targets[3].pk: "impersonation", targets[4].pk: "deactivated"}
    assert TargetProfile.objects.get(address=known.did).checked_at is not None
