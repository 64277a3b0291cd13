"""Which rows are about a person, found by walking foreign keys from registry.Person — never from a
hand-kept list of tables, so that models added later are covered as soon as they point at a
person, an account, an import or anything else that does.

Every model whose foreign key reaches a model already reached is about the person; graph.Edge is
reached through its foreign key to archive.ArchiveImport (a Django relation without a database
constraint, see decision 0003).
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass

from django.db.models import ForeignKey, Model, Q, QuerySet

from envol.privacy.inventory import all_models
from envol.registry.models import Person


@dataclass(frozen=True, slots=True)
class Link:
    model: type[Model]
    via: tuple[ForeignKey[Model, Model], ...]  # foreign keys to models reached before this one

    @property
    def label(self) -> str:
        return self.model._meta.label


def person_graph() -> list[Link]:
    """Person first, then each model in the order it is reached (parents before children)."""
    order = [Link(Person, ())]
    reached: set[type[Model]] = {Person}
    grew = True
    while grew:
        grew = False
        for model in all_models():
            if model in reached:
                continue
            via = tuple(
                f
                for f in model._meta.concrete_fields
                if isinstance(f, ForeignKey) and f.related_model in reached and f.related_model is not model
            )
            if via:
                order.append(Link(model, via))
                reached.add(model)
                grew = True
    # A late model may also point at models reached after it: take every such key.
    return [Link(link.model, _keys_into(link.model, reached)) if link.via else link for link in order]


def _keys_into(model: type[Model], reached: set[type[Model]]) -> tuple[ForeignKey[Model, Model], ...]:
    return tuple(
        f for f in model._meta.concrete_fields if isinstance(f, ForeignKey) and f.related_model in reached
    )


def rows_about(person_id: int, *, only_owned: dict[str, str] | None = None) -> dict[str, QuerySet[Model]]:
    """{"app.Model": the rows about the person}, each a lazy query built on its parents' queries
    (one SQL statement each, with subqueries). ``only_owned`` maps a label to the one foreign key
    through which rows *belong* to the person (export); erasure follows every key."""
    queries: dict[str, QuerySet[Model]] = {}
    for link in person_graph():
        manager = link.model._default_manager
        if not link.via:
            queries[link.label] = manager.filter(pk=person_id)
            continue
        keys = link.via
        if only_owned and link.label in only_owned:
            keys = tuple(f for f in keys if f.name == only_owned[link.label])
        conditions = [
            Q(**{f"{key.attname}__in": queries[key.related_model._meta.label].values("pk")}) for key in keys
        ]
        queries[link.label] = manager.filter(functools.reduce(operator.or_, conditions))
    return queries


def person_lookup(model: type[Model]) -> str | None:
    """The ORM path from ``model`` to its person's id ("archive_import__person_id"), following the
    first foreign key of the walk; None when the model is not about a person."""
    if model is Person:
        return "pk"
    links = {link.model: link for link in person_graph()}
    path: list[str] = []
    current = model
    while current is not Person:
        link = links.get(current)
        if link is None or not link.via:
            return None
        key = link.via[0]
        path.append(key.name)
        current = key.related_model
    return "__".join(path) + "__pk" if len(path) > 1 else f"{path[0]}_id"
