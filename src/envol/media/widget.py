"""The share widget a site pastes in place of its "share on X" button.

The snippet is plain links first: "share on Bluesky" and "share on Mastodon" lead to this site's
share page (views_share.py), which works out the page to share and sends the reader on, so the
buttons work with no script at all, on a site whose Content-Security-Policy forbids inline
scripts. A small inline script, when the site lets it run, shares the page's title too and goes
straight to Bluesky, and asks for the reader's Mastodon instance on the page itself (remembered
in the reader's browser with localStorage, never sent anywhere). Either way the snippet loads
nothing, sets no cookie and makes no request until the reader clicks; it stays under MAX_BYTES.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.template.loader import render_to_string
from django.utils import translation

from envol.addresses.parse import parse_bluesky_identifier, parse_mastodon_address
from envol.addresses.syntax import normalise_domain
from envol.core.security import hash_source

MAX_BYTES = 10 * 1024
LANGUAGES = ("en", "fr")
MAX_SHARED_URL = 2048
# Query parameters that only say where a reader came from: they are not part of the page.
_TRACKING = re.compile(r"^(utm_[a-z_]+|fbclid|gclid|mc_cid|mc_eid|xtor)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class WidgetOptions:
    language: str = "en"
    share_bluesky: bool = True
    share_mastodon: bool = True
    follow_bluesky: str = ""  # a Bluesky handle or DID, normalised
    follow_mastodon: str = ""  # user@domain, normalised
    script: bool = True  # False: links only, for sites that forbid inline scripts

    @classmethod
    def from_params(cls, params: Mapping[str, str], default_language: str = "en") -> WidgetOptions:
        """Options from the generator form; accounts typed in any form, unknown values dropped.

        A form that names no network at all (first visit) shares on both, in the language of the
        page the generator is shown in.
        """
        language = params.get("lang", default_language)
        asked = any(k in params for k in ("bluesky", "mastodon", "follow_bluesky", "follow_mastodon"))
        mastodon = parse_mastodon_address(params.get("follow_mastodon", ""))
        return cls(
            language=language if language in LANGUAGES else "en",
            share_bluesky=params.get("bluesky") == "on" or not asked,
            share_mastodon=params.get("mastodon") == "on" or not asked,
            follow_bluesky=parse_bluesky_identifier(params.get("follow_bluesky", "")) or "",
            follow_mastodon=str(mastodon) if mastodon else "",
            script=params.get("strict") != "on",
        )

    @property
    def mastodon_profile(self) -> str:
        user, _at, domain = self.follow_mastodon.partition("@")
        return f"https://{domain}/@{user}" if domain else ""


def share_link(base_url: str, network: str, language: str) -> str:
    """This site's share page for one network: where a button leads when no script runs."""
    return f"{base_url.rstrip('/')}/media/share/?{urlencode({'to': network, 'lang': language})}"


def snippet(options: WidgetOptions, base_url: str) -> str:
    """The HTML to paste, in the options' language; `base_url` is this site's public address."""
    context = {
        "o": options,
        "bluesky_share": share_link(base_url, "bluesky", options.language),
        "mastodon_share": share_link(base_url, "mastodon", options.language),
    }
    with translation.override(options.language):
        html = render_to_string("media/widget/snippet.html", context)
    return "\n".join(line.rstrip() for line in html.strip().splitlines() if line.strip()) + "\n"


def inline_hashes(code: str) -> dict[str, str]:
    """The CSP sources that let the snippet's inline blocks run: {"script": "'sha256-…'", ...}."""
    found = re.findall(r"<(script|style)>(.*?)</\1>", code, re.S)
    return {kind: hash_source(body) for kind, body in found}


def shared_url(text: str) -> str | None:
    """The address of a page to share, cleaned: http(s) only, no fragment, no tracking
    parameters, at most MAX_SHARED_URL characters; None when it is not a web page's address."""
    text = text.strip()
    if not text or len(text) > MAX_SHARED_URL:
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not host or parts.username or parts.password:
        return None
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(kept), ""))


def instance_host(text: str) -> str | None:
    """A Mastodon instance typed in any form (`mastodon.social`, `@me@mastodon.social`, a profile
    link), as its lower-case host name; None when it is not one."""
    text = text.strip()
    address = parse_mastodon_address(text) if "@" in text else None
    if address is not None:
        return str(address).rpartition("@")[2]
    host = re.sub(r"^https?://", "", text, flags=re.IGNORECASE).split("/")[0].split("?")[0].split("#")[0]
    return normalise_domain(host.removeprefix("@"))
