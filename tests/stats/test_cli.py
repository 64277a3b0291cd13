"""`envol figures`: count now, and leave the periodic job scheduled."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from envol.cli.main import main
from envol.core.models import PeriodicJob
from envol.registry.models import Person
from envol.stats.models import SnapshotValue
from envol.stats.tasks import JOB, interval

pytestmark = pytest.mark.django_db


def test_envol_figures_counts_now(capsys: pytest.CaptureFixture[str]) -> None:
    Person.objects.create(findable_by="everyone")
    assert main(["figures", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert SnapshotValue.objects.get(snapshot_id=summary["snapshot"], metric="persons").value == 1
    assert summary["outlets_with_figures"] == 0
    # The periodic job is scheduled, one interval from now: it just counted.
    scheduled = PeriodicJob.objects.get(name=JOB).next_run_at
    assert scheduled > timezone.now() + interval() * 0.9
    assert main(["figures"]) == 0
    assert "Snapshot" in capsys.readouterr().out
    assert PeriodicJob.objects.filter(name=JOB).count() == 1
    assert PeriodicJob.objects.get(name=JOB).next_run_at >= scheduled
