"""Fixtures shared by the fake Mastodon's own tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from fakes.mastodon import FakeMastodon

if TYPE_CHECKING:
    from fakes.mastodon.fixtures import FakeMastodonFactory


@pytest.fixture
def home(fake_mastodon: FakeMastodonFactory) -> FakeMastodon:
    m = fake_mastodon("home.test")
    m.add_account("alice")
    return m


@pytest.fixture
def client(home: FakeMastodon) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=home.base_url) as c:
        yield c
