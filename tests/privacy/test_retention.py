"""Retention: edges after a completed migration, warning then erasure for inactivity, stale uploads,
and the periodic task that does it all."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from envol.archive.models import ArchiveImport
from envol.core.ids import Platform
from envol.core.worker import STARTUP_HOOKS
from envol.graph.models import Edge
from envol.privacy.models import ErasureProof, PrivacyState
from envol.privacy.retention import (
    TASK_PATH,
    Policy,
    mark_migration_complete,
    retention_task,
    run_retention,
    schedule,
    sweep_uploads,
)
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
    assert "Bon retour : vos données ne seront pas effacées pour inactivité." in page
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


def test_the_task_runs_the_rules_and_schedules_itself_once() -> None:
    assert schedule in STARTUP_HOOKS  # every worker makes sure it is queued
    assert schedule() is True
    assert schedule() is False  # one waiting run is enough
    DBTaskResult.objects.all().delete()
    result = retention_task.call()
    assert set(result) >= {"edges_deleted", "persons_erased", "upload_files_deleted"}
    waiting = DBTaskResult.objects.get(task_path=TASK_PATH, status="READY")
    assert waiting.run_after > timezone.now() + timedelta(hours=23)
