"""The pool's check before lending a PostgreSQL connection (`core.dbpool`): no round trip for a
connection whose socket is quiet; psycopg's full check, and a new connection, for one the server
ended while it sat in the pool.

The socket tests run on both databases (a pair of local sockets stands for the connection); the
server's own tests need PostgreSQL's connections and assert the SQLite set-up instead there."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from envol.core import dbpool
from envol.core.asgi import application
from support.asgi import call_many

POSTGRES = "postgresql"


class _Connection:
    """What the check reads of a psycopg connection, over one end of a socket pair."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.closed, self.broken, self.autocommit = sock, False, False, True
        self.statements: list[str] = []

    def fileno(self) -> int:
        return self.sock.fileno()

    def execute(self, sql: str) -> None:
        self.statements.append(sql)


@pytest.fixture
def pair() -> Iterator[tuple[_Connection, socket.socket]]:
    ours, server = socket.socketpair()
    with ours, server:
        yield _Connection(ours), server


def test_a_quiet_connection_is_lent_without_a_statement(pair: tuple[_Connection, socket.socket]) -> None:
    conn, _ = pair
    dbpool.check_connection(conn)  # type: ignore[arg-type]
    assert conn.statements == []


@pytest.mark.parametrize("news", ["data", "end"])
def test_a_connection_the_server_spoke_on_is_checked_by_a_statement(
    pair: tuple[_Connection, socket.socket], news: str
) -> None:
    conn, server = pair
    if news == "data":
        server.sendall(b"E")  # the first byte of an error message, as a server ending the session
    else:
        server.shutdown(socket.SHUT_WR)
    dbpool.check_connection(conn)  # type: ignore[arg-type]
    assert conn.statements == [""]  # psycopg's own check: an empty statement, answered or failing


@pytest.mark.parametrize("state", ["closed", "broken"])
def test_a_connection_known_to_be_gone_is_refused_at_once(
    pair: tuple[_Connection, socket.socket], state: str
) -> None:
    conn, _ = pair
    setattr(conn, state, True)
    with pytest.raises(psycopg.OperationalError):
        dbpool.check_connection(conn)  # type: ignore[arg-type]
    assert conn.statements == []


def _admin() -> psycopg.Connection[Any]:
    params = {**connection.get_connection_params(), "autocommit": True}
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params)


@pytest.mark.django_db
def test_on_postgresql_the_check_sends_nothing_on_a_live_connection() -> None:
    if connection.vendor != POSTGRES:
        assert "pool" not in settings.DATABASES["default"].get("OPTIONS", {})
        return
    assert settings.DATABASES["default"]["OPTIONS"]["pool"]["check"] is dbpool.check_connection
    with _admin() as admin, _admin() as lent:
        lent.execute("SELECT 'before the check'")
        dbpool.check_connection(lent)
        last = admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [lent.info.backend_pid])
        assert last.fetchone() == ("SELECT 'before the check'",)  # psycopg's check would show ''


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("core.urls_pool")
def test_on_postgresql_connections_the_server_ended_are_replaced_before_a_request_gets_them() -> None:
    answers = call_many(application, ["/backend/"] * 6)
    assert [a.status for a in answers] == [200] * 6
    if connection.vendor != POSTGRES:
        return
    ended = {int(a.text) for a in answers}
    with _admin() as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [list(ended)])
        for _ in range(100):  # the server's processes take a moment to end
            left = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [list(ended)])
            if left.fetchone() == (0,):
                break
            time.sleep(0.05)
    # Without a check, the first requests would get the ended connections and fail (500).
    again = call_many(application, ["/backend/"] * 6)
    assert [a.status for a in again] == [200] * 6
    assert not ended & {int(a.text) for a in again}
