"""The label watch against the real local AppView: a moderation service's `spam` label on the
person's own Bluesky account pauses its follows before any is written; an unlabelled account's
counts and creation date are read from the same profile."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import pytest
from psycopg import connect, sql

from envol.platforms.bluesky.appview import get_profiles
from envol.platforms.bluesky.follow_port import BlueskyFollowPort
from envol.platforms.http import SafeHttp
from envol.reconnect.connect import ports_for
from envol.reconnect.executor import run_account
from envol.reconnect.models import AccountDrive
from support.atproto_net import AtprotoNetwork, TestAccount

from .conftest import bluesky_source, did_targets, plan_targets, records_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_hosts", "paced")]
# The labeler dev-env configures the AppView to trust (dev-env/dist/const.js EXAMPLE_LABELER).
EXAMPLE_LABELER = "did:example:labeler"


def _indexed(net: AtprotoNetwork, did: str) -> None:
    """The AppView indexes the PDS's firehose asynchronously: wait until it knows the account."""
    deadline = time.monotonic() + 30
    while not get_profiles(SafeHttp(), [did], service_url=net.appview_url):
        assert time.monotonic() < deadline, "the AppView did not index the account in time"
        time.sleep(0.2)


def _label(net: AtprotoNetwork, account: TestAccount, value: str) -> None:
    # The local AppView has no label ingester: write the row the ingester would write (as
    # tests/platforms/bluesky/test_appview.py does); the real AppView hydrates and serves it.
    schema = "appview_" + str(net.raw["pgSchema"])
    pg_url = os.environ.get("BSKY_LOCAL_PG_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    with connect(pg_url, autocommit=True) as db:
        db.execute(
            sql.SQL(
                "INSERT INTO {}.label (src, uri, cid, val, neg, cts) VALUES (%s, %s, '', %s, false, %s)"
            ).format(sql.Identifier(schema)),
            (EXAMPLE_LABELER, account.did, value, datetime.now(UTC).isoformat()),
        )


def test_a_spam_label_on_the_appview_pauses_the_account(
    atproto_network_appview: AtprotoNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = atproto_network_appview
    assert net.appview_url is not None
    monkeypatch.setenv("ENVOL_BLUESKY_APPVIEW_URL", net.appview_url)
    monkeypatch.setenv("ENVOL_RECONNECT_LIMITS", "announced")  # the local PDS has its limits off
    source, pds_account = bluesky_source(net)
    _indexed(net, pds_account.did)

    port = ports_for(source)
    assert isinstance(port, BlueskyFollowPort)
    standing = port.standing()
    port.close()
    assert standing is not None
    # A fresh account without a profile record: no creation date is given (it counts as new).
    assert (standing.labels, standing.followers, standing.following, standing.posts) == (frozenset(), 0, 0, 0)

    _label(net, pds_account, "spam")
    plan_targets(source, did_targets(30, prefix="spam"))
    assert run_account(source.pk) == "budget"
    drive = AccountDrive.objects.get(account=source)
    assert (drive.state, drive.paused_reason, drive.last_error) == ("paused", "labelled", "labelled:spam")
    assert records_of(net, pds_account) == []  # nothing was written
