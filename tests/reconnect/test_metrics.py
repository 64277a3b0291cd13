"""The public figures count the follows Envol made, per network, and nothing else."""

from __future__ import annotations

import pytest

from envol.core.ids import Platform
from envol.reconnect.models import FollowTask
from envol.reconnect.states import TaskState
from envol.registry.models import Person
from envol.stats.metrics import REGISTRY

from .conftest import account, did_targets, plan_targets

pytestmark = pytest.mark.django_db


def test_follows_done_per_network_count_only_done_tasks() -> None:
    bluesky = account(Person.objects.create(findable_by="everyone"), Platform.BLUESKY, "did:plc:source")
    mastodon = account(
        Person.objects.create(findable_by="everyone"), Platform.MASTODON, "https://m.test/users/source"
    )
    sky = plan_targets(bluesky, did_targets(5, "sky"))
    masto = plan_targets(mastodon, [(f"https://m.test/users/t{i}", f"t{i}@m.test") for i in range(3)])
    FollowTask.objects.filter(pk__in=[t.pk for t in sky[:3]]).update(state=TaskState.DONE)
    FollowTask.objects.filter(pk=sky[3].pk).update(state=TaskState.ALREADY_FOLLOWING)
    FollowTask.objects.filter(pk=masto[0].pk).update(state=TaskState.DONE)
    FollowTask.objects.filter(pk=masto[1].pk).update(state=TaskState.UNDONE)

    assert REGISTRY["follows"].compute() == {str(Platform.BLUESKY): 3, str(Platform.MASTODON): 1}
