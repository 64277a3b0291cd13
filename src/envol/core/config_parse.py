"""How the text of an environment variable becomes a typed value (pure: no Django, no I/O).

Each parser takes the stripped text (the setting's default when the variable is unset or blank) and
returns the value or raises ValueError saying what is expected; ``envol.core.config`` adds the
variable's name. Values are immutable: one parsed value is shared by every read of the same text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import MappingProxyType
from urllib.parse import urlsplit

type Parser[T] = Callable[[str], T]

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY_AND_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*")


def text(raw: str) -> str:
    return raw


def flag(raw: str) -> bool:
    lowered = raw.lower()
    if lowered not in _TRUE | _FALSE:
        raise ValueError(f"expected 1 or 0 (or true/false, yes/no, on/off), not {raw!r}")
    return lowered in _TRUE


def words(raw: str) -> tuple[str, ...]:
    """Comma-separated items, blanks dropped."""
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def whole(*, minimum: int) -> Parser[int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"expected a whole number, not {raw!r}") from None
        if value < minimum:
            raise ValueError(f"expected at least {minimum}, not {value}")
        return value

    return parse


def positive(raw: str) -> float:
    """A number above zero (seconds, minutes, hours)."""
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"expected a number, not {raw!r}") from None
    if not value > 0 or value == float("inf"):
        raise ValueError(f"expected a number above zero, not {raw!r}")
    return value


def at_least_zero(raw: str) -> float:
    """A number of zero or more (a cache duration: zero asks again every time)."""
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"expected a number, not {raw!r}") from None
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"expected a number of zero or more, not {raw!r}")
    return value


def choice(*options: str, case: Callable[[str], str] = str.lower) -> Parser[str]:
    """One of `options`, compared after `case` (lower by default; the empty string when allowed)."""

    def parse(raw: str) -> str:
        value = case(raw)
        if value not in options:
            shown = ", ".join(f"`{option}`" if option else "empty" for option in options)
            raise ValueError(f"expected one of {shown}, not {raw!r}")
        return value

    return parse


def web_address(raw: str) -> str:
    """An http(s) address without its trailing slash; empty stays empty."""
    if not raw:
        return raw
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"expected an http:// or https:// address, not {raw!r}")
    return raw.rstrip("/")


def mail_url(raw: str) -> str:
    """Where e-mail goes: `smtp://…`, `smtps://…` or `console:`; empty stays empty (the console)."""
    if raw and urlsplit(raw).scheme not in {"smtp", "smtps", "console"}:
        raise ValueError(f"expected an address starting with smtp://, smtps:// or console:, not {raw!r}")
    return raw


def addresses_by_domain(raw: str) -> Mapping[str, str]:
    """Comma-separated `domain=URL` pairs, as {lower-cased domain: URL without its trailing slash}."""
    found: dict[str, str] = {}
    for item in words(raw):
        domain, sign, url = item.partition("=")
        if not sign or not domain.strip() or not url.strip():
            raise ValueError(f"expected domain=URL pairs, not {item!r}")
        found[domain.strip().lower()] = web_address(url.strip())
    return MappingProxyType(found)


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` requests per `seconds`-long window."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, raw: str) -> Limit:
        """`COUNT/SECONDS` (e.g. `30/600`)."""
        count, _, seconds = raw.partition("/")
        try:
            limit = cls(int(count), int(seconds))
        except ValueError:
            raise ValueError(f"a rate limit is written COUNT/SECONDS (e.g. 30/600), not {raw!r}") from None
        if limit.count < 1 or limit.seconds < 1:
            raise ValueError(f"a rate limit needs a positive count and window, not {raw!r}")
        return limit


rate = Limit.parse


def start_moment(raw: str) -> datetime | None:
    """`YYYY-MM-DD` (midnight UTC) or an ISO date-time (UTC unless it names its offset); empty: None.

    The pages and the engine both read ENVOL_RECONNECT_FROM through this one function, so that the
    day announced and the moment the engine starts cannot disagree."""
    if not raw:
        return None
    expected = f"expected YYYY-MM-DD or an ISO date-time such as 2027-01-20T09:00, not {raw!r}"
    try:
        if _DAY.fullmatch(raw):
            day = date.fromisoformat(raw)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        if _DAY_AND_TIME.fullmatch(raw):
            moment = datetime.fromisoformat(raw)
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except ValueError:
        pass
    raise ValueError(expected)
