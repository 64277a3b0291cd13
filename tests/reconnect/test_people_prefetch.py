""" "Your people" on PostgreSQL reads the session and the page together when it can guess who the
session names (`core.prefetch`, decision 0034). A guess never decides what anyone sees: a session
naming someone else, signed out or expired gets the page it would have got without one. SQLite
has no round trip to save: nothing is guessed there, and the same pages come out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone
from psycopg.pq import PipelineStatus

from envol.core import prefetch
from envol.core.ids import Platform
from envol.matching.models import Candidate, Kind
from envol.registry.models import Person
from envol.registry.session import SESSION_KEY

from .conftest import account

pytestmark = pytest.mark.django_db
POSTGRES = "postgresql"


def _person(handle: str) -> Person:
    person = Person.objects.create()
    account(person, Platform.BLUESKY, f"did:plc:{handle}-me")
    Candidate.objects.create(person=person, network=Platform.BLUESKY, address=f"did:plc:{handle}",
                             kind=Kind.VERIFIED, handle=f"{handle}.test", followee=True,
                             first_seen_at=timezone.now() - timedelta(days=1))  # fmt: skip
    return person


def _signed_in(client: Client, person: Person) -> str:
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()
    return str(session.session_key)


def _statements(client: Client, path: str = "/people/") -> tuple[Any, list[bool]]:
    """The answer, and for each statement whether it ran in a pipeline (False on SQLite)."""
    pipelined: list[bool] = []

    def spy(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        postgres = connection.vendor == POSTGRES
        pipelined.append(postgres and connection.connection.pgconn.pipeline_status != PipelineStatus.OFF)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        response = client.get(path)
    return response, pipelined


def test_a_reload_sends_the_session_with_the_page_s_reads(client: Client) -> None:
    key = _signed_in(client, _person("alice"))
    client.get("/people/")  # the first visit records itself (writes)
    first, pipelined = _statements(client)
    assert first.status_code == 200
    postgres = connection.vendor == POSTGRES
    # Unless the session had been seen before in this process, the session alone, then the rest.
    assert pipelined in ([False, *[postgres] * 6], [postgres] * 7)
    again, pipelined = _statements(client)
    assert again.status_code == 200
    assert b"alice.test" in again.content
    # Now the person is known for this session: one pipeline on PostgreSQL, the session within.
    assert pipelined == ([True] * 7 if postgres else [False] * 7)
    assert (prefetch._digest(key) in prefetch._GUESSES) is postgres


def test_a_wrong_guess_is_read_again_for_the_person_the_session_names(client: Client) -> None:
    alice, bob = _person("alice"), _person("bob")
    key = _signed_in(client, alice)
    client.get("/people/")
    prefetch._GUESSES[prefetch._digest(key)] = bob.pk  # as if the session had named Bob
    response, pipelined = _statements(client)
    assert response.status_code == 200
    assert b"alice.test" in response.content
    assert b"bob.test" not in response.content
    if connection.vendor == POSTGRES:
        assert pipelined == [True] * 13  # Bob's page and the session, then Alice's page
        assert prefetch._GUESSES[prefetch._digest(key)] == alice.pk


@pytest.mark.parametrize("ended", ["signed out elsewhere", "expired"])
def test_a_session_that_ended_gets_the_sign_in_page_whatever_was_guessed(client: Client, ended: str) -> None:
    alice = _person("alice")
    key = _signed_in(client, alice)
    client.get("/people/")
    assert client.get("/people/").status_code == 200  # guessed from here on, on PostgreSQL
    sessions = Session.objects.filter(session_key=key)
    if ended == "expired":
        sessions.update(expire_date=timezone.now() - timedelta(seconds=1))
    else:
        sessions.delete()
    response, pipelined = _statements(client)
    assert response.status_code == 302
    assert "/sign-in" in response["Location"]
    assert b"alice.test" not in response.content
    if connection.vendor == POSTGRES:
        assert pipelined == [True] * 7  # read together, then dropped


def test_other_pages_and_other_methods_read_the_session_as_before(client: Client) -> None:
    alice = _person("alice")
    _signed_in(client, alice)
    client.get("/people/")
    client.get("/people/")
    response, pipelined = _statements(client, "/people/progress.json")
    assert response.status_code == 200
    assert pipelined[0] is False  # the session on its own, first
