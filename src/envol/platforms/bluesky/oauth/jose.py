"""ES256 keys and compact JWTs: just what AT Protocol OAuth needs (DPoP proofs, client assertions).

No JOSE library is used on purpose: the profile is tiny (one algorithm, ES256 on P-256), and
writing it on ``cryptography`` keeps the dependency list short. Signatures are JWS-style raw
``r || s`` (RFC 7518 §3.4), not the DER that ``cryptography`` returns.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

_COORD = 32  # bytes of a P-256 coordinate or scalar


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int_bytes(value: int) -> bytes:
    return value.to_bytes(_COORD, "big")


class EcKey:
    """A P-256 private key with its public JWK and the ES256 signature of compact JWTs."""

    def __init__(self, private: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(private.curve, ec.SECP256R1):
            raise ValueError("only P-256 keys (ES256) are used")
        self._private = private

    @classmethod
    def generate(cls) -> EcKey:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_secret(cls, secret: str) -> EcKey:
        """From :meth:`secret`: the private scalar ``d``, base64url (what settings and rows store)."""
        try:
            scalar = int.from_bytes(b64url_decode(secret.strip()), "big")
            return cls(ec.derive_private_key(scalar, ec.SECP256R1()))
        except (ValueError, TypeError) as exc:
            raise ValueError("not a base64url P-256 private key") from exc

    def secret(self) -> str:
        return b64url(_int_bytes(self._private.private_numbers().private_value))

    def public_jwk(self) -> dict[str, str]:
        numbers = self._private.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(_int_bytes(numbers.x)),
            "y": b64url(_int_bytes(numbers.y)),
        }

    def thumbprint(self) -> str:
        """RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order."""
        jwk = self.public_jwk()
        canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
        return b64url(hashlib.sha256(canonical.encode()).digest())

    def sign_jwt(self, header: dict[str, Any], payload: dict[str, Any]) -> str:
        head = b64url(json.dumps({**header, "alg": "ES256"}, separators=(",", ":")).encode())
        body = b64url(json.dumps(payload, separators=(",", ":")).encode())
        signing_input = f"{head}.{body}".encode("ascii")
        r, s = decode_dss_signature(self._private.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return f"{head}.{body}.{b64url(_int_bytes(r) + _int_bytes(s))}"


def verify_jwt(token: str, jwk: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, payload) of an ES256 JWT signed by ``jwk``'s key; ValueError otherwise. For tests
    and for checking what Envol publishes: Envol never has to trust a JWT it did not make."""
    try:
        head, body, signature = token.split(".")
        raw = b64url_decode(signature)
        public = ec.EllipticCurvePublicNumbers(
            int.from_bytes(b64url_decode(jwk["x"]), "big"),
            int.from_bytes(b64url_decode(jwk["y"]), "big"),
            ec.SECP256R1(),
        ).public_key()
        der = encode_dss_signature(int.from_bytes(raw[:_COORD], "big"), int.from_bytes(raw[_COORD:], "big"))
        public.verify(der, f"{head}.{body}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
        return json.loads(b64url_decode(head)), json.loads(b64url_decode(body))
    except Exception as exc:  # any malformed part or a bad signature
        raise ValueError("invalid ES256 JWT") from exc


def access_token_hash(access_token: str) -> str:
    """DPoP ``ath``: base64url SHA-256 of the access token (RFC 9449 §4.2)."""
    return b64url(hashlib.sha256(access_token.encode("ascii")).digest())
