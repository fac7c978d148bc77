"""The local exchange's keys: its throwaway key, and the public keys it accepts."""

from __future__ import annotations

import functools
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from requests_kalshi.errors import ConfigurationError

from .authcheck import PublicKey

__all__ = ["public_key_of", "throwaway_rsa_key"]


@functools.lru_cache(maxsize=1)
def throwaway_rsa_key() -> rsa.RSAPrivateKey:
    """An RSA-2048 key, made once per process (RSA key generation is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_key_of(value: Any) -> PublicKey:
    """The public key ``value`` is, holds (a private key) or encodes (PEM text).

    :raises ConfigurationError: anything else, or a key that is not RSA or Ed25519.
    """
    if isinstance(value, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        return value.public_key()
    if isinstance(value, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey)):
        return value
    if isinstance(value, (str, bytes)):
        data = value.encode() if isinstance(value, str) else value
        try:
            loaded = serialization.load_pem_public_key(data)
        except ValueError:
            raise ConfigurationError(
                "public_key text is not a PEM public key ('-----BEGIN PUBLIC KEY-----')."
            ) from None
        if isinstance(loaded, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey)):
            return loaded
    raise ConfigurationError("public_key must be an RSA or Ed25519 public key (or its PEM).")
