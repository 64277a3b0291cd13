"""`envol privacy check` finds a planted clear X id, a clear token and a stored key."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from envol.cli.main import main
from envol.core.models import WorkerHeartbeat
from envol.privacy.check import run_check, schema

from .conftest import THIRD_PARTY_X_IDS, make_person

pytestmark = pytest.mark.django_db(transaction=True)


def _kinds(where: str | None = None) -> set[str]:
    return {f.kind for f in run_check().findings if where is None or f.where == where}


def test_a_clean_database_has_no_finding_and_the_schema_comes_from_introspection(app: Any) -> None:
    make_person("me", 1111)
    make_person("friend", 2222, follows=[1111])
    assert run_check().findings == []
    tables = {c.table for c in schema()}
    assert {"graph_edge", "registry_account", "django_session", "privacy_consent"} <= tables


def test_a_clear_third_party_id_is_caught_in_text_and_integer_columns(app: Any) -> None:
    make_person("me", 1111)
    third = THIRD_PARTY_X_IDS[0]  # in my followers: only its pseudonym is stored
    with connection.cursor() as cursor:
        cursor.execute("UPDATE archive_archiveimport SET owner_handle = %s", [f"see {third}"])
    WorkerHeartbeat.objects.create(
        worker_id="w", hostname="h", pid=third, started_at="2026-01-01T00:00Z", seen_at="2026-01-01T00:00Z"
    )
    findings = run_check().findings
    places = {f.where for f in findings if f.kind == "clear_x_id"}
    assert places == {"archive_archiveimport.owner_handle", "core_workerheartbeat.pid"}
    assert all(str(third) in f.detail for f in findings)


def test_registered_ids_may_appear_in_clear(app: Any) -> None:
    make_person("me", 1111, follows=[2222])
    make_person("friend", 2222)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE archive_archiveimport SET owner_handle = %s", ["friend is 2222"])
    assert _kinds() == set()


def test_a_clear_token_is_caught(app: Any) -> None:
    make_person("me", 1111, app=app)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_account SET access_token = %s WHERE access_token IS NOT NULL", ["plain"]
        )
    assert _kinds("registry_account.access_token") == {"secret_not_encrypted"}
    assert main(["privacy", "check", "--quiet"]) == 1


def test_the_pseudonym_key_is_never_in_the_database_and_is_caught_if_put_there(app: Any) -> None:
    make_person("me", 1111)
    assert main(["privacy", "check", "--quiet"]) == 0
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_account SET reauth_reason = %s", [settings.KEYS.pseudonym_key.hex()])
    assert _kinds("registry_account.reauth_reason") == {"key_in_database"}


def test_check_prints_the_inventory(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["privacy", "check"]) == 0
    out = capsys.readouterr().out
    assert "| `registry.Account`" in out
    assert "No finding" in out
