"""Consents: the necessary purpose (the migration) and three opt-ins, each recorded with the version
of the text the person read and the time. Other packages ask :func:`may` (one person) or
:func:`persons_who_allow` (a set, for one SQL statement) before using data for an optional purpose;
a withdrawal is a new row, so it takes effect on the very next question.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from envol.privacy.models import Consent, Purpose
from envol.registry.models import Person


@dataclass(frozen=True, slots=True)
class PurposeText:
    version: str  # bump it whenever the text changes: earlier consents then show their own version
    title: str | Promise
    text: str | Promise


TEXTS: dict[Purpose, PurposeText] = {
    Purpose.MIGRATION: PurposeText(
        "2",  # 2: the block and mute lists, and blocking for the person (decision 0026)
        _("Your migration (necessary)"),
        _(
            "To re-create your links, Envol keeps the accounts you prove are yours, the lists of your "
            "X archive (other people's X ids only as keyed codes; the accounts you blocked or muted "
            "only if you ask) and the keys Bluesky and Mastodon give it to follow accounts for you "
            "(and, if you ask, to block or mute there the people you blocked or muted on X). Nothing "
            "else is needed, and you can export or erase all of it at any time."
        ),
    ),
    Purpose.NEWSLETTER: PurposeText(
        "1",
        _("Newsletter"),
        _("Envol may send news of the campaign to the e-mail address you give here."),
    ),
    Purpose.RESEARCH: PurposeText(
        "1",
        _("Research"),
        _(
            "Researchers studying the move away from X may use your data, pseudonymised, under an "
            "agreement with the operator."
        ),
    ),
    Purpose.PUBLIC_NAME: PurposeText(
        "1",
        _("Your name in public figures"),
        _("The public statistics may name your account among the people who moved."),
    ),
}

OPTIONAL: tuple[Purpose, ...] = (Purpose.NEWSLETTER, Purpose.RESEARCH, Purpose.PUBLIC_NAME)


def _latest(purpose: Purpose) -> QuerySet[Consent]:
    return Consent.objects.filter(person=OuterRef("pk"), purpose=purpose).order_by("-decided_at", "-pk")


def may(person_id: int, purpose: Purpose) -> bool:
    """May Envol use this person's data for ``purpose`` right now? Optional purposes: only after
    an explicit yes that was not withdrawn since. The migration: until the person erases their data."""
    if purpose == Purpose.MIGRATION:
        return Person.objects.filter(pk=person_id).exists()
    latest = (
        Consent.objects.filter(person_id=person_id, purpose=purpose).order_by("-decided_at", "-pk").first()
    )
    return latest is not None and latest.granted


def persons_who_allow(purpose: Purpose) -> QuerySet[Person]:
    """The persons whose latest decision on ``purpose`` is yes, as one query to join or filter on."""
    latest = _latest(purpose).values("granted")[:1]
    return Person.objects.annotate(allows=Subquery(latest)).filter(allows=True)


def current(person: Person) -> dict[Purpose, Consent | None]:
    """The decision in force per purpose (None: never asked or never answered)."""
    rows = Consent.objects.filter(person=person).order_by("purpose", "-decided_at", "-pk")
    decided: dict[Purpose, Consent | None] = dict.fromkeys(Purpose)
    for row in rows:
        decided[Purpose(row.purpose)] = decided[Purpose(row.purpose)] or row
    return decided


@transaction.atomic
def decide(person: Person, purpose: Purpose, granted: bool) -> Consent | None:
    """Record a decision with the current text version; None when it changes nothing."""
    Person.objects.select_for_update().filter(pk=person.pk).first()  # serialise two quick clicks
    in_force = current(person)[purpose]
    version = TEXTS[purpose].version
    if in_force is not None and in_force.granted == granted and in_force.text_version == version:
        return None
    return Consent.objects.create(person=person, purpose=purpose, granted=granted, text_version=version)


def acknowledge_migration(person: Person) -> None:
    """The necessary purpose was explained at sign-in: record the version the person was shown."""
    if not Consent.objects.filter(person=person, purpose=Purpose.MIGRATION).exists():
        decide(person, Purpose.MIGRATION, True)
