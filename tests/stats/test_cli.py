"""`envol figures`: count now, and leave the periodic task scheduled."""

from __future__ import annotations

import json

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from envol.cli.main import main
from envol.registry.models import Person
from envol.stats.models import SnapshotValue
from envol.stats.tasks import PATH

pytestmark = pytest.mark.django_db


def test_envol_figures_counts_now(capsys: pytest.CaptureFixture[str]) -> None:
    Person.objects.create(findable_by="everyone")
    assert main(["figures", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert SnapshotValue.objects.get(snapshot_id=summary["snapshot"], metric="persons").value == 1
    assert summary["outlets_with_figures"] == 0
    assert DBTaskResult.objects.filter(task_path=PATH, status=TaskResultStatus.READY).count() == 1
    assert main(["figures"]) == 0
    assert "Snapshot" in capsys.readouterr().out
    assert DBTaskResult.objects.filter(task_path=PATH, status=TaskResultStatus.READY).count() == 1
