"""The data inventory: for every stored field, what it is, why it is kept, on which legal basis,
for how long and who can see it. The privacy page, docs/privacy.md, the export and
`envol privacy check` all read it, and a test fails when a model or a field has no entry.

A model declares its inventory in one place: a ``PRIVACY = ModelInventory(...)`` attribute on the
model class (preferred for new models), or an entry in ``envol.privacy.declarations.DECLARATIONS``
(for models this package cannot edit: Django's own, third-party apps, and the ones that predate it).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

type Text = str | Promise


class Basis(enum.Enum):
    """The legal basis of a processing (GDPR article 6.1)."""

    CONTRACT = _("necessary for the service you asked for (art. 6.1.b)")
    CONSENT = _("your consent, which you can withdraw at any time (art. 6.1.a)")
    LEGITIMATE_INTEREST = _("legitimate interest: running the service safely (art. 6.1.f)")
    LEGAL_OBLIGATION = _("legal obligation: proving that your rights were honoured (art. 6.1.c)")


class SeenBy(enum.Enum):
    YOU_AND_OPERATOR = _("you, and the operator")
    OPERATOR = _("the operator only")
    SERVICE = _("nobody: only the service reads it")
    YOUR_PEOPLE = _("you, the operator, and the people you knew on X when they join")
    EVERYONE = _("everyone: it is published")


class Export(enum.Enum):
    VALUE = "value"  # the value itself
    PRESENCE = "presence"  # only whether one is held (tokens, secrets)
    OMIT = "omit"  # not exported (internal keys, pseudonyms)


@dataclass(frozen=True, slots=True)
class Use:
    """One group of fields kept for one reason."""

    fields: tuple[str, ...]
    what: Text
    purpose: Text
    basis: Basis
    retention: Text
    seen_by: SeenBy
    export: Export = Export.VALUE
    admin_visible: bool = True  # False: the Django admin never shows these fields


@dataclass(frozen=True, slots=True)
class ModelInventory:
    summary: Text  # what one row is, in a few words
    uses: tuple[Use, ...]
    # Export: whose rows these are. None: every row reached from the person through any foreign
    # key. A field name: only rows reached through that foreign key (e.g. a follow task's *source*
    # account; rows where the person is only the target belong to someone else). Erasure always
    # follows every foreign key.
    owner_field: str | None = None
    count_by: str | None = None  # export counts per value of this field instead of rows (edges)

    def use_of(self, field: str) -> Use | None:
        return next((use for use in self.uses if field in use.fields), None)


# Reused purposes and retention texts: one translation each, for every package's declarations.
MIGRATION = _("re-creating your links on Bluesky and Mastodon (the service you asked for)")
PROOF = _("proving who you are on each network, so that only proven accounts are ever followed")
OPERATING = _("running the service: sign-in, security, background work")
UNTIL_ERASURE = _("until you erase your data, or after a long inactivity (see below)")
UNTIL_UNLINK = _("until you unlink the account, or erase your data")


def declared_fields(model: type[Model]) -> list[str]:
    """The names the inventory must cover: every concrete field (one column each)."""
    return [f.name for f in model._meta.concrete_fields]


# The inventories of models whose package cannot declare them (envol.privacy.declarations), by model
# label: that module adds them here when it is imported (the privacy app imports it when it is ready),
# so that this vocabulary, which every package's models import, imports none of them.
DECLARED_ELSEWHERE: dict[str, ModelInventory] = {}


def inventory_for(model: type[Model]) -> ModelInventory | None:
    declared = getattr(model, "PRIVACY", None)
    if isinstance(declared, ModelInventory):
        return declared
    return DECLARED_ELSEWHERE.get(model._meta.label)


def all_models() -> list[type[Model]]:
    """Every model with a table, including the tables Django makes for many-to-many fields."""
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def inventoried() -> Iterator[tuple[type[Model], ModelInventory]]:
    for model in all_models():
        inventory = inventory_for(model)
        if inventory is not None:
            yield model, inventory


_HOW_TO_DECLARE = """\
Declare it where the model is defined:

    from django.utils.translation import gettext_lazy as _
    from envol.privacy.inventory import UNTIL_ERASURE, Basis, ModelInventory, SeenBy, Use

    class {name}(models.Model):
        PRIVACY = ModelInventory(
            summary=_("what one row is"),
            uses=(
                Use({fields}, what=_("what these fields hold"), purpose=_("why they are kept"),
                    basis=Basis.CONTRACT, retention=UNTIL_ERASURE, seen_by=SeenBy.YOU_AND_OPERATOR),
            ),
        )

(tokens and secrets: export=Export.PRESENCE, admin_visible=False; pseudonyms and internal keys:
export=Export.OMIT; a model that belongs to one of two persons it names: owner_field="that_fk").
Models this package cannot edit go into envol/privacy/declarations.py, DECLARATIONS["{label}"].
Then: `uv run --frozen python scripts/i18n.py update`, translate the new strings in
src/envol/privacy/locale/fr (or your package's catalogue), and
`uv run --frozen envol privacy docs --write` to regenerate docs/privacy.md."""


def problems(models: list[type[Model]] | None = None) -> list[str]:
    """What is missing or stale in the inventory, each with the exact fix; empty when complete."""
    found: list[str] = []
    for model in all_models() if models is None else models:
        label, fields = model._meta.label, declared_fields(model)
        inventory = inventory_for(model)
        if inventory is None:
            listing = "(" + ", ".join(f'"{f}"' for f in fields) + ",)"
            found.append(
                f"{label} (table {model._meta.db_table}) has no privacy inventory.\n"
                + _HOW_TO_DECLARE.format(name=model.__name__, fields=listing, label=label)
            )
            continue
        covered = [f for use in inventory.uses for f in use.fields]
        missing = [f for f in fields if f not in covered]
        if missing:
            found.append(
                f"{label}: the fields {missing} are not in its privacy inventory: add them to a Use "
                f"of {label}'s ModelInventory (its PRIVACY attribute, or DECLARATIONS['{label}'] in "
                "envol/privacy/declarations.py), saying what they hold, why, on which basis, for how "
                "long and who sees them; then `envol privacy docs --write`."
            )
        stale = sorted(set(covered) - set(fields))
        if stale:
            found.append(f"{label}: the privacy inventory names fields the model no longer has: {stale}")
        twice = sorted({f for f in covered if covered.count(f) > 1})
        if twice:
            found.append(f"{label}: the privacy inventory names these fields in two uses: {twice}")
        for name in (inventory.owner_field, inventory.count_by):
            if name is not None and name not in fields:
                found.append(f"{label}: owner_field/count_by names {name!r}, which is not a field")
    return found
