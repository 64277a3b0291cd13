"""The admin shows no token and no pseudonym, and every view of a person's rows is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from envol.privacy.export import export_person
from envol.privacy.models import AuditLogEntry
from envol.registry.models import Account, MastodonApp

from .conftest import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client: Client) -> Client:
    User.objects.create_superuser("op", "op@example.org", "pw")
    client.login(username="op", password="pw")
    return client


def _ciphertexts() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM registry_account WHERE access_token IS NOT NULL")
        rows = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT client_secret FROM registry_mastodonapp")
        return rows + [r[0] for r in cursor.fetchall()]


def test_no_token_secret_or_pseudonym_on_any_admin_page(operator: Client, app: MastodonApp) -> None:
    me = make_person("me", 1111, app=app)
    mastodon = Account.objects.get(person=me.person, platform="mastodon")
    x = Account.objects.get(person=me.person, platform="x")
    pages = [
        "/admin/registry/account/",
        f"/admin/registry/account/{mastodon.pk}/change/",
        f"/admin/registry/account/{x.pk}/change/",
        "/admin/registry/mastodonapp/",
        f"/admin/registry/mastodonapp/{app.pk}/change/",
    ]
    secrets = [me.token, "app-secret", *_ciphertexts(), str(me.x_key)]
    for page in pages:
        response = operator.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert all(s not in html for s in secrets), page
        assert 'name="access_token"' not in html
        assert 'name="x_key"' not in html


def test_every_admin_view_of_a_person_is_in_their_export(operator: Client, app: Any) -> None:
    me = make_person("me", 1111)
    other = make_person("other", 2222)
    account = Account.objects.get(person=me.person, platform="x")
    operator.get(f"/admin/registry/account/{account.pk}/change/")
    operator.get(f"/admin/registry/person/{me.person.pk}/change/")
    operator.get("/admin/archive/archiveimport/")
    entries = AuditLogEntry.objects.filter(person=me.person).order_by("pk")
    assert [(e.operator, e.action, e.target) for e in entries] == [
        ("op", "view", f"registry.Account {account.pk}"),
        ("op", "view", f"registry.Person {me.person.pk}"),
        ("op", "list", f"archive.ArchiveImport {me.person.archive_imports.get().pk}"),
    ]
    assert AuditLogEntry.objects.filter(person=other.person, action="list").count() == 1
    exported = export_person(me.person)["data"]["privacy.AuditLogEntry"]["rows"]
    assert [e["action"] for e in exported] == ["view", "view", "list"]
