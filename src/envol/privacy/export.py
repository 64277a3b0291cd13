"""Export: everything Envol holds about a person, as one JSON document (and the same content as a
readable page). Generic: every model reached from the person is exported, shaped by its inventory
(values, "a token is held" for secrets, nothing for pseudonyms; counts per direction for edges).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import BooleanField, Case, Count, Field, Model, QuerySet, Value, When
from django.utils import timezone

from envol.privacy.hooks import exporters
from envol.privacy.inventory import Export, ModelInventory, inventory_for
from envol.privacy.relations import person_graph, rows_about
from envol.registry.models import Person

FORMAT_VERSION = 1


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    return value


def _section(model: type[Model], inventory: ModelInventory, query: QuerySet[Model]) -> dict[str, Any]:
    if inventory.count_by is not None:
        field = model._meta.get_field(inventory.count_by)
        rows = (
            query.order_by().values(inventory.count_by).annotate(rows=Count("*")).order_by(inventory.count_by)
        )
        choices = dict(getattr(field, "choices", None) or [])
        return {
            "counts": [
                {
                    inventory.count_by: str(choices.get(r[inventory.count_by], r[inventory.count_by])),
                    "rows": r["rows"],
                }
                for r in rows
            ]
        }
    values: list[Field[Any, Any]] = []
    presence: list[Field[Any, Any]] = []
    for field in model._meta.concrete_fields:
        use = inventory.use_of(field.name)
        if use is None or use.export == Export.OMIT:
            continue
        (presence if use.export == Export.PRESENCE else values).append(field)
    # Secrets are never loaded, so never decrypted: only whether one is held.
    annotations = {
        f"{f.name}_held": Case(
            When(**{f"{f.attname}__isnull": False}, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
        for f in presence
    }
    names = [f.attname for f in values]
    query = query.order_by(*[model._meta.pk.name] if len(model._meta.pk_fields) == 1 else [])
    listed = query.values(*names).annotate(**annotations) if annotations else query.values(*names)
    rows = []
    for row in listed:
        shaped = {key: _plain(value) for key, value in row.items() if not key.endswith("_held")}
        for f in presence:
            shaped[f.name] = {"held": bool(row[f"{f.name}_held"])}
        rows.append(shaped)
    return {"rows": rows}


def export_person(person: Person) -> dict[str, Any]:
    """The whole export as plain JSON-ready data."""
    owned = {
        link.label: inventory.owner_field
        for link in person_graph()
        if (inventory := inventory_for(link.model)) is not None and inventory.owner_field
    }
    queries = rows_about(person.pk, only_owned=owned)
    data: dict[str, Any] = {}
    for link in person_graph():
        inventory = inventory_for(link.model)
        if inventory is None:
            data[link.label] = {"rows": [], "note": "this table has no privacy inventory yet"}
            continue
        data[link.label] = _section(link.model, inventory, queries[link.label])
    return {
        "format": FORMAT_VERSION,
        "generated_at": timezone.now().isoformat(),
        "person": person.pk,
        "data": data,
        **{name: export(person.pk) for name, export in exporters().items()},
    }
