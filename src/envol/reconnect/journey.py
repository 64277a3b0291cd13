"""The person's journey: prove your accounts → share your archive → choose whom to follow →
reconnecting → done. Where the person is, and the one next action, on every page where a step ends.

`step_of` is pure (facts in, step out); `journey_for` reads the facts in a few queries.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from envol.archive.models import ArchiveImport
from envol.core.ids import Platform
from envol.matching import reach, review
from envol.reconnect.models import FollowTask
from envol.reconnect.progress import AccountProgress, progress_for
from envol.reconnect.schedule_date import automatic_start
from envol.reconnect.statement import Phase, figures
from envol.registry.models import Account, Verification


class Step(enum.IntEnum):
    ACCOUNTS = 1
    ARCHIVE = 2
    CHOOSE = 3
    RECONNECTING = 4
    DONE = 5


@dataclass(frozen=True)
class Facts:
    has_x: bool
    networks: frozenset[str]  # the Bluesky and Mastodon accounts the person proved
    has_archive: bool
    has_tasks: bool  # anything chosen or picked: a follow task exists for one of the accounts
    phases: tuple[Phase, ...] = ()  # one per linked Bluesky or Mastodon account


def step_of(facts: Facts) -> Step:
    if not facts.has_x or not facts.networks:
        return Step.ACCOUNTS
    if not facts.has_archive:
        return Step.ARCHIVE
    if not facts.has_tasks or all(p == Phase.IDLE for p in facts.phases):
        return Step.CHOOSE  # nothing chosen, or only planned by hand and never picked
    if any(p in (Phase.RUNNING, Phase.PAUSED, Phase.SCHEDULED) for p in facts.phases):
        return Step.RECONNECTING
    return Step.DONE


@dataclass(frozen=True)
class StepView:
    number: int
    label: str
    state: str  # "done", "current" or "todo"


@dataclass(frozen=True)
class Journey:
    step: Step
    steps: list[StepView]
    action_label: str
    action_url: str
    has_x: bool
    networks: frozenset[str]
    already_there: dict[str, int] = field(default_factory=dict)  # before any upload (reach.already_there)
    found: dict[str, int] = field(default_factory=dict)  # after it: people found per network
    progress: list[AccountProgress] = field(default_factory=list)


def labels() -> dict[Step, str]:
    return {
        Step.ACCOUNTS: _("Prove your accounts"),
        Step.ARCHIVE: _("Share your archive"),
        Step.CHOOSE: _("Choose whom to follow"),
        Step.RECONNECTING: _("Reconnecting"),
        Step.DONE: _("Done"),
    }


def next_action(step: Step, facts: Facts) -> tuple[str, str]:
    """(label, URL) of the one obvious thing to do now."""
    if step == Step.ACCOUNTS:
        if not facts.has_x:
            return _("Sign in with X"), reverse("accounts") + "#link"
        return _("Link your Bluesky or Mastodon account"), reverse("accounts") + "#link"
    if step == Step.ARCHIVE:
        return _("Share your X archive"), reverse("archive_upload")
    if step == Step.CHOOSE:
        return _("Choose whom to follow"), reverse("people")
    if step == Step.RECONNECTING:
        return _("Watch the progress"), reverse("people") + "#progress"
    return _("See your people"), reverse("people")


def journey_for(person_id: int, *, now: datetime | None = None) -> Journey:
    now = now or timezone.now()
    platforms = set(
        Account.objects.filter(person_id=person_id, verification=Verification.VERIFIED).values_list(
            "platform", flat=True
        )
    )
    networks = frozenset(platforms & {Platform.BLUESKY.value, Platform.MASTODON.value})
    has_archive = ArchiveImport.objects.filter(person_id=person_id).exists()
    progress = progress_for(person_id, now=now) if networks else []
    start = automatic_start()
    facts = Facts(
        has_x=Platform.X.value in platforms,
        networks=networks,
        has_archive=has_archive,
        has_tasks=bool(networks) and FollowTask.objects.filter(source__person_id=person_id).exists(),
        phases=tuple(figures(p, start, now).phase for p in progress),
    )
    step = step_of(facts)
    names = labels()
    steps = [
        StepView(int(s), names[s], "done" if s < step else "current" if s == step else "todo") for s in Step
    ]
    label, url = next_action(step, facts)
    before = reach.already_there(person_id) if facts.has_x and not has_archive else {}
    found = {n: c["total"] for n, c in review.counts(person_id).items()} if has_archive else {}
    return Journey(step, steps, label, url, facts.has_x, networks, before, found, progress)
