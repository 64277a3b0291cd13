"""The operators' audit log: every admin view of a person's data is written down (who, when, what),
and the person sees it in their export."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model

from envol.privacy.models import AuditLogEntry
from envol.privacy.relations import person_lookup


def record_access(operator: str, action: str, model: type[Model], pks: Iterable[object]) -> int:
    """One entry per (person, row) for the rows ``pks`` of ``model``; returns how many were written."""
    lookup = person_lookup(model)
    keys = list(pks)
    if lookup is None or not keys:
        return 0
    owners = model._default_manager.filter(pk__in=keys).values_list("pk", lookup)
    label = model._meta.label
    entries = [
        AuditLogEntry(
            person_id=person_id, operator=operator[:150], action=action, target=f"{label} {pk}"[:120]
        )
        for pk, person_id in owners
        if person_id is not None
    ]
    AuditLogEntry.objects.bulk_create(entries)
    return len(entries)
