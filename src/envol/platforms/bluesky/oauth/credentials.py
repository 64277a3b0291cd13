"""OAuth credentials for the connector: the DPoP-bound access token of one account."""

from __future__ import annotations

import httpx

from envol.platforms.bluesky.oauth.dpop import DpopSigner
from envol.platforms.bluesky.oauth.jose import EcKey


class OAuthCredentials:
    """Implements ``platforms.bluesky.auth.Credentials``: ``Authorization: DPoP <token>`` and a
    fresh proof per request (``ath`` binds it to the token, ``nonce`` is the PDS's latest)."""

    def __init__(self, *, did: str, pds_url: str, access_token: str, dpop_key: str) -> None:
        self._did = did
        self._pds_url = pds_url.rstrip("/")
        self._access_token = access_token
        self.signer = DpopSigner(EcKey.from_secret(dpop_key))

    @property
    def did(self) -> str:
        return self._did

    @property
    def pds_url(self) -> str:
        return self._pds_url

    def headers(self, method: str, url: str) -> dict[str, str]:
        proof = self.signer.proof(method, url, access_token=self._access_token)
        return {"Authorization": f"DPoP {self._access_token}", "DPoP": proof}

    def observe(self, response: httpx.Response) -> bool:
        return self.signer.observe(response)
