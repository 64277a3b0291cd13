"""Export: everything held about the person, tokens only as "held", edges as counts per direction."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from envol.privacy.export import export_person
from envol.privacy.relations import person_graph
from envol.registry.models import Account
from envol.registry.session import SESSION_KEY

from .conftest import audit, fill_every_related_model, make_person

pytestmark = pytest.mark.django_db


def _signed_in_as(client: Client, person_pk: int) -> None:
    session = client.session
    session[SESSION_KEY] = person_pk
    session.save()


def test_export_holds_every_related_model_and_never_a_token(client: Client, app: Any) -> None:
    me = make_person("me", 111, follows=[987654321987])
    friend = make_person("friend", 987654321987, follows=[111])
    audit(me)
    fill_every_related_model(me)
    _signed_in_as(client, me.person.pk)

    response = client.get("/your-data/export.json")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="envol-export-')
    body = response.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM registry_account WHERE access_token IS NOT NULL")
        ciphertexts = [row[0] for row in cursor.fetchall()]
    assert me.token not in body
    assert all(c not in body for c in ciphertexts)
    data = json.loads(body)
    assert set(data["data"]) == {link.label for link in person_graph()}
    accounts = data["data"]["registry.Account"]["rows"]
    assert {a["platform"] for a in accounts} == {"x", "bluesky", "mastodon"}
    assert [a["access_token"] for a in accounts if a["platform"] == "mastodon"] == [{"held": True}]
    assert all("x_key" not in a for a in accounts)
    assert data["data"]["graph.Edge"] == {
        "counts": [
            {"direction": "follows the owner", "rows": 2},
            {"direction": "followed by the owner", "rows": 1},
        ]
    }
    assert {c["purpose"] for c in data["data"]["privacy.Consent"]["rows"]} == {"migration", "research"}
    assert [e["operator"] for e in data["data"]["privacy.AuditLogEntry"]["rows"]] == ["operator1"] * 3
    assert [c["handle"] for c in data["candidates"]] == ["friend.bsky.test", "friend@mastodon.test"]
    assert friend.token not in body
    # Others' ids only as candidates' stable ids (a long id: a short one can turn up in a timestamp).
    assert str(friend.x_id) not in json.dumps(data["data"])


@pytest.mark.parametrize("language", ["en", "fr"])
def test_export_page_is_readable(client: Client, app: Any, language: str) -> None:
    """Labels instead of column names, dates in the reader's format, no internal keys (issue #20)."""
    me = make_person("me", 111, follows=[987654321987])
    audit(me)
    fill_every_related_model(me)
    _signed_in_as(client, me.person.pk)
    html = client.get("/your-data/export/", headers={"accept-language": language}).content.decode()
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", html)  # no ISO timestamp anywhere
    for column in (
        "created_at",
        "stable_id",
        "display_name",
        "person_id",
        ">True<",
        ">False<",
        "registry.Account",
    ):
        assert column not in html, column
    label = {"en": "Display name", "fr": "Nom affiché"}[language]
    assert f"<dt>{label}</dt>" in html
    assert 'class="scroll"' not in html  # cards, not a table wider than a phone


def test_export_page_reads_the_same_in_french(client: Client) -> None:
    me = make_person("me", 111)
    _signed_in_as(client, me.person.pk)
    html = client.get("/your-data/export/", headers={"accept-language": "fr"}).content.decode()
    assert "Tout ce qu’Envol conserve sur vous" in html
    assert "Un de vos comptes sur X, Bluesky ou Mastodon" in html
    assert "conservé, chiffré" in html
    assert me.token not in html


def test_export_is_for_the_signed_in_person_only(client: Client) -> None:
    assert client.get("/your-data/export.json").status_code == 302


def test_export_function_matches_the_accounts() -> None:
    me = make_person("me", 111)
    data = export_person(me.person)
    assert len(data["data"]["registry.Account"]["rows"]) == Account.objects.filter(person=me.person).count()
