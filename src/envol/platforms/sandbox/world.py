"""The simulated platforms of the sandbox (decision 0024): who lives there and how their stable ids
are written. Everything is under `sandbox.invalid`, a name no real server can hold (RFC 2606), and
the X ids are a range no real X account reaches, so a simulated account is told from a real one by
its stable id alone (`is_simulated`).

The simulated people are persons as any other: their X, Bluesky and Mastodon accounts are proven
through the registry, so the real matching finds them in a newcomer's sample archive.
"""

from __future__ import annotations

from dataclasses import dataclass

from envol.core.ids import Platform

DOMAIN = "sandbox.invalid"
#: In every simulated Bluesky DID and Mastodon actor URI, and in no real one.
SIMULATED_MARK = f".{DOMAIN}"
BLUESKY_HOST = f"bsky.{DOMAIN}"
MASTODON_HOST = f"mastodon.{DOMAIN}"
#: X ids of simulated accounts: above every id X has issued (snowflakes of 2026 are near 2**61).
X_BASE = 9_100_000_000_000_000_000
NEWCOMER_BASE = X_BASE + 1_000_000


@dataclass(frozen=True, slots=True)
class SimulatedPerson:
    number: int  # their X id is X_BASE + number
    name: str
    nick: str
    bluesky: bool
    mastodon: bool
    locked: bool = False  # their Mastodon account approves followers: a follow becomes a request
    follows_you: bool = True  # in the newcomer's followers
    you_follow: bool = True  # in the newcomer's following


PEOPLE = (
    SimulatedPerson(1, "Amani Diallo", "amani", bluesky=True, mastodon=True),
    SimulatedPerson(2, "Camille Roux", "camille", bluesky=True, mastodon=False, follows_you=False),
    SimulatedPerson(3, "Jo Park", "jo", bluesky=False, mastodon=True),
    SimulatedPerson(4, "Inès Moreau", "ines", bluesky=True, mastodon=True, you_follow=False),
    SimulatedPerson(5, "Sam Okafor", "sam", bluesky=False, mastodon=True, locked=True),
    SimulatedPerson(6, "Lou Bernard", "lou", bluesky=True, mastodon=False),
    SimulatedPerson(7, "Noor Haddad", "noor", bluesky=True, mastodon=True, follows_you=False),
    SimulatedPerson(8, "Alex Lindqvist", "alex", bluesky=False, mastodon=True, you_follow=False),
)
#: People the sample archive lists who are on no network yet (found later, or never).
ELSEWHERE = 24


def x_id(number: int) -> int:
    return X_BASE + number


def bluesky_did(nick: str) -> str:
    return f"did:web:{nick}.{BLUESKY_HOST}"


def bluesky_handle(nick: str) -> str:
    return f"{nick}.{BLUESKY_HOST}"


def mastodon_actor(nick: str) -> str:
    return f"https://{MASTODON_HOST}/users/{nick}"


def mastodon_handle(nick: str) -> str:
    return f"{nick}@{MASTODON_HOST}"


def address(platform: Platform, nick: str) -> str:
    return bluesky_did(nick) if platform == Platform.BLUESKY else mastodon_actor(nick)


def locked_addresses() -> frozenset[str]:
    return frozenset(mastodon_actor(p.nick) for p in PEOPLE if p.locked)


def is_simulated(platform: str, stable_id: str) -> bool:
    """Whether an account's stable id belongs to the simulated platforms."""
    if platform == Platform.X:
        return stable_id.isdigit() and int(stable_id) >= X_BASE
    if platform == Platform.BLUESKY:
        return stable_id.startswith("did:web:") and stable_id.endswith("." + BLUESKY_HOST)
    return stable_id.startswith(f"https://{MASTODON_HOST}/")
