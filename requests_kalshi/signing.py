"""The signing rules of the Kalshi Trade API v2, as plain functions.

Kalshi signs ``TIMESTAMP + METHOD + PATH``: the Unix time in milliseconds, the upper-case
method and the URL path from the root (``/trade-api/v2/...``) without query string or
fragment. RSA keys sign with RSA-PSS (SHA-256, MGF1-SHA-256, salt = digest length); Ed25519
keys sign with Ed25519. The signature travels base64-encoded in ``KALSHI-ACCESS-SIGNATURE``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from requests.utils import requote_uri

from .core.signature import (
    ACCESS_KEY,
    ACCESS_SIGNATURE,
    ACCESS_TIMESTAMP,
    SIGNED_HEADERS,
    sign_message,
    string_to_sign,
    verify_signature,
)
from .keys import PrivateKey

__all__ = [
    "ACCESS_KEY",
    "ACCESS_SIGNATURE",
    "ACCESS_TIMESTAMP",
    "SIGNED_HEADERS",
    "sign_message",
    "signature_headers",
    "signed_path",
    "string_to_sign",
    "verify_signature",
]


def signed_path(url_or_path: str) -> str:
    """The part of a URL or path that Kalshi signs: the path as sent, without query or fragment.

    Characters that are not allowed in a URL are percent-encoded as ``requests`` sends them.

    >>> signed_path("https://external-api.kalshi.com/trade-api/v2/markets?limit=5")
    '/trade-api/v2/markets'
    >>> signed_path("/trade-api/v2/markets/KX TICKER")
    '/trade-api/v2/markets/KX%20TICKER'
    """
    path = urlsplit(url_or_path).path
    return requote_uri(path) if path else "/"


def signature_headers(
    key_id: str, key: PrivateKey, timestamp_ms: int, method: str, path: str
) -> dict[str, str]:
    """The three ``KALSHI-ACCESS-*`` headers for one request."""
    return {
        ACCESS_KEY: key_id,
        ACCESS_TIMESTAMP: str(timestamp_ms),
        ACCESS_SIGNATURE: sign_message(key, string_to_sign(timestamp_ms, method, path)),
    }
