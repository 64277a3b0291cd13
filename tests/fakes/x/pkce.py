"""PKCE as RFC 7636 defines it, the server side: does this verifier match the stored challenge?"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

# RFC 7636 §4.1: 43 to 128 characters from the unreserved set.
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def verifier_matches(verifier: str, challenge: str, method: str) -> bool:
    if method == "plain":
        # X accepts plain, where any string its docs show ("challenge") is both verifier and challenge.
        return hmac.compare_digest(verifier, challenge)
    if not _VERIFIER.match(verifier):
        return False
    return hmac.compare_digest(s256(verifier), challenge)
