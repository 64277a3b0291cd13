"""The public figures: metrics against a hand-built world, snapshots, the page, the periodic task."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.tasks import TaskResultStatus
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_tasks_db.models import DBTaskResult

from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.core.ids import Platform
from envol.core.models import PeriodicJob
from envol.core.pseudonym import pseudonymizer
from envol.core.worker import EmbeddedWorker, tick
from envol.graph.models import Edge
from envol.matching.candidates import counts_for
from envol.matching.materialise import refresh_everyone
from envol.media.models import MediaOutlet, Status
from envol.registry.models import Account, Person, Verification
from envol.stats import metrics
from envol.stats.metrics import REGISTRY, candidate_totals, metric
from envol.stats.models import Snapshot, SnapshotValue
from envol.stats.service import take_snapshot
from envol.stats.tasks import JOB, interval, refresh_public_figures

pytestmark = pytest.mark.django_db

RUN_JOB = "envol.core.periodic.run_job"

V, C = Verification.VERIFIED, Verification.CLAIMED


def _person(x_id: int, x: Verification = V, *, bsky: Verification | None = None,
            masto: Verification | None = None) -> Person:  # fmt: skip
    person = Person.objects.create(findable_by="everyone")
    Account.objects.create(person=person, platform=Platform.X, stable_id=str(x_id), handle=f"u{x_id}",
                           verification=x, x_key=pseudonymizer().key(x_id))  # fmt: skip
    if bsky is not None:
        Account.objects.create(person=person, platform=Platform.BLUESKY, stable_id=f"did:plc:p{x_id}",
                               handle=f"u{x_id}.bsky.social", verification=bsky)  # fmt: skip
    if masto is not None:
        Account.objects.create(person=person, platform=Platform.MASTODON, stable_id=f"https://m.test/users/u{x_id}",
                               handle=f"u{x_id}@m.test", verification=masto)  # fmt: skip
    return person


def _upload(tmp_path: Path, owner: int, followers: list[int], following: list[int]) -> None:
    archive = write_synthetic_archive(tmp_path / f"{owner}.zip", owner_id=owner, handle=f"u{owner}",
                                      followers=followers, following=following)  # fmt: skip
    ingest(archive.path)


@pytest.fixture
def world(tmp_path: Path) -> list[Person]:
    """The world of tests/matching: verified and claimed accounts, archives that list each other."""
    people = [
        _person(1, bsky=V, masto=V), _person(2, bsky=V, masto=V), _person(3, bsky=C, masto=V),
        _person(4, C, bsky=V), _person(5, bsky=V, masto=C), _person(6, bsky=V), _person(8, bsky=V),
    ]  # fmt: skip
    _upload(tmp_path, 1, followers=[3, 4, 1, 8], following=[2, 3, 6, 9])
    _upload(tmp_path, 6, followers=[5, 7], following=[1, 5])
    _upload(tmp_path, 7, followers=[1], following=[5])  # a claimed owner: vouches for nobody
    return people


def test_candidate_totals_agree_with_the_per_person_query(world: list[Person]) -> None:
    expected = {"bluesky": 0, "mastodon": 0}
    for person in Person.objects.all():
        for network, counts in counts_for(person.pk).items():
            expected[str(network)] += counts["total"]
    refresh_everyone(notify=False)  # what matching's refreshes keep current
    assert candidate_totals() == expected
    assert expected["bluesky"] > 0
    assert expected["mastodon"] > 0


def test_a_snapshot_holds_every_metric(world: list[Person]) -> None:
    MediaOutlet.objects.create(name="Le Monde", slug="le-monde", country="FR", website="https://lemonde.fr",
                               domain="lemonde.fr", kind="press", status=Status.LEFT, published=True,
                               status_since=timezone.now())  # fmt: skip
    snapshot = take_snapshot()
    values = {(v.metric, v.key): v.value for v in SnapshotValue.objects.filter(snapshot=snapshot)}
    assert values[("persons", "")] == Person.objects.count() == 8  # Gina came with her archive
    assert values[("accounts", "x")] == 6
    assert values[("accounts", "bluesky")] == 6
    assert values[("accounts", "mastodon")] == 3
    assert values[("archives", "")] == 3
    assert values[("edges", "follower")] + values[("edges", "following")] == Edge.objects.count() == 14
    assert values[("media", "left")] == 1
    assert values[("media", "considering")] == 0
    assert {name for name, _key in values} == set(REGISTRY)


@pytest.fixture
def boosts_metric() -> Iterator[None]:
    """A metric registered from another package, the way envol.reconnect.metrics registers its own."""

    @metric("boosts", gettext_lazy("Boosts made"), ("bluesky", "mastodon"))
    def boosts() -> dict[str, int]:
        return {"bluesky": 7, "mastodon": 2}

    yield
    del metrics.REGISTRY["boosts"]


def test_a_new_metric_needs_only_its_registration(boosts_metric: None, client: Client) -> None:
    take_snapshot()
    assert SnapshotValue.objects.get(metric="boosts", key="bluesky").value == 7
    html = client.get("/figures/", headers={"accept-language": "en"}).content.decode()
    assert "Boosts made" in html
    with pytest.raises(ValueError, match="registered twice"):
        metric("boosts", gettext_lazy("again"))(lambda: {})


def test_the_engine_registers_follows_done() -> None:
    assert "follows" in metrics.REGISTRY


PAGES = [
    ("en", "The move in figures", "The numbers as a table"),
    ("fr", "Le départ en chiffres", "Les chiffres sous forme de tableau"),
]


@pytest.mark.parametrize(("language", "title", "table"), PAGES)
def test_the_page_draws_charts_from_snapshots_in_both_languages(
    world: list[Person], client: Client, language: str, title: str, table: str
) -> None:
    take_snapshot(now=timezone.now() - timedelta(days=1))
    Person.objects.create(findable_by="everyone")
    take_snapshot()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/figures/", headers={"accept-language": language})
    html = response.content.decode()
    assert title in html
    assert html.count("<svg xmlns=") == len(REGISTRY)
    assert html.count(f"<summary>{table}</summary>") == len(REGISTRY)
    assert "<polyline" in html
    assert "<script" not in html
    edge_table = Edge._meta.db_table
    assert not [q for q in queries.captured_queries if edge_table in q["sql"]]  # never counted per request
    people = "Personnes" if language == "fr" else "People"
    assert f'<h2 id="h-persons">{people}</h2>' in html
    assert "<td>9</td>" in html  # the latest count of persons, in the table
    assert "<td>8</td>" in html


@pytest.mark.parametrize(
    ("language", "moment", "counted", "followed"),
    [("en", "6\u00a0Dec.\u00a02026, 00:22", "Last counted on 6\u00a0December\u00a02026, 00:22 (UTC).",
      "accounts followed"),
     ("fr", "6\u00a0déc.\u00a02026, 00:22", "Dernier comptage le 6\u00a0décembre\u00a02026, 00:22 (UTC).",
      "comptes suivis")],
)  # fmt: skip
def test_dates_in_each_language_and_no_chart_from_one_count(
    world: list[Person], client: Client, language: str, moment: str, counted: str, followed: str
) -> None:
    """Issue #20: "12/06/2026 12:22 a.m..", "followings", and each chart a single dot."""
    at = timezone.make_aware(datetime(2026, 12, 6, 0, 22), UTC)
    take_snapshot(now=at)
    html = client.get("/figures/", headers={"accept-language": language}).content.decode()
    assert "<svg xmlns=" not in html  # one count: no chart, a sentence
    assert html.count('class="not-enough"') == len(REGISTRY)
    assert counted in html
    assert "a.m." not in html
    assert "followings" not in html
    assert followed in html
    take_snapshot(now=at + timedelta(hours=1))
    later = client.get("/figures/", headers={"accept-language": language}).content.decode()
    assert later.count("<svg xmlns=") == len(REGISTRY)
    assert moment in later, re.findall(r".{20}2026, 00:22.{5}", later)[:3]  # the first moment under the chart


