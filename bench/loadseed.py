"""The data bench.load serves: published media outlets, figures over time, and signed-in persons
with their candidates. Run in its own process, against the database of the environment:

    python -m bench.loadseed PEOPLE CANDIDATES OUTLETS  # prints the sessions as JSON

Each person's candidates carry handles that start with `p<person id>-`, so that the load client
can tell, under load, that a review page is that person's and no one else's.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta


def seed(people: int, candidates: int, outlets: int) -> list[dict[str, object]]:
    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from envol.core.ids import Platform
    from envol.matching.models import Candidate, Kind, TargetProfile
    from envol.media.models import Kind as OutletKind
    from envol.media.models import MediaOutlet, Status
    from envol.privacy.activity import SEEN_KEY
    from envol.registry.models import Account, Person, Verification
    from envol.registry.session import SESSION_KEY
    from envol.stats.service import take_snapshot

    call_command("migrate", verbosity=0)
    now = timezone.now()
    statuses, kinds = Status.values, OutletKind.values
    MediaOutlet.objects.bulk_create(
        MediaOutlet(name=f"Outlet {n:04d}", slug=f"outlet-{n}", country=("FR", "BE", "CH", "CA")[n % 4],
                    website=f"https://outlet{n}.example", domain=f"outlet{n}.example",
                    kind=kinds[n % len(kinds)], status=statuses[n % len(statuses)], published=True,
                    status_since=now - timedelta(days=n % 90))
        for n in range(outlets)
    )  # fmt: skip
    for days in range(24, 0, -1):  # a chart's worth of points
        take_snapshot(now=now - timedelta(days=days))
    sessions: list[dict[str, object]] = []
    for _ in range(people):
        person = Person.objects.create()
        Account.objects.create(person=person, platform=Platform.X, stable_id=str(10_000 + person.pk),
                               handle=f"bench{person.pk}", verification=Verification.VERIFIED)  # fmt: skip
        # A linked Bluesky account, as anyone following people has: "Your people" then shows its
        # progress and what "follow all" covers (issue #20), which the review scenario measures.
        Account.objects.create(
            person=person, platform=Platform.BLUESKY, stable_id=f"did:plc:bench{person.pk}",
            handle=f"bench{person.pk}.bsky.test", verification=Verification.VERIFIED,
        )  # fmt: skip
        rows = [
            Candidate(person=person, network=(Platform.BLUESKY, Platform.MASTODON)[n % 2],
                      address=f"did:plc:p{person.pk}c{n}" if n % 2 == 0 else f"https://m.example/users/p{person.pk}c{n}",
                      kind=Kind.VERIFIED, handle=f"p{person.pk}-c{n}.example", followee=True,
                      follower=n % 3 == 0, first_seen_at=now - timedelta(days=1))
            for n in range(candidates)
        ]  # fmt: skip
        Candidate.objects.bulk_create(rows)
        TargetProfile.objects.bulk_create(
            TargetProfile(network=row.network, address=row.address, display_name=f"Name {row.handle}")
            for row in rows[::2]
        )
        store = SessionStore()
        store[SESSION_KEY] = person.pk
        store[SEEN_KEY] = now.date().isoformat()  # a returning person: the once-a-day write is done
        store.create()
        ids = list(Candidate.objects.filter(person=person).order_by("pk").values_list("pk", flat=True))
        sessions.append({"session": store.session_key, "marker": f"p{person.pk}-", "candidates": ids[:20]})
    return sessions


if __name__ == "__main__":
    people, candidates, outlets = (int(v) for v in sys.argv[1:4])
    print(json.dumps(seed(people, candidates, outlets)))
