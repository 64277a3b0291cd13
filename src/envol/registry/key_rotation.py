"""Re-encrypt every stored secret under the first token key (the rotation step of core.crypto)."""

from __future__ import annotations

from django.apps import apps
from django.db import transaction
from django.db.models import Model, Q

from envol.core.fields import EncryptedTextField

BATCH = 500


@transaction.atomic
def rotate_token_keys() -> dict[str, int]:
    """{"app_label.Model": rows re-encrypted}, every model with an EncryptedTextField.

    Loading decrypts with whichever configured key made the value; saving encrypts with the first.
    All or nothing: a value no key can open (TokenKeyError) rolls the whole rotation back, so the
    old key is never dropped while something still depends on it.
    """
    counts: dict[str, int] = {}
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            counts[model._meta.label] = _rotate_table(model, fields)
    return counts


def _rotate_table(model: type[Model], fields: list[str]) -> int:
    # Keyset pages rather than a streaming cursor: bounded memory, and nothing left open on
    # PostgreSQL when a value fails to decrypt half-way and the transaction rolls back.
    manager, done, last = model._default_manager, 0, None
    holds_secret = Q()  # rows where at least one of the fields is set (NULL: nothing to rotate)
    for name in fields:
        holds_secret |= Q(**{f"{name}__isnull": False})
    while True:
        page = manager.filter(holds_secret).only("pk", *fields).order_by("pk")
        batch = list((page.filter(pk__gt=last) if last is not None else page)[:BATCH])
        if not batch:
            return done
        manager.bulk_update(batch, fields)
        done, last = done + len(batch), batch[-1].pk