def test_the_page_before_any_count(client: Client) -> None:
    html = client.get("/figures/", headers={"accept-language": "en"}).content.decode()
    assert "No figures yet" in html


def test_the_periodic_job_counts_and_is_due_again_one_interval_later(world: list[Person]) -> None:
    before = timezone.now()
    assert JOB in tick("w", now=before)
    assert JOB not in tick("w", now=before + timedelta(seconds=1))  # one run per interval
    summary = refresh_public_figures()
    assert Snapshot.objects.filter(pk=summary["snapshot"]).exists()
    following = PeriodicJob.objects.get(name=JOB)
    assert following.next_run_at >= before + interval() - timedelta(seconds=1)


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_periodic_task() -> None:
    worker = EmbeddedWorker(interval=0.05)
    worker.start()
    try:
        for _ in range(200):
            if Snapshot.objects.exists():
                break
            worker.heartbeat.stopping.wait(0.05)
    finally:
        worker.stop(timeout=20)
    assert Snapshot.objects.count() == 1
    finished = DBTaskResult.objects.filter(task_path=RUN_JOB, status=TaskResultStatus.SUCCESSFUL)
    assert [row.args_kwargs["args"] for row in finished].count([JOB]) == 1
    assert PeriodicJob.objects.get(name=JOB).next_run_at > timezone.now()  # the next one is scheduled
