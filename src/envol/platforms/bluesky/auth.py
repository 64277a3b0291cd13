"""How a request to a person's PDS is authorised: the contract between sign-in and the connector.

Two kinds of credentials exist (issue #5): OAuth access tokens bound to a DPoP key (the main path,
``platforms/bluesky/oauth``) and app-password sessions (the fallback). The connector does not care
which: it asks the credentials for the headers of each request and shows them every response, so
that a DPoP server nonce can be picked up and the request sent once more.

Refreshing is not the connector's job. When the server says the token is no longer valid the
connector raises ``AuthExpired``; the registry refreshes (or marks the account as needing
re-authorisation) and builds new credentials.
"""

from __future__ import annotations

from typing import Protocol

import httpx


class Credentials(Protocol):
    """Authorisation for one account's calls to its own PDS."""

    @property
    def did(self) -> str:
        """The account's DID, as re-verified after sign-in."""
        ...

    @property
    def pds_url(self) -> str:
        """The PDS base URL from the DID document, without a trailing slash."""
        ...

    def headers(self, method: str, url: str) -> dict[str, str]:
        """The headers that authorise this one request (``Authorization`` and, for OAuth, ``DPoP``)."""
        ...

    def observe(self, response: httpx.Response) -> bool:
        """Learn from a response (a new DPoP nonce); True when the same request should be sent again
        once, because it failed only for want of the nonce just learnt."""
        ...
