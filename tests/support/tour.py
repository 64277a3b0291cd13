"""A tour of every page: a site filled with representative data (so that every enum, count and date
a page can show is shown, with counts of four digits and more), and the list of pages to visit for
a visitor and for a signed-in person, found by walking the URL configuration.

Used by the language checks (tests/web/test_language.py) and the accessibility checks in Chromium
(tests/web/test_accessibility.py). A page whose URL takes an argument is visited with the argument
named in ``ARGUMENTS``; a new page with an argument nobody named fails ``test_every_route_is_toured``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.core import signing
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from envol.archive.models import ArchiveImport
from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.matching.materialise import refresh_everyone
from envol.matching.models import Candidate, Kind, Unavailable
from envol.media import service as media
from envol.media.antispam import form_started_token
from envol.media.models import Declaration
from envol.privacy.consent import decide
from envol.privacy.models import Purpose
from envol.reconnect.models import Directions, FollowTask, Mode, ReconnectChoice
from envol.reconnect.states import TaskState
from envol.registry.models import Account, Person, Verification
from envol.stats.service import take_snapshot

ME_X_ID = 1_000_001
FRIENDS = 12  # people the tour's person knew on X and who joined, each on Bluesky and Mastodon
DONE_FOLLOWS = 1_234  # enough for a count of four digits on the progress pages

#: Not pages for people: Django's admin (its own templates and catalogue: decision 0011), the
#: language switch (a POST that redirects), data files and images.
SKIPPED_PREFIXES = ("admin/", "i18n/")
NOT_PAGES = {
    "healthz",
    "bluesky_client_metadata",
    "bluesky_jwks",
    "media_feed_json",
    "media_feed_csv",
    "media_widget_snippet",
    "matching_api",
    "matching_avatar",
    "privacy_export_json",
    "reconnect_export_mastodon",
    "reconnect_export_json",
}


@dataclass
class Site:
    person: Person
    bluesky: Account
    mastodon: Account
    outlet_slug: str
    confirm_token: str
    arguments: dict[str, dict[str, object]] = field(default_factory=dict)


def _account(person: Person, platform: Platform, stable_id: str, handle: str, name: str = "") -> Account:
    x_key = pseudonymizer().key(int(stable_id)) if platform == Platform.X else None
    return Account.objects.create(
        person=person, platform=platform, stable_id=stable_id, handle=handle, display_name=name,
        verification=Verification.VERIFIED, x_key=x_key,
    )  # fmt: skip


def _friend(n: int) -> Person:
    friend = Person.objects.create()
    _account(friend, Platform.X, str(ME_X_ID + n), f"friend{n}")
    _account(friend, Platform.BLUESKY, f"did:plc:friend{n}", f"friend{n}.bsky.test", f"Friend {n}")
    _account(friend, Platform.MASTODON, f"https://m.test/users/friend{n}", f"friend{n}@m.test", f"Friend {n}")
    return friend


def _outlet() -> tuple[str, str]:
    """A published outlet (every declared field filled) and a pending confirmation link."""
    declared = {
        "name": "Le Quotidien",
        "website": "https://www.lequotidien.fr/",
        "country": "fr",
        "kind": "press",
        "status": "leaving",
        "leaving_on": "2027-01-20",
        "bluesky": "lequotidien.fr",
        "mastodon": "@quotidien@mastodon.test",
        "x_handle": "quotidien",
        "share_button_removed": True,
        "statement_url": "https://www.lequotidien.fr/statement",
    }
    first = media.submit(declared, email="news@lequotidien.fr", language="fr", base_url="http://testserver")
    media.confirm(signing.dumps(first.pk, salt=media.CONFIRM_SALT))
    outlet = media.approve(first.pk, actor="moderator")
    other = dict(declared, name="Radio Exemple", website="https://www.radio-exemple.fr/", kind="radio",
                 status="considering", share_button_removed=False)  # fmt: skip
    pending = media.submit(other, email="news@radio-exemple.fr", language="fr", base_url="http://testserver")
    return outlet.slug, signing.dumps(pending.pk, salt=media.CONFIRM_SALT)


def _tasks(source: Account, friends: list[Person], done_follows: int) -> None:
    now = timezone.now()
    network = source.platform
    states = [TaskState.DONE, TaskState.FAILED, TaskState.PLANNED, TaskState.REQUESTED, TaskState.SKIPPED,
              TaskState.ALREADY_FOLLOWING, TaskState.READY, TaskState.WAITING_AUTH]  # fmt: skip
    rows = [
        FollowTask(source=source, network=network, target_id=f"{network}:friend{n}",
                   target_handle=f"friend{n}.{network}.test", followee=n % 2 == 0, follower=n % 3 != 0,
                   state=states[n % len(states)], reason="not_found" if n % len(states) == 4 else "",
                   last_error="HTTP 500" if n % len(states) == 1 else "", created_at=now, updated_at=now)
        for n in range(len(friends))
    ]  # fmt: skip
    # Follows Envol made and can prove (what an undo removes): the record key or the remote id.
    proof = {"record_key": "3kfollow" if network == Platform.BLUESKY else "1"}
    rows += [
        FollowTask(source=source, network=network, target_id=f"{network}:many{n}", target_handle=f"m{n}.test",
                   followee=True, state=TaskState.DONE, created_at=now, updated_at=now, finished_at=now,
                   **proof)
        for n in range(done_follows)
    ]  # fmt: skip
    FollowTask.objects.bulk_create(rows)


def populate(tmp_path: Path, *, done_follows: int = DONE_FOLLOWS) -> Site:
    """The whole site: one signed-in person with everything, their people, an outlet, figures.
    ``done_follows``: the follows already made per account (a few suffice where counts do not matter:
    the export page lists each one)."""
    me = Person.objects.create()
    _account(me, Platform.X, str(ME_X_ID), "me_on_x", "Me")
    bluesky = _account(me, Platform.BLUESKY, "did:plc:meonbsky", "me.bsky.test", "Me")
    mastodon = _account(me, Platform.MASTODON, "https://m.test/users/me", "me@m.test", "Me")
    friends = [_friend(n) for n in range(1, FRIENDS + 1)]
    followers = [ME_X_ID + n for n in range(1, FRIENDS, 2)]
    following = [ME_X_ID + n for n in range(1, FRIENDS + 1) if n % 3]
    archive = write_synthetic_archive(
        tmp_path / "me.zip", owner_id=ME_X_ID, handle="me_on_x", followers=followers, following=following
    )
    ingest(archive.path)
    # The counts a large account has (the rows above are what matching needs; these are what is shown).
    ArchiveImport.objects.filter(person=me).update(followers_count=12_345, following_count=2_345)
    refresh_everyone(notify=False)
    now = timezone.now()
    bsky, masto = Platform.BLUESKY, Platform.MASTODON
    Candidate.objects.bulk_create([
        Candidate(person=me, network=bsky, address="did:plc:bridged", handle="bridged.ap.brid.gy",
                  kind=Kind.BRIDGED, followee=True, first_seen_at=now),
        Candidate(person=me, network=masto, address="https://m.test/users/hint", handle="hint@m.test",
                  kind=Kind.SUGGESTION, follower=True, first_seen_at=now),
        Candidate(person=me, network=masto, address="https://m.test/users/gone", handle="gone@m.test",
                  kind=Kind.VERIFIED, followee=True, follower=True, unavailable=Unavailable.MOVED,
                  moved_to="new@m.test", first_seen_at=now, dismissed_at=now),
    ])  # fmt: skip
    ReconnectChoice.objects.create(account=bluesky, directions=Directions.BOTH, mode=Mode.AUTOMATIC)
    ReconnectChoice.objects.create(account=mastodon, directions=Directions.FOLLOWEES, mode=Mode.MANUAL)
    _tasks(bluesky, friends, done_follows)
    _tasks(mastodon, friends, done_follows)
    for purpose in Purpose:
        decide(me, purpose, purpose != Purpose.RESEARCH)
    slug, token = _outlet()
    take_snapshot(now - timedelta(days=2))
    take_snapshot(now)
    site = Site(me, bluesky, mastodon, slug, token)
    site.arguments = {
        "media_confirm": {"token": token},
        "media_outlet": {"slug": slug},
        "media_update": {"slug": slug},
        "unlink_account": {"account_id": mastodon.pk},
        "reconnect_choose": {"account_id": bluesky.pk},
        "reconnect_review": {"account_id": mastodon.pk},
        "reconnect_undo": {"account_id": bluesky.pk},
        "reconnect_retry": {"account_id": bluesky.pk},
        "reconnect_pace": {"account_id": bluesky.pk},
        "reconnect_resume": {"account_id": bluesky.pk},
        "reconnect_bluesky_list": {"account_id": bluesky.pk},
        "sandbox_link": {"network": "bluesky"},
    }
    return site


def form_token() -> str:
    return form_started_token(time.time() - 10)


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    pattern: str  # as written in the configuration, arguments in <…>


def routes() -> list[Route]:
    """Every named route of the configuration, but the ones that are not pages for people."""
    found: list[Route] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route)
            elif entry.name and entry.name not in NOT_PAGES:
                found.append(Route(entry.name, prefix + route))

    walk(get_resolver().url_patterns, "")
    return [r for r in found if not r.pattern.startswith(SKIPPED_PREFIXES)]


def paths(site: Site, reverse: Callable[..., str]) -> Iterator[tuple[str, str]]:
    """(route name, path) for every page; raises KeyError for a route with arguments nobody named."""
    for route in routes():
        if "<" in route.pattern:
            yield route.name, reverse(route.name, kwargs=site.arguments[route.name])
        else:
            yield route.name, reverse(route.name)


def pending_declaration() -> Declaration:
    return Declaration.objects.order_by("-pk").first()  # type: ignore[return-value]
