"""Hooks named by their dotted path, imported when first used.

Every app's ready() registers its hooks (signal receivers, periodic jobs, erasure's revokers and
follow undo, tasks to enqueue), and every process runs every ready(): importing the code behind
each hook there would load the platform clients (httpx, TLS) and the engine's executor into a
process that only ingests an archive or answers a page. A ``Deferred("envol.x.y.f")`` stands in
for ``f`` in any registry or signal: the first call (or attribute read, for a task's
``.enqueue``) imports it with Django's ``import_string``; later ones go straight to it.

A broken path therefore fails when the hook first runs, not at start-up: tests/core/test_startup.py
resolves every Deferred registered by the apps, so the suite catches it.
"""

from __future__ import annotations

import threading
from typing import Any

from django.utils.module_loading import import_string

_LOCK = threading.Lock()


class Deferred:
    """A stand-in for the object at ``path``, imported at its first use."""

    __slots__ = ("_target", "path")

    #: Every one made, for the test that resolves them all.
    made: list[Deferred] = []

    def __init__(self, path: str) -> None:
        self.path = path
        self._target: Any = None
        Deferred.made.append(self)

    def resolve(self) -> Any:
        if self._target is None:
            with _LOCK:  # an import is not to run twice at once in two threads
                if self._target is None:
                    self._target = import_string(self.path)
        return self._target

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # inspect and signals probe for markers: they must not import it
            raise AttributeError(name)
        return getattr(self.resolve(), name)

    def __repr__(self) -> str:
        return f"Deferred({self.path!r})"
