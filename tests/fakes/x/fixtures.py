"""pytest fixture `fake_x`: a started FakeX with one user, stopped at teardown.

Enable with `pytest_plugins = [..., "fakes.x.fixtures"]` in tests/conftest.py (or `-p fakes.x.fixtures`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .instance import FakeX


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    """A confidential-client fake X; user 1234567890123456789 (@alice_x) exists but nobody is signed in."""
    with FakeX() as x:
        x.add_user("1234567890123456789", "alice_x", "Alice")
        yield x
