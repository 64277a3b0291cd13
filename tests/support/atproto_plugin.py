"""Pytest plugin: fixtures that run the real local AT Protocol network (see support.atproto_net).

Enable with ``pytest_plugins = ["support.atproto_plugin"]`` in tests/conftest.py (or ``-p
support.atproto_plugin``). Fixtures:

* ``atproto_network`` (session): PLC + PDS with alice/bob/carol/dave.test, rate limits off.
* ``atproto_network_rate_limited`` (module): a separate PDS with the production rate limits on.
* ``atproto_network_appview`` (session): PLC + PDS + the Bluesky AppView (PostgreSQL needed).
* ``atproto_network_factory`` (session): ``start(accounts=..., rate_limits=..., appview=...)`` for
  anything else; every network it started is stopped at the end of the session.

Each network starts only when a test asks for it. A missing install FAILS (never skips): the
harness is part of the project and ``make test`` installs it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Iterator

import pytest

from support.atproto_net import (
    DEFAULT_ACCOUNTS,
    DEFAULT_PASSWORD,
    AtprotoNetwork,
    HarnessNotInstalledError,
    NetworkStartError,
    start_network,
)

NetworkFactory = Callable[..., AtprotoNetwork]

_counter = itertools.count(1)


@contextlib.contextmanager
def _started(
    tmp_path_factory: pytest.TempPathFactory,
    label: str,
    *,
    accounts: tuple[str, ...] = DEFAULT_ACCOUNTS,
    password: str = DEFAULT_PASSWORD,
    rate_limits: bool = False,
    appview: bool = False,
) -> Iterator[AtprotoNetwork]:
    # Each network logs to its own file under pytest's basetemp, kept after the run for post-mortems.
    log_path = tmp_path_factory.mktemp("bsky-local") / f"{label}-{next(_counter)}.log"
    try:
        with start_network(
            accounts,
            password=password,
            rate_limits=rate_limits,
            appview=appview,
            # PostgreSQL and Redis as the machine provides them (the launcher defaults to
            # 127.0.0.1:5432 trust, database `test`, and 127.0.0.1:6379); these variables point
            # elsewhere, e.g. at throw-away servers.
            pg_url=os.environ.get("BSKY_LOCAL_PG_URL") or None,
            redis_host=os.environ.get("BSKY_LOCAL_REDIS_HOST") or None,
            log_path=log_path,
        ) as network:
            yield network
    except (HarnessNotInstalledError, NetworkStartError) as exc:
        # pytrace=False: the message already says what to do; a traceback into the harness would not.
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def atproto_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AtprotoNetwork]:
    """PLC + PDS on loopback for the whole session, with alice/bob/carol/dave.test (password
    ``password``, each with an app password). Shared: tests that write should create their own
    account with ``atproto_network.create_account()`` rather than write into alice's repo."""
    with _started(tmp_path_factory, "session", accounts=DEFAULT_ACCOUNTS) as network:
        yield network


@pytest.fixture(scope="module")
def atproto_network_rate_limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AtprotoNetwork]:
    """A separate PLC + PDS with the production rate limits on (in memory). Module-scoped so that
    the buckets one module drains do not leak into another's assertions."""
    with _started(tmp_path_factory, "ratelimited", accounts=DEFAULT_ACCOUNTS, rate_limits=True) as network:
        yield network


@pytest.fixture(scope="session")
def atproto_network_appview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AtprotoNetwork]:
    """PLC + PDS + AppView (+ bsync, Ozone): ``app.bsky.*`` reads work, through the PDS or at
    ``appview_url``. Indexing is asynchronous (tens to hundreds of ms): poll, don't assume."""
    with _started(tmp_path_factory, "appview", appview=True) as network:
        yield network


@pytest.fixture(scope="session")
def atproto_network_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetworkFactory]:
    """``start(accounts=("alice",), rate_limits=False, appview=False, password="password")`` starts
    another network; all are stopped when the session ends."""
    with contextlib.ExitStack() as stack:

        def start(
            accounts: tuple[str, ...] | list[str] = DEFAULT_ACCOUNTS,
            *,
            rate_limits: bool = False,
            appview: bool = False,
            password: str = DEFAULT_PASSWORD,
        ) -> AtprotoNetwork:
            return stack.enter_context(
                _started(
                    tmp_path_factory,
                    "factory",
                    accounts=tuple(accounts),
                    rate_limits=rate_limits,
                    appview=appview,
                    password=password,
                )
            )

        yield start
