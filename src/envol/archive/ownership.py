"""An archive import follows its claimed X account when proving the account moves it to another
person (registered with envol.registry.hooks when the archive app is ready)."""

from __future__ import annotations

from envol.archive.models import ArchiveImport
from envol.registry.models import Person


def move_import(source: Person, target: Person) -> None:
    """The source's import goes to the target; when both hold one, the newer stays."""
    moving = ArchiveImport.objects.filter(person=source).first()
    kept = ArchiveImport.objects.filter(person=target).first()
    if moving is None:
        return
    if kept is not None and kept.created_at >= moving.created_at:
        moving.delete()  # its edges go with it
        return
    if kept is not None:
        kept.delete()
    ArchiveImport.objects.filter(pk=moving.pk).update(person=target)


def holds_import(person: Person) -> bool:
    return ArchiveImport.objects.filter(person=person).exists()
