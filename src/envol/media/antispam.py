"""Spam resistance without third-party captchas and without keeping IP addresses.

- a honeypot field that people never see (hidden by CSS, out of the tab order) and robots fill in;
- a minimum fill time, measured from a signed timestamp put in the form when it is shown (a robot
  cannot forge it without the secret key, nor post faster than a person types); each timestamp
  carries a random nonce and is accepted once (`claim_started`), so one shown form sends one
  declaration;
- at most a few declaration posts per client in a window (`ENVOL_RATE_LIMIT_MEDIA`, counted by
  `envol.core.ratelimit` under a keyed hash of the address);
- at most a few declarations per e-mail address and per web domain a day (counted from the
  declarations themselves, so no extra data is kept);
- the confirmation link goes to an address on the outlet's own domain (rules.email_matches_site).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta

from django.core import signing
from django.core.cache import caches
from django.utils import timezone

from envol.media.models import Declaration

HONEYPOT_FIELD = "homepage"
MIN_FILL_SECONDS = 3
MAX_FILL_SECONDS = 24 * 3600
PER_ADDRESS_PER_DAY = 3
PER_DOMAIN_PER_DAY = 10
_SALT = "envol.media.form-started"
_USED_PREFIX = "envol-media-started"


def form_started_token(now: float | None = None) -> str:
    """The signed time at which the form was shown, with a nonce, for the hidden `started` field."""
    started = round(now if now is not None else time.time(), 3)
    return signing.dumps([started, secrets.token_hex(8)], salt=_SALT)


def _started_at(token: str) -> float | None:
    try:
        value = signing.loads(token, salt=_SALT)
        return float(value[0])
    except (signing.BadSignature, TypeError, ValueError, IndexError, KeyError):
        return None


def filled_too_fast(token: str, now: float | None = None) -> bool:
    """Whether the form came back too soon (or too late, or with a forged or missing token)."""
    started = _started_at(token)
    if started is None:
        return True
    elapsed = (now if now is not None else time.time()) - started
    return not MIN_FILL_SECONDS <= elapsed <= MAX_FILL_SECONDS


def claim_started(token: str) -> bool:
    """Mark a form's token as used; False when it already was (a replayed form).

    Kept in the shared cache for as long as the token could be accepted at all, under a hash of the
    token, and forgotten after that: a replay later than MAX_FILL_SECONDS is refused as stale anyway.
    """
    digest = hashlib.sha256(token.encode()).hexdigest()[:32]
    return bool(caches["default"].add(f"{_USED_PREFIX}:{digest}", 1, timeout=MAX_FILL_SECONDS + 60))


def over_daily_limit(email: str, domain: str) -> bool:
    """Whether this address or this domain already sent its share of declarations in 24 hours."""
    since = timezone.now() - timedelta(days=1)
    recent = Declaration.objects.filter(created_at__gte=since)
    return (
        recent.filter(email__iexact=email).count() >= PER_ADDRESS_PER_DAY
        or recent.filter(domain=domain).count() >= PER_DOMAIN_PER_DAY
    )
