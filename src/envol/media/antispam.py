"""Spam resistance without third-party captchas and without keeping IP addresses.

- a honeypot field that people never see (hidden by CSS, out of the tab order) and robots fill in;
- a minimum fill time, measured from a signed timestamp put in the form when it is shown (a robot
  cannot forge it without the secret key, nor post faster than a person types);
- at most a few declarations per e-mail address and per web domain a day (counted from the
  declarations themselves, so no extra data is kept);
- the confirmation link goes to an address on the outlet's own domain (rules.email_matches_site).
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.core import signing
from django.utils import timezone

from envol.media.models import Declaration

HONEYPOT_FIELD = "homepage"
MIN_FILL_SECONDS = 3
MAX_FILL_SECONDS = 24 * 3600
PER_ADDRESS_PER_DAY = 3
PER_DOMAIN_PER_DAY = 10
_SALT = "envol.media.form-started"


def form_started_token(now: float | None = None) -> str:
    """The signed time at which the form was shown, for the hidden `started` field."""
    return signing.dumps(round(now if now is not None else time.time(), 3), salt=_SALT)


def filled_too_fast(token: str, now: float | None = None) -> bool:
    """Whether the form came back too soon (or too late, or with a forged or missing token)."""
    try:
        started = float(signing.loads(token, salt=_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return True
    elapsed = (now if now is not None else time.time()) - started
    return not MIN_FILL_SECONDS <= elapsed <= MAX_FILL_SECONDS


def over_daily_limit(email: str, domain: str) -> bool:
    """Whether this address or this domain already sent its share of declarations in 24 hours."""
    since = timezone.now() - timedelta(days=1)
    recent = Declaration.objects.filter(created_at__gte=since)
    return (
        recent.filter(email__iexact=email).count() >= PER_ADDRESS_PER_DAY
        or recent.filter(domain=domain).count() >= PER_DOMAIN_PER_DAY
    )
