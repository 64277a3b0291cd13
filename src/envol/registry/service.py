"""Finding and creating persons and accounts."""

from __future__ import annotations

from django.db import transaction

from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.registry.models import Account, Person, Verification


def x_account(x_id: int) -> Account | None:
    return Account.objects.select_related("person").filter(platform=Platform.X, stable_id=str(x_id)).first()


def verified_x_account(person: Person) -> Account | None:
    return person.accounts.filter(platform=Platform.X, verification=Verification.VERIFIED).first()


@transaction.atomic
def person_for_claimed_x_owner(x_id: int, handle: str, display_name: str) -> Person:
    """The person whose X account (claimed or verified) is ``x_id``, created with a claimed account
    when nobody has it yet. Used where no one signed in: the command line."""
    existing = x_account(x_id)
    if existing is not None:
        if existing.handle != handle and handle:
            existing.handle = handle
            existing.save(update_fields=["handle"])
        return existing.person
    person = Person.objects.create()
    Account.objects.create(
        person=person,
        platform=Platform.X,
        stable_id=str(x_id),
        handle=handle,
        display_name=display_name,
        verification=Verification.CLAIMED,
        x_key=pseudonymizer().key(x_id),
    )
    return person
