"""How the directory's fields read on public pages and in the admin: third-person labels (the form
speaks to the declarant, "Your position"; the outlet's page speaks about the outlet) and stored
values made readable ("leaving" → "Leaving X on a date", "yes" → "Yes", an ISO date → a date in the
reader's format). The history keeps what was stored; this only changes how it is shown."""

from __future__ import annotations

from datetime import date

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from envol.core import moments
from envol.media.models import Kind, Status

FIELD_LABELS: dict[str, str | Promise] = {
    "name": gettext_lazy("Name"),
    "country": gettext_lazy("Country"),
    "website": gettext_lazy("Web site"),
    "kind": gettext_lazy("Kind of outlet"),
    "status": gettext_lazy("Position"),
    "leaving_on": gettext_lazy("Date it leaves X"),
    "bluesky": gettext_lazy("Bluesky account"),
    "mastodon": gettext_lazy("Mastodon account"),
    "x_handle": gettext_lazy("X account"),
    "share_button_removed": gettext_lazy("“Share on X” button removed"),
    "statement_url": gettext_lazy("Public statement"),
    "published": gettext_lazy("In the directory"),
}

_CHOICES: dict[str, dict[str, str | Promise]] = {"kind": dict(Kind.choices), "status": dict(Status.choices)}


def label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


def readable(field: str, value: object) -> str:
    """A declared or stored value as a reader reads it, in the current language; "" for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or value in {"yes", "no"}:
        return _("Yes") if value in {True, "yes"} else _("No")
    text = str(value)
    if field in _CHOICES:
        return str(_CHOICES[field].get(text, text))
    if field == "leaving_on":
        try:
            return moments.day(date.fromisoformat(text))
        except ValueError:
            return text
    if field in {"mastodon", "x_handle"} or (field == "bluesky" and not text.startswith("did:")):
        return text if text.startswith("@") else f"@{text}"
    return text


def mastodon_profile(address: str) -> str:
    """`user@domain` → the profile's address on its instance; "" when it is not one."""
    user, at, domain = address.partition("@")
    return f"https://{domain}/@{user}" if at and user and domain else ""
