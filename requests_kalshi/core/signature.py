"""The signing rules of the Kalshi Trade API v2: the signed text and the signature itself.

Kalshi signs ``TIMESTAMP + METHOD + PATH``: the Unix time in milliseconds, the upper-case
method and the URL path from the root (``/trade-api/v2/...``) without query string or
fragment. RSA keys sign with RSA-PSS (SHA-256, MGF1-SHA-256, salt = digest length); Ed25519
keys sign with Ed25519. The signature travels base64-encoded in ``KALSHI-ACCESS-SIGNATURE``.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from requests_kalshi.keys import PrivateKey

__all__ = [
    "ACCESS_KEY",
    "ACCESS_SIGNATURE",
    "ACCESS_TIMESTAMP",
    "SIGNED_HEADERS",
    "sign_message",
    "string_to_sign",
    "verify_signature",
]

ACCESS_KEY = "KALSHI-ACCESS-KEY"
"""Header carrying the API key id."""
ACCESS_TIMESTAMP = "KALSHI-ACCESS-TIMESTAMP"
"""Header carrying the signed timestamp in milliseconds."""
ACCESS_SIGNATURE = "KALSHI-ACCESS-SIGNATURE"
"""Header carrying the base64 signature."""
SIGNED_HEADERS = (ACCESS_KEY, ACCESS_TIMESTAMP, ACCESS_SIGNATURE)
"""The three headers of an authenticated Kalshi request."""

_SHA256 = hashes.SHA256()
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def string_to_sign(timestamp_ms: int | str, method: str, path: str) -> str:
    """The exact text Kalshi signs: ``f"{timestamp_ms}{METHOD}{path}"``.

    >>> string_to_sign(1703123456789, "get", "/trade-api/v2/portfolio/balance")
    '1703123456789GET/trade-api/v2/portfolio/balance'
    """
    return f"{timestamp_ms}{method.upper()}{path}"


def sign_message(key: PrivateKey, message: str | bytes) -> str:
    """Sign ``message`` with ``key`` the way Kalshi checks it; return standard padded base64."""
    data = message.encode("utf-8") if isinstance(message, str) else message
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(data, _PSS, _SHA256)
    else:
        signature = key.sign(data)
    return base64.b64encode(signature).decode("ascii")


def verify_signature(
    public_key: rsa.RSAPublicKey | ed25519.Ed25519PublicKey,
    message: str | bytes,
    signature_b64: str,
) -> bool:
    """Check a ``KALSHI-ACCESS-SIGNATURE`` value as Kalshi would. Never raises on bad input."""
    data = message.encode("utf-8") if isinstance(message, str) else message
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, _PSS, _SHA256)
        else:
            public_key.verify(signature, data)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
