"""pytest fixtures. Enable them with `pytest_plugins = ["fakes.mastodon.fixtures"]` in the root conftest,
or import the fixtures into a test module.

    def test_follow(fake_mastodon):
        home = fake_mastodon("home.test")
        remote = fake_mastodon("remote.test")  # same federation and clock: `home` can resolve remote accts
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .clock import FakeClock
from .federation import Federation
from .instance import FakeMastodon

FakeMastodonFactory = Callable[..., FakeMastodon]


@pytest.fixture
def mastodon_clock() -> FakeClock:
    """One controllable clock for every fake instance of the test (starts 2026-11-23 10:00 UTC)."""
    return FakeClock()


@pytest.fixture
def mastodon_federation() -> Federation:
    """The registry through which fake instances of one test resolve each other's accounts."""
    return Federation()


@pytest.fixture
def fake_mastodon(
    mastodon_clock: FakeClock, mastodon_federation: Federation
) -> Iterator[FakeMastodonFactory]:
    """Factory: `fake_mastodon(domain="mastodon.test", **FakeMastodon kwargs)` -> a started instance.

    All instances share the test's clock and federation unless given their own, and are stopped at
    teardown.
    """
    started: list[FakeMastodon] = []

    def start(domain: str = "mastodon.test", **options: Any) -> FakeMastodon:
        options.setdefault("clock", mastodon_clock)
        options.setdefault("federation", mastodon_federation)
        instance = FakeMastodon(domain, **options).start()
        started.append(instance)
        return instance

    yield start
    for instance in reversed(started):
        instance.stop()
