"""What makes candidates change, wired to the incremental refresh (loaded by MatchingConfig.ready).

- the registry's `accounts_changed` (an account linked, verified, moved or unlinked; sent on commit)
  and `findable_changed` (a person changed who can find them);
- an archive import saved or deleted (a new import replaces the previous one);
- archive's `archive_imported` (sent on commit): the addresses in the owner's profile.js are stored
  as suggestions (envol.matching.suggestions), tied to the import so that they go with it.

Each enqueues one `refresh_persons` task after the commit, so the request that linked the account is
not slowed down and the worker sees the committed rows. Suggestion rows have no target person, so a
verified owner's profile suggestions appearing or going (a new import, a replaced or erased one)
also refresh the persons whose lists name the owner: the people who knew them on X.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from envol.archive.models import ArchiveImport
from envol.archive.profile import OwnerProfile
from envol.archive.signals import archive_imported
from envol.core.listparam import ids_in
from envol.matching.models import NotificationPreference
from envol.matching.signals import candidates_changed
from envol.matching.suggestions import persons_listing, store_from_profile
from envol.matching.tasks import notify_persons, refresh_persons
from envol.registry.signals import accounts_changed, findable_changed


def enqueue_refresh(person_ids: frozenset[int]) -> None:
    if person_ids:
        refresh_persons.enqueue(sorted(person_ids))


@receiver(accounts_changed, dispatch_uid="matching-accounts-changed")
def _accounts_changed(sender: Any, person_ids: frozenset[int], **kwargs: Any) -> None:
    enqueue_refresh(person_ids)  # already after the commit


@receiver(findable_changed, dispatch_uid="matching-findable-changed")
def _findable_changed(sender: Any, person_ids: frozenset[int], **kwargs: Any) -> None:
    # The rows that have these persons as targets are the ones their choice governs; the refresh
    # rebuilds those (and their own, unchanged) and tells the reconnection engine.
    enqueue_refresh(person_ids)  # already after the commit


@receiver(post_save, sender=ArchiveImport, dispatch_uid="matching-import-saved")
@receiver(post_delete, sender=ArchiveImport, dispatch_uid="matching-import-deleted")
def _import_changed(sender: Any, instance: ArchiveImport, **kwargs: Any) -> None:
    person_ids = frozenset({instance.person_id})
    transaction.on_commit(lambda: enqueue_refresh(person_ids))


@receiver(archive_imported, dispatch_uid="matching-profile-suggestions")
def _archive_imported(
    sender: Any,
    import_id: int,
    person_id: int,
    owner_x_id: int,
    owner_verified: bool,
    profile: OwnerProfile | None,
    **kwargs: Any,
) -> None:
    # A claimed owner's profile is kept but shown to nobody (materialise), as their lists speak
    # only for themselves: anyone can write any bio into an archive they did not prove.
    if profile is not None and store_from_profile(owner_x_id, profile, import_id) and owner_verified:
        enqueue_refresh(persons_listing(owner_x_id) - {person_id})


@receiver(post_delete, sender=ArchiveImport, dispatch_uid="matching-import-deleted-suggestions")
def _verified_import_deleted(sender: Any, instance: ArchiveImport, **kwargs: Any) -> None:
    # Its profile suggestions went with it; whoever may still show one is refreshed, so that an
    # erased person's addresses leave others' lists now rather than at the next repair.
    if instance.owner_verified:
        x_id, person_id = int(instance.owner_x_id), instance.person_id
        transaction.on_commit(
            lambda: enqueue_refresh(persons_listing(x_id, having_suggestions=True) - {person_id})
        )


@receiver(candidates_changed, dispatch_uid="matching-notify")
def _candidates_changed(sender: Any, person_ids: frozenset[int], **kwargs: Any) -> None:
    # Only persons who asked for e-mail are worth a task: one query filters them, the list of any
    # length bound as one parameter.
    chosen = NotificationPreference.objects.filter(ids_in("person_id", person_ids), email_opt_in=True)
    wanted = sorted(chosen.values_list("person_id", flat=True))
    if wanted:
        notify_persons.enqueue(sorted(wanted))
