"""The exceptions requests-kalshi raises.

Every error is a :class:`KalshiError`. Problems with configuration, keys and arguments are
also :class:`ValueError` (they are raised where the bad value is given, before any request).
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "EncryptedKeyError",
    "KalshiError",
    "KeyFileError",
    "KeyLoadError",
    "UnknownEnvironmentError",
    "UnsupportedKeyError",
    "UntrustedHostError",
]


class KalshiError(Exception):
    """Base class of every error raised by requests-kalshi."""


class ConfigurationError(KalshiError, ValueError):
    """A setting or argument is wrong: a key id, an environment, a base URL, an option."""


class UnknownEnvironmentError(ConfigurationError):
    """The environment name or base URL is not one requests-kalshi can use."""


class UntrustedHostError(ConfigurationError):
    """A request would send signed headers to a host that is not Kalshi's.

    Raised before anything is sent. Pass the host in ``allowed_hosts=`` to trust it.
    """


class KeyLoadError(ConfigurationError):
    """The private key could not be loaded."""


class KeyFileError(KeyLoadError):
    """The key file is missing, is a directory, is empty or cannot be read."""


class EncryptedKeyError(KeyLoadError):
    """The key is encrypted and no password, or a wrong one, was given."""


class UnsupportedKeyError(KeyLoadError):
    """The key is not an RSA or Ed25519 private key: a public key, an EC key, an OpenSSH key…."""
