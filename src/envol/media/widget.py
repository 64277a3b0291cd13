"""The share widget a site pastes in place of its "share on X" button.

One self-contained snippet (style, buttons, a small script): share on Bluesky through its compose
intent, share on Mastodon through the reader's own instance (asked once, remembered in the
reader's browser with localStorage, never sent anywhere), and optional "follow us" links. It loads
nothing, sets no cookie and makes no request until the reader clicks; it stays under MAX_BYTES.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation

from envol.addresses.parse import parse_bluesky_identifier, parse_mastodon_address

MAX_BYTES = 10 * 1024
LANGUAGES = ("en", "fr")


@dataclass(frozen=True, slots=True)
class WidgetOptions:
    language: str = "en"
    share_bluesky: bool = True
    share_mastodon: bool = True
    follow_bluesky: str = ""  # a Bluesky handle or DID, normalised
    follow_mastodon: str = ""  # user@domain, normalised

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> WidgetOptions:
        """Options from the generator form; accounts typed in any form, unknown values dropped.

        A form that names no network at all (first visit) shares on both.
        """
        language = params.get("lang", "en")
        asked = any(k in params for k in ("bluesky", "mastodon", "follow_bluesky", "follow_mastodon"))
        mastodon = parse_mastodon_address(params.get("follow_mastodon", ""))
        return cls(
            language=language if language in LANGUAGES else "en",
            share_bluesky=params.get("bluesky") == "on" or not asked,
            share_mastodon=params.get("mastodon") == "on" or not asked,
            follow_bluesky=parse_bluesky_identifier(params.get("follow_bluesky", "")) or "",
            follow_mastodon=str(mastodon) if mastodon else "",
        )

    @property
    def mastodon_profile(self) -> str:
        user, _at, domain = self.follow_mastodon.partition("@")
        return f"https://{domain}/@{user}" if domain else ""


def snippet(options: WidgetOptions) -> str:
    """The HTML to paste, in the options' language."""
    with translation.override(options.language):
        html = render_to_string("media/widget/snippet.html", {"o": options})
    return "\n".join(line.rstrip() for line in html.strip().splitlines() if line.strip()) + "\n"
