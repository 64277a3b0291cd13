"""Every process runs every app's ready(): a light start-up loads neither the HTTP stack nor the
platform clients nor the engine's executor (issue 21), while each hook still reaches its code,
named by dotted path and imported at first use (envol.core.deferred)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from envol.core import periodic
from envol.core.deferred import Deferred
from envol.core.healing import workers_lost
from envol.core.ids import Platform
from envol.matching.signals import candidates_changed
from envol.privacy import hooks as privacy_hooks
from envol.privacy import revokers
from envol.reconnect import block_plan, erasure, scheduling

#: Loaded only by the processes that use them (a worker following, a revocation, a lookup).
NOT_AT_START = (
    "httpx",
    "httpcore",
    "envol.platforms.http",
    "envol.platforms.mastodon",
    "envol.platforms.bluesky",
    "envol.reconnect.executor",
    "envol.reconnect.scheduling",
    "envol.privacy.revokers",
    "envol.matching.lookups",
)


def test_django_setup_imports_no_platform_client_nor_the_engine(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENVOL_") and k != "DATABASE_URL"}
    env.update(ENVOL_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="envol.core.settings")
    code = (
        "import json, sys, django; django.setup(); loaded = sorted(sys.modules); "
        "from envol.core.periodic import JOBS; "
        "print(json.dumps({'loaded': loaded, 'jobs': sorted(JOBS)}))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    started = json.loads(done.stdout)
    assert [name for name in NOT_AT_START if name in started["loaded"]] == []
    assert "envol.reconnect.states" in started["loaded"]  # the task graph still validates at start-up
    assert "envol.reconnect.drive_states" in started["loaded"]
    assert {"reconnect.schedule", "reconnect.blocks"} <= set(started["jobs"])  # by name, modules unloaded


def test_every_hook_named_at_start_up_resolves() -> None:
    """A misspelt path would otherwise fail only when its hook first fires."""
    assert Deferred.made
    for deferred in Deferred.made:
        assert callable(deferred.resolve()), deferred


def test_the_revokers_reach_the_platforms_code() -> None:
    mastodon = privacy_hooks.revoker_for(Platform.MASTODON)
    bluesky = privacy_hooks.revoker_for(Platform.BLUESKY)
    assert isinstance(mastodon, Deferred)
    assert mastodon.resolve() is revokers.revoke_mastodon
    assert isinstance(bluesky, Deferred)
    assert bluesky.resolve() is revokers.revoke_bluesky


def test_the_engine_answers_erasure() -> None:
    undo = privacy_hooks.follow_undo()
    assert undo is not None
    assert [getattr(undo, name).resolve() for name in ("undoable", "start", "progress")] == [
        erasure.undoable,
        erasure.start,
        erasure.progress,
    ]


def test_the_engine_heals_lost_workers_and_plans_new_candidates() -> None:
    lost = [receiver for receiver in workers_lost._live_receivers(None)[0] if isinstance(receiver, Deferred)]
    assert [receiver.resolve() for receiver in lost] == [scheduling.on_workers_lost]
    planners = [
        r for r in candidates_changed._live_receivers(None)[0] if r.__name__ == "on_candidates_changed"
    ]
    assert len(planners) == 1


def test_the_engine_heartbeat_job_is_declared_by_name() -> None:
    job = periodic.JOBS["reconnect.schedule"]
    assert isinstance(job.work, Deferred)
    assert job.work.resolve() is scheduling.keep_schedule
    assert not job.queued
    assert job.interval() == periodic.each_beat()


def test_the_blocks_repair_is_declared_by_name() -> None:
    job = periodic.JOBS["reconnect.blocks"]
    assert isinstance(job.work, Deferred)
    assert job.work.resolve() is block_plan.plan_everyones_blocks
    assert job.interval() == block_plan.repair_interval()
    assert not job.at_start


@pytest.fixture
def own_deferreds() -> Iterator[None]:
    """This test's own stand-ins are not the apps' hooks."""
    before = list(Deferred.made)
    yield
    Deferred.made[:] = before


@pytest.mark.usefixtures("own_deferreds")
def test_a_deferred_imports_nothing_when_probed_and_forwards_calls_and_attributes() -> None:
    deferred = Deferred("os.path.join")
    assert not hasattr(deferred, "_is_coroutine_mark")  # what inspect and signals probe
    assert deferred._target is None
    assert deferred("a", "b") == os.path.join("a", "b")
    assert Deferred("os.path").sep == os.path.sep
    with pytest.raises(ImportError):
        Deferred("envol.nowhere.nothing")()


def test_a_web_process_puts_what_it_loaded_out_of_the_collector_s_sight(tmp_path: Path) -> None:
    """Loading the web application freezes what is loaded (gc.freeze): a full collection then walks
    only what requests left alive, not Django and the apps (envol.core.asgi)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENVOL_") and k != "DATABASE_URL"}
    env.update(ENVOL_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="envol.core.settings")
    code = "import gc, envol.core.asgi; print(gc.get_freeze_count(), len(gc.get_objects()))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    frozen, watched = map(int, done.stdout.split())
    assert frozen > 10_000  # Django and the apps
    assert watched < frozen / 10  # what is left for the collector: almost nothing yet
