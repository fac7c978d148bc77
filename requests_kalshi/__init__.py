"""Sign Kalshi Trade API v2 requests with ``requests``.

>>> from requests_kalshi import KalshiAuth, session, DEMO, PRODUCTION
"""

from ._version import __version__
from .api_errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DeprecatedEndpointError,
    KalshiAPIError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TimestampExpiredError,
    raise_for_kalshi,
)
from .auth import KalshiAuth
from .environments import DEMO, PRODUCTION, Environment, resolve_environment
from .errors import (
    ConfigurationError,
    EncryptedKeyError,
    KalshiError,
    KeyFileError,
    KeyLoadError,
    UnknownEnvironmentError,
    UnsupportedKeyError,
    UntrustedHostError,
)
from .kalshi_session import KalshiSession
from .keys import load_private_key
from .ratelimit import RateLimiter, resolve_rate_limit
from .retry import RetryPolicy
from .sessions import session
from .signing import sign_message, signed_path, string_to_sign, verify_signature
from .websocket import websocket_headers, websocket_url

__all__ = [
    "DEMO",
    "PRODUCTION",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "DeprecatedEndpointError",
    "EncryptedKeyError",
    "Environment",
    "KalshiAPIError",
    "KalshiAuth",
    "KalshiError",
    "KalshiSession",
    "KeyFileError",
    "KeyLoadError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimiter",
    "RetryPolicy",
    "ServerError",
    "TimestampExpiredError",
    "UnknownEnvironmentError",
    "UnsupportedKeyError",
    "UntrustedHostError",
    "__version__",
    "load_private_key",
    "raise_for_kalshi",
    "resolve_environment",
    "resolve_rate_limit",
    "session",
    "sign_message",
    "signed_path",
    "string_to_sign",
    "verify_signature",
    "websocket_headers",
    "websocket_url",
]
