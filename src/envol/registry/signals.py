"""Signals the registry sends; other packages subscribe (matching refreshes candidates).

``accounts_changed(person_ids=frozenset[int])``: accounts of these persons were linked, verified,
moved or unlinked. Sent only once the transaction that changed them has committed.

``findable_changed(person_ids=frozenset[int])``: these persons changed who can find them
(registry.findable); sent after commit, as above.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

from envol.registry.models import Account

accounts_changed = Signal()
findable_changed = Signal()


def announce(*person_ids: int) -> None:
    """Send `accounts_changed` for these persons when the current transaction commits."""
    ids = frozenset(person_ids)
    transaction.on_commit(lambda: accounts_changed.send(sender=Account, person_ids=ids))


def findable_changed_on_commit(*person_ids: int) -> None:
    """Send `findable_changed` for these persons when the current transaction commits."""
    ids = frozenset(person_ids)
    transaction.on_commit(lambda: findable_changed.send(sender=Account, person_ids=ids))
