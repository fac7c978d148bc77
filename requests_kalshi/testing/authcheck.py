"""Checking ``KALSHI-ACCESS-*`` headers the way Kalshi does, with Kalshi's error bodies.

The signed text and the signature check come from :mod:`requests_kalshi.signing`, so the
local exchange and the signer share one statement of the rules; the tests check both against
an independent verifier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from requests_kalshi.signing import ACCESS_KEY, ACCESS_SIGNATURE, ACCESS_TIMESTAMP, string_to_sign
from requests_kalshi.signing import verify_signature as _verify

__all__ = ["AuthVerdict", "PublicKey", "check_headers"]

PublicKey: TypeAlias = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
"""A public key the exchange accepts signatures from."""

DEFAULT_WINDOW = 5.0
"""Seconds a timestamp may be off the server clock, either way (the smallest window recorded
demo traffic shows Kalshi accepting, so whatever this exchange accepts, Kalshi accepts too)."""


@dataclass(frozen=True)
class AuthVerdict:
    """The outcome of checking one request's signature headers.

    :ivar reason: ``"ok"``, ``"public"`` (no headers on a public endpoint),
        ``"missing_signature"``, ``"unknown_key"``, ``"bad_timestamp"``, ``"expired"`` or
        ``"bad_signature"``.
    :ivar key_id: the key id the request named, or ``""``.
    :ivar signed_text: the text the signature had to cover, or ``""`` if not reached.
    """

    reason: str
    key_id: str = ""
    signed_text: str = ""

    @property
    def ok(self) -> bool:
        """Whether the request may proceed."""
        return self.reason in ("ok", "public")

    def error_body(self) -> dict[str, Any]:
        """Kalshi's 401 body for this verdict (``{}`` when the verdict is ok)."""
        return _ERROR_BODIES.get(self.reason, {})


def _auth_error(message: str, details: str) -> dict[str, Any]:
    return {"error": {"code": "authentication_error", "message": message, "details": details}}


_ERROR_BODIES: dict[str, dict[str, Any]] = {
    "missing_signature": {
        "error": {
            "code": "signature_is_missing_from_headers",
            "message": "signature is missing from headers",
        }
    },
    "unknown_key": _auth_error("authentication error", "NOT_FOUND"),
    # Not observed on the wire: Kalshi's answer to a non-numeric timestamp is unknown.
    "bad_timestamp": _auth_error(
        "KALSHI-ACCESS-TIMESTAMP must be Unix time in milliseconds", "INVALID_TIMESTAMP"
    ),
    "expired": {
        "error": {"code": "header_timestamp_expired", "message": "header timestamp expired"}
    },
    "bad_signature": _auth_error("authentication error", "INCORRECT_API_KEY_SIGNATURE"),
}


def check_headers(
    headers: Mapping[str, str],
    method: str,
    path: str,
    *,
    keys: Mapping[str, PublicKey],
    now: float,
    window: float = DEFAULT_WINDOW,
    public: bool = False,
) -> AuthVerdict:
    """Check a request's ``KALSHI-ACCESS-*`` headers as Kalshi does.

    Checks, in order: a signature header is present; the key id is registered; the timestamp
    is whole milliseconds within ``window`` seconds of ``now``; the signature verifies over
    ``timestamp + METHOD + path`` with that key.

    >>> check_headers({}, "GET", "/trade-api/v2/portfolio/balance", keys={}, now=0).reason
    'missing_signature'

    :param headers: the request headers (names in any case).
    :param method: the request method as received.
    :param path: the request path as received, without the query string.
    :param keys: the registered public keys by key id.
    :param now: the server's clock, Unix time in seconds.
    :param window: how many seconds the timestamp may differ from ``now``.
    :param public: the endpoint needs no authentication: a request without any
        ``KALSHI-ACCESS-*`` header passes; one that carries them is still checked.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    key_id = lowered.get(ACCESS_KEY.lower(), "").strip()
    timestamp = lowered.get(ACCESS_TIMESTAMP.lower(), "").strip()
    signature = lowered.get(ACCESS_SIGNATURE.lower(), "").strip()
    if public and not (key_id or timestamp or signature):
        return AuthVerdict("public")
    if not signature:
        return AuthVerdict("missing_signature", key_id)
    public_key = keys.get(key_id)
    if public_key is None:
        return AuthVerdict("unknown_key", key_id)
    if not timestamp.isascii() or not timestamp.isdigit():
        return AuthVerdict("bad_timestamp", key_id)
    if abs(int(timestamp) / 1000 - now) > window:
        return AuthVerdict("expired", key_id)
    text = string_to_sign(timestamp, method, path)
    if not _verify(public_key, text, signature):
        return AuthVerdict("bad_signature", key_id, text)
    return AuthVerdict("ok", key_id, text)
