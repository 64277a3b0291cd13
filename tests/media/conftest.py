"""Helpers for the media tests: a filled-in declaration form, and outlets already published."""

from __future__ import annotations

import re
import time
from typing import Any

from django.core import mail
from django.test import Client

from envol.media import service
from envol.media.antispam import form_started_token
from envol.media.models import MediaOutlet


def form_data(**overrides: Any) -> dict[str, Any]:
    """What a person of Le Monde types, shown the form ten seconds ago."""
    data = {
        "name": "Le Monde",
        "website": "https://www.lemonde.fr/",
        "country": "fr",
        "kind": "press",
        "status": "leaving",
        "leaving_on": "2027-01-20",
        "bluesky": "https://bsky.app/profile/lemonde.fr",
        "mastodon": "@lemonde@mastodon.social",
        "x_handle": "https://x.com/lemondefr",
        "share_button_removed": "on",
        "statement_url": "https://www.lemonde.fr/statement",
        "email": "redaction@lemonde.fr",
        "homepage": "",
        "started": form_started_token(time.time() - 10),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def confirmation_link() -> str:
    """The path of the confirmation link in the last e-mail sent."""
    found = re.search(r"https?://[^/\s]+(/media/confirm/[^\s]+/)", mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return found.group(1)


def declare_and_confirm(client: Client, path: str = "/media/declare/", **overrides: Any) -> int:
    """Submit the form and follow the e-mailed link; returns the pending declaration's id."""
    response = client.post(path, form_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:3000]
    client.post(confirmation_link())
    return int(service.Declaration.objects.latest("pk").pk)


def published(client: Client, **overrides: Any) -> MediaOutlet:
    """An outlet declared, confirmed and approved by a moderator."""
    return service.approve(declare_and_confirm(client, **overrides), actor="moderator")
