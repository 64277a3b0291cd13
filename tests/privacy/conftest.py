"""A person with data in every model that relates to a person: the known models get meaningful
rows, and any other model the foreign-key walk reaches gets one generated row, so that models other
packages add later are covered by the erasure and export tests without editing them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from django.db import models
from django.utils import timezone

from envol.archive.models import ArchiveImport, Source
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.graph.bulk import store_edges
from envol.graph.models import Direction, Edge
from envol.privacy.audit import record_access
from envol.privacy.consent import decide
from envol.privacy.inventory import all_models
from envol.privacy.models import Purpose
from envol.privacy.relations import person_graph
from envol.registry.models import Account, MastodonApp, Person, Verification

THIRD_PARTY_X_IDS = (777000111, 888000222, 999000333)  # people who never joined


@dataclass
class Someone:
    person: Person
    x_id: int
    handle: str
    did: str
    actor: str
    token: str
    markers: list[str] = field(default_factory=list)  # every text that identifies them

    @property
    def x_key(self) -> int:
        return pseudonymizer().key(self.x_id)


def make_person(
    tag: str, x_id: int, *, follows: list[int] | None = None, app: MastodonApp | None = None
) -> Someone:
    """A verified person on X, Bluesky and Mastodon, with an import listing ``follows``."""
    person = Person.objects.create(findable_by="everyone")
    handle, did, actor = f"{tag}_handle", f"did:plc:{tag}plc", f"https://mastodon.test/users/{tag}"
    token = f"clear-token-of-{tag}"
    Account.objects.create(
        person=person,
        platform=Platform.X,
        stable_id=str(x_id),
        handle=handle,
        display_name=f"{tag} Display",
        verification=Verification.VERIFIED,
        x_key=pseudonymizer().key(x_id),
    )
    Account.objects.create(
        person=person,
        platform=Platform.BLUESKY,
        stable_id=did,
        handle=f"{tag}.bsky.test",
        verification=Verification.VERIFIED,
    )
    Account.objects.create(
        person=person,
        platform=Platform.MASTODON,
        stable_id=actor,
        handle=f"{tag}@mastodon.test",
        verification=Verification.VERIFIED,
        access_token=token,
        token_scope="read write",
        mastodon_app=app,
    )
    record = ArchiveImport.objects.create(
        person=person,
        owner_x_id=str(x_id),
        owner_handle=handle,
        owner_verified=True,
        followers_count=2,
        following_count=len(follows or []),
        source=Source.UPLOAD,
    )
    followers = np.sort(pseudonymizer().keys(np.array(THIRD_PARTY_X_IDS[:2], dtype=np.uint64)))
    lists = {Direction.FOLLOWER: followers}
    if follows:
        lists[Direction.FOLLOWING] = np.sort(pseudonymizer().keys(np.array(follows, dtype=np.uint64)))
    store_edges(record.pk, lists)
    decide(person, Purpose.MIGRATION, True)
    decide(person, Purpose.RESEARCH, True)
    someone = Someone(person, x_id, handle, did, actor, token)
    someone.markers = [
        handle,
        did,
        actor,
        f"{tag} Display",
        f"{tag}.bsky.test",
        f"{tag}@mastodon.test",
        str(x_id),
    ]
    return someone


def fill_every_related_model(someone: Someone) -> list[str]:
    """One generated row in each person-related model that has none yet; returns their labels."""
    filled = []
    rows: dict[type[models.Model], models.Model] = {}
    for link in person_graph():
        model = link.model
        existing = model._default_manager.filter(**_owner_filter(link, rows, someone)).first()
        if existing is not None:
            rows[model] = existing
            continue
        values = {
            f.name: _value_for(f, rows, someone) for f in model._meta.concrete_fields if _needs_value(f)
        }
        rows[model] = model._default_manager.create(**values)
        filled.append(model._meta.label)
    return filled


def _owner_filter(
    link: Any, rows: dict[type[models.Model], models.Model], someone: Someone
) -> dict[str, Any]:
    if not link.via:
        return {"pk": someone.person.pk}
    key = link.via[0]
    parent = rows.get(key.related_model)
    return {key.name: parent} if parent is not None else {"pk__in": []}


def _needs_value(f: models.Field[Any, Any]) -> bool:
    return not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField)) and not (
        getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    )


def _value_for(
    f: models.Field[Any, Any], rows: dict[type[models.Model], models.Model], someone: Someone
) -> Any:
    if isinstance(f, models.ForeignKey):
        return rows.get(f.related_model)  # type: ignore[call-overload]
    if f.choices:
        return f.choices[0][0]  # type: ignore[index]
    if f.has_default():
        return f.get_default()
    if isinstance(f, models.BooleanField):
        return False
    if isinstance(f, models.DateTimeField):
        return timezone.now()
    if isinstance(f, models.DateField):
        return dt.date.today()
    if isinstance(f, models.JSONField):
        return {"handle": someone.handle}
    if isinstance(f, models.EmailField):
        return f"{someone.handle}@example.org"
    if isinstance(f, models.UUIDField):
        import uuid

        return uuid.uuid4()
    if isinstance(f, models.IntegerField):
        return 1
    if isinstance(f, models.CharField | models.TextField):
        return someone.handle[: f.max_length or 100]
    return None


TEXT = (models.CharField, models.TextField, models.JSONField)
INTEGER = (models.IntegerField,)  # BigIntegerField, SmallIntegerField... are subclasses


def leftovers(someone: Someone, erased_pks: dict[type[models.Model], set[Any]]) -> list[str]:
    """Every place in the database that still names ``someone``."""
    found = []
    for model in all_models():
        manager = model._default_manager
        for f in model._meta.concrete_fields:
            where = f"{model._meta.label}.{f.name}"
            if isinstance(f, models.ForeignKey) and f.related_model in erased_pks:
                gone = erased_pks[f.related_model]  # type: ignore[index]
                if gone and manager.filter(**{f"{f.attname}__in": gone}).exists():
                    found.append(f"{where} points at an erased row")
            elif isinstance(f, TEXT):
                for marker in someone.markers:
                    if manager.filter(**{f"{f.name}__icontains": marker}).exists():
                        found.append(f"{where} contains {marker!r}")
            elif isinstance(f, INTEGER) and not f.primary_key:
                for value in (someone.x_key, someone.x_id):
                    query = manager.filter(**{f.name: value})
                    if model is Edge:  # other persons' lists: see test_others_keep_their_lists
                        query = query.filter(archive_import__person=someone.person)
                    if query.exists():
                        found.append(f"{where} holds {value}")
    return found


@pytest.fixture
def app() -> MastodonApp:
    return MastodonApp.objects.create(
        domain="mastodon.test",
        base_url="http://127.0.0.1:9",
        client_id="cid",
        client_secret="app-secret",
        scopes="read write",
        redirect_uri="http://testserver/cb",
    )


def audit(someone: Someone) -> None:
    record_access("operator1", "view", Account, someone.person.accounts.values_list("pk", flat=True))
