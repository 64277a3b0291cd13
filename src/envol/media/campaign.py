"""The campaign's own accounts ("follow us" on every page), from settings typed in any form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from envol.addresses.parse import parse_bluesky_identifier, parse_mastodon_address
from envol.core.config import CONFIG
from envol.media.rules import parse_x_handle


@dataclass(frozen=True, slots=True)
class CampaignLink:
    network: str  # shown as is: the networks' own names
    address: str
    url: str


def campaign_links() -> list[CampaignLink]:
    """The configured accounts as links, in the order Mastodon, Bluesky, X; unset or unreadable
    ones are left out (so nothing shows when none is set)."""
    links: list[CampaignLink] = []
    if (mastodon := parse_mastodon_address(CONFIG.campaign_mastodon)) is not None:
        links.append(CampaignLink("Mastodon", f"@{mastodon}", f"https://{mastodon.domain}/@{mastodon.user}"))
    if bluesky := parse_bluesky_identifier(CONFIG.campaign_bluesky):
        links.append(CampaignLink("Bluesky", bluesky if bluesky.startswith("did:") else f"@{bluesky}",
                                  f"https://bsky.app/profile/{bluesky}"))  # fmt: skip
    if x := parse_x_handle(CONFIG.campaign_x):
        links.append(CampaignLink("X", f"@{x}", f"https://x.com/{x}"))
    return links


def campaign(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `campaign_links` for the footer of every page."""
    return {"campaign_links": campaign_links()}
