"""What a server announces about its rate limits is read once, by its connector, and the engine
budgets from that reading: a 429's deadline and the bucket a response describes can never be read
two ways (issue 17: the engine read a day-long window where the connector read an hour, and kept
an eleven-day `retry-after` that the connector had bounded to two days)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from envol.reconnect import budgets
from envol.reconnect.executor import run_account
from envol.reconnect.models import AccountDrive
from support.atproto_net import AtprotoNetwork

from .conftest import bluesky_source, did_targets, plan_targets, route_through, states
from .faulty_proxy import FaultyProxy

pytestmark = pytest.mark.django_db(transaction=True)

WRITES = "/xrpc/com.atproto.repo.applyWrites"


def test_an_absurd_retry_after_is_bounded_once_for_the_connector_and_the_engine(
    atproto_network: AtprotoNetwork, private_hosts: None
) -> None:
    source, _ = bluesky_source(atproto_network)
    plan_targets(source, did_targets(5, "absurd"))
    with FaultyProxy(atproto_network.pds_url, rate=0, script={WRITES: ["429_long"]}) as proxy:
        route_through(source, proxy.url)
        assert run_account(source.pk) == "rate_limited"
    now = timezone.now()
    drive = AccountDrive.objects.get(account=source)
    assert drive.next_run_at is not None
    assert drive.next_run_at <= now + timedelta(days=2)
    # The budget the next run reads waits no longer than the run was told to.
    resumes = budgets.refill_at(budgets.BLUESKY, drive.budget, now.timestamp())
    assert resumes <= (now + timedelta(days=2)).timestamp()


def test_the_bucket_a_response_describes_is_its_first_policy(
    atproto_network: AtprotoNetwork, private_hosts: None
) -> None:
    """`5000;w=3600, 35000;w=86400`: the other headers describe the first, hourly, bucket."""
    source, _ = bluesky_source(atproto_network)
    plan_targets(source, did_targets(5, "policy"))
    reset = int((timezone.now() + timedelta(minutes=50)).timestamp())
    announced = {
        "ratelimit-limit": "5000",
        "ratelimit-remaining": "4000",
        "ratelimit-reset": str(reset),
        "ratelimit-policy": "5000;w=3600, 35000;w=86400",
    }
    with FaultyProxy(atproto_network.pds_url, rate=0, headers={WRITES: announced}) as proxy:
        route_through(source, proxy.url)
        assert run_account(source.pk) == "idle"
    assert states(source) == {"done": 5}
    hour = AccountDrive.objects.get(account=source).budget["points_hour"]
    assert (hour["used"], hour["end"], hour["limit"]) == (1000, reset, 5000)
