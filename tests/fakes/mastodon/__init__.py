"""A strict fake Mastodon server for the test suite (see docs/testing-fake-mastodon.md).

with FakeMastodon(domain="mastodon.test") as m:
    m.add_account("alice")
    token = m.issue_token("alice", "read:accounts write:follows")
    httpx.get(m.url("/api/v1/accounts/verify_credentials"), headers={"Authorization": f"Bearer {token}"})
"""

from .auth import LEGACY_SCOPES, MASTODON_SCOPES
from .clock import FakeClock, iso_micro, parse_iso
from .federation import Federation, RemoteProfile
from .hostile import FORMULA_HANDLE, Drip, Hostile, Huge
from .instance import FakeMastodon, LoggedRequest
from .limits import Limits, Throttle
from .modes import EndpointMode, Mode, WellKnownRedirect
from .worldly import AsyncAccept, FlakyLookups

__all__ = [
    "FORMULA_HANDLE",
    "LEGACY_SCOPES",
    "MASTODON_SCOPES",
    "AsyncAccept",
    "Drip",
    "EndpointMode",
    "FakeClock",
    "FakeMastodon",
    "Federation",
    "FlakyLookups",
    "Hostile",
    "Huge",
    "Limits",
    "LoggedRequest",
    "Mode",
    "RemoteProfile",
    "Throttle",
    "WellKnownRedirect",
    "iso_micro",
    "parse_iso",
]
