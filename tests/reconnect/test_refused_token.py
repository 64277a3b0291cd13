"""A Bluesky token refused before its time gets the one forced refresh decision 0004 promises
(`registry.bluesky_tokens.after_auth_expired`) before the account is marked as needing a sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from envol.reconnect.executor import run_account
from envol.registry.models import Account
from support.atproto_net import AtprotoNetwork

from .conftest import CallLog, bluesky_source, did_targets, plan_targets, states

pytestmark = pytest.mark.django_db(transaction=True)

REFRESH = "/xrpc/com.atproto.server.refreshSession"


def _refuse_access_token(source: Account) -> None:
    """The PDS no longer accepts the stored access token although it has an hour to run (a PDS
    restarted with new keys, a revoked session): only the refresh token still works."""
    source.access_token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJub2JvZHkifQ.cmVmdXNlZA"
    source.token_expires_at = timezone.now() + timedelta(hours=1)
    source.save(update_fields=["access_token", "token_expires_at"])


def test_a_refused_token_is_refreshed_once_and_the_run_goes_on(
    pds_entryway: AtprotoNetwork, call_log: CallLog
) -> None:
    source, _ = bluesky_source(pds_entryway)
    plan_targets(source, did_targets(3, "refused"))
    _refuse_access_token(source)

    assert run_account(source.pk) == "idle"

    assert states(source) == {"done": 3}
    assert len(call_log.paths(REFRESH)) == 1
    source.refresh_from_db()
    assert not source.needs_reauth


def test_a_refused_refresh_marks_the_account_after_one_attempt(
    pds_entryway: AtprotoNetwork, call_log: CallLog
) -> None:
    source, _ = bluesky_source(pds_entryway)
    plan_targets(source, did_targets(3, "refused-twice"))
    _refuse_access_token(source)
    source.refresh_token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJub2JvZHkifQ.cmVmdXNlZA"
    source.save(update_fields=["refresh_token"])

    assert run_account(source.pk) == "waiting_auth"

    assert states(source) == {"waiting_auth": 3}
    assert len(call_log.paths(REFRESH)) == 1
    source.refresh_from_db()
    assert source.needs_reauth
