"""How the engine hears that matching found new people: plan their follows in the background.

Matching sends ``candidates_changed(person_ids)`` after a refresh commits (a link, a verification,
a new import); the receiver only enqueues, so the refresh stays quick, and the task plans every
person with an automatic choice in one set-based insert each (envol.reconnect.plan). Every process
imports this module at start-up: the planner (and the engine behind it) loads when the task runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.tasks import task

from envol.core.deferred import Deferred
from envol.core.listparam import ids_in
from envol.reconnect.models import BlockChoice, Mode, ReconnectChoice

#: envol.core.deferred: the engine loads in the worker that plans, not in every process.
plan_for_persons = Deferred("envol.reconnect.plan.plan_for_persons")
plan_blocks = Deferred("envol.reconnect.block_plan.plan_blocks")


@task()
def plan_persons(person_ids: list[int]) -> int:
    # Those who asked Envol to carry their X blocks over get them planned too (decision 0026): a
    # person they blocked may have just verified an account.
    blocking = BlockChoice.objects.filter(ids_in("person_id", person_ids), enabled=True)
    plan_blocks(blocking.values_list("person_id", flat=True))
    planned: int = plan_for_persons(person_ids)
    return planned


def on_candidates_changed(sender: Any, person_ids: Iterable[int], **kwargs: Any) -> None:
    plan_persons.enqueue(sorted(set(person_ids)))


def persons_reconnecting_automatically(person_ids: Iterable[int]) -> set[int]:
    """Those of these persons who let Envol follow for them (an automatic choice on any linked
    account): matching's new-people e-mail leaves them alone (envol.matching.notify.QUIET)."""
    chosen = ReconnectChoice.objects.filter(ids_in("account__person_id", person_ids), mode=Mode.AUTOMATIC)
    return set(chosen.values_list("account__person_id", flat=True))
