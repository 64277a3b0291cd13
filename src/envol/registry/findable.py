"""Who can find a person through Envol (`Findable`): the choice, recorded and announced.

Matching applies it (envol.matching.candidates, materialise); this module only records it and sends
`findable_changed` on commit, so that the candidates naming the person are rebuilt within seconds.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from envol.registry.models import Findable, Person
from envol.registry.signals import findable_changed_on_commit


def choose(person: Person, choice: Findable) -> None:
    """Record ``choice`` (never UNCHOSEN: a person cannot un-answer) and refresh what depends on it."""
    if choice == Findable.UNCHOSEN:
        raise ValueError("a choice must be one of everyone, confirmed or nobody")
    with transaction.atomic():
        now = timezone.now()
        Person.objects.filter(pk=person.pk).update(
            findable_by=choice, findable_chosen_at=now, findable_notice=False
        )
        person.findable_by, person.findable_chosen_at, person.findable_notice = choice, now, False
        findable_changed_on_commit(person.pk)


def needs_asking(person: Person) -> bool:
    """A person who never answered: the journey asks them before anything else."""
    return person.findable_by == Findable.UNCHOSEN


def acknowledge_notice(person: Person) -> bool:
    """Clear the one-time notice of a person who predates the choice; True when it was due (so the
    caller shows it this once). One UPDATE that only one request can win."""
    if not person.findable_notice:
        return False
    person.findable_notice = False
    return Person.objects.filter(pk=person.pk, findable_notice=True).update(findable_notice=False) == 1
