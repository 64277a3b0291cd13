"""Why the registry refused a sign-in, a link or an unlink: typed, so each page can explain it.

The messages here are for logs and the command line; pages word them for people, in their language.
"""

from __future__ import annotations

from envol.core.ids import Platform


class RegistryError(Exception):
    """Base of every refusal of the registry."""


class AccountTakenError(RegistryError):
    """The account is verified for another person. Envol never merges two persons on its own."""

    def __init__(self, platform: Platform, handle: str) -> None:
        super().__init__(f"{platform.value} account {handle} is already verified for another person")
        self.platform = platform
        self.handle = handle


class PlatformAlreadyLinkedError(RegistryError):
    """The person already has a verified account on this platform: one per platform keeps each
    correspondence "X id ↔ DID ↔ Mastodon account" unambiguous."""

    def __init__(self, platform: Platform, handle: str) -> None:
        super().__init__(f"a {platform.value} account ({handle}) is already linked; unlink it first")
        self.platform = platform
        self.handle = handle


class LastAccountError(RegistryError):
    """Unlinking the only verified account would leave a person nobody can ever sign in as."""

    def __init__(self) -> None:
        super().__init__("the last account a person signs in with cannot be unlinked")


class UnvouchedAccountError(RegistryError):
    """The server that proved the account has no authority over it: a server vouches only for the
    accounts it hosts (DESIGN §2, docs/threat-model.md)."""

    def __init__(self, platform: Platform, handle: str) -> None:
        super().__init__(f"{platform.value} account {handle} was not vouched for by a server hosting it")
        self.platform = platform
        self.handle = handle
