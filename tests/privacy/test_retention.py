"""Retention: edges after a completed migration, warning then erasure for inactivity, stale uploads,
the engine's run log, and the periodic task that does it all."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from envol.archive.models import ArchiveImport
from envol.core.ids import Platform
from envol.core.periodic import JOBS
from envol.graph.models import Edge
from envol.privacy.models import ErasureProof, PrivacyState
from envol.privacy.retention import (
    Policy,
    mark_migration_complete,
    retention_job,
    run_retention,
    sweep_uploads,
)
from envol.reconnect.models import DriveRun
from envol.registry.models import Person
from registry.conftest import signed_in

from .conftest import make_person

pytestmark = pytest.mark.django_db
POLICY = Policy(
    edges_days=30, inactive_days=700, grace_days=30, upload_stale_minutes=60, undo_deadline_days=7
)


def test_edges_go_a_set_time_after_the_migration_is_complete() -> None:
    done = make_person("done", 1, follows=[2])
    busy = make_person("busy", 2, follows=[1])
    mark_migration_complete(done.person)
    now = timezone.now()
    assert run_retention(now + timedelta(days=29), POLICY).edges_deleted == 0
    report = run_retention(now + timedelta(days=31), POLICY)
    assert (report.edge_sets_deleted, report.edges_deleted) == (1, 3)
    assert not Edge.objects.filter(archive_import__person=done.person).exists()
    assert Edge.objects.filter(archive_import__person=busy.person).count() == 3
    assert ArchiveImport.objects.filter(person=done.person).exists()  # the counts stay, for the history
    assert run_retention(now + timedelta(days=60), POLICY).edge_sets_deleted == 0


def test_inactive_persons_are_warned_by_email_then_erased(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVOL_EMAIL_FROM", "envol@example.org")
    gone = make_person("gone", 1)
    PrivacyState.objects.create(person=gone.person, email="gone@example.org", last_seen_at=timezone.now())
    silent = make_person("silent", 2)  # no address: the warning is the notice on coming back
    later = timezone.now() + timedelta(days=701)

    report = run_retention(later, POLICY)
    assert (report.persons_warned, report.warnings_emailed, report.persons_erased) == (2, 1, 0)
    assert mail.outbox[0].to == ["gone@example.org"]
    assert "vos données seront effacées" in mail.outbox[0].subject
    assert "Sauf si vous vous reconnectez" in mail.outbox[0].body
    assert run_retention(later + timedelta(days=1), POLICY).persons_warned == 0  # warned once

    report = run_retention(later + timedelta(days=31), POLICY)
    assert report.persons_erased == 2
    assert not Person.objects.filter(pk__in=[gone.person.pk, silent.person.pk]).exists()
    assert set(ErasureProof.objects.values_list("reason", flat=True)) == {"inactivity"}


def test_coming_back_cancels_the_warning(client: Client) -> None:
    person = signed_in(client, (Platform.X, "42", "alice_x"))
    PrivacyState.objects.create(person=person, last_seen_at=timezone.now() - timedelta(days=800))
    run_retention(timezone.now(), POLICY)
    assert PrivacyState.objects.get(person=person).warned_at is not None
    page = client.get("/your-data/", headers={"accept-language": "fr"}, follow=True).content.decode()
    assert "Bon retour\u202f: vos données ne seront pas effacées pour inactivité." in page
    assert PrivacyState.objects.get(person=person).warned_at is None
    assert run_retention(timezone.now() + timedelta(days=40), POLICY).persons_erased == 0


def test_stale_upload_files_are_swept(tmp_path: Path) -> None:
    old, fresh = tmp_path / "old.upload", tmp_path / "fresh.upload"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    an_hour_ago = time.time() - 3700
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert sweep_uploads(POLICY, folder=tmp_path) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["fresh.upload"]


def test_the_job_runs_the_rules_once_a_day() -> None:
    job = JOBS["privacy.retention"]
    assert job.queued  # started by every worker's heartbeat when due
    assert job.at_start
    assert job.interval() == timedelta(hours=24)
    result = retention_job()
    assert set(result) >= {"edges_deleted", "persons_erased", "upload_files_deleted", "expired_rows_deleted"}


def _runs(account_id: int, now: datetime, ages_days: list[float]) -> None:
    DriveRun.objects.bulk_create(
        DriveRun(account_id=account_id, holder="w", started_at=now - timedelta(days=age), outcome="done")
        for age in ages_days
    )


def test_the_engine_s_run_log_is_kept_for_its_period_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs older than ENVOL_DRIVE_RUN_RETENTION_DAYS (90 by default) go, in one DELETE however
    many they are; recent runs stay, and the other rules are unaffected."""
    someone = make_person("runner", 1)
    account = someone.person.accounts.get(platform=Platform.BLUESKY)
    now = timezone.now()
    _runs(account.pk, now, [90.01] * 300 + [400, 89.99, 30, 0])

    with CaptureQueriesContext(connection) as queries:
        report = run_retention(now, POLICY)
    assert report.expired_rows_deleted == 301
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len([sql for sql in deletes if DriveRun._meta.db_table in sql]) == 1
    left = sorted(round((now - s).total_seconds() / 86400, 2) for s in
                  DriveRun.objects.values_list("started_at", flat=True))  # fmt: skip
    assert left == [0, 30, 89.99]
    assert Person.objects.filter(pk=someone.person.pk).exists()

    monkeypatch.setenv("ENVOL_DRIVE_RUN_RETENTION_DAYS", "20")
    assert run_retention(now, POLICY).expired_rows_deleted == 2
    assert DriveRun.objects.count() == 1
    assert run_retention(now, POLICY).expired_rows_deleted == 0
