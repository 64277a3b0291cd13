"""Signals matching sends, for packages that act on candidates (the reconnection engine plans follows).

``candidates_changed(person_ids=frozenset[int])`` is sent after the transaction that added, changed
or removed candidate rows of those persons commits. Receivers must be quick: enqueue a task.
"""

from __future__ import annotations

from django.dispatch import Signal

candidates_changed = Signal()
