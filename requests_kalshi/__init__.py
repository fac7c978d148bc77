"""Sign Kalshi Trade API v2 requests: ``requests`` here, httpx in :mod:`requests_kalshi.httpx`.

>>> from requests_kalshi import KalshiAuth, session, DEMO, PRODUCTION
"""

from ._version import __version__
from .api_errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    KalshiAPIError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TimestampExpiredError,
    raise_for_kalshi,
)
from .auth import KalshiAuth
from .environments import DEMO, PRODUCTION, Environment
from .errors import (
    ConfigurationError,
    KalshiError,
    KeyLoadError,
    UntrustedHostError,
)
from .kalshi_session import KalshiSession
from .ratelimit import RateLimiter
from .retry import RetryPolicy
from .sessions import session
from .websocket import websocket_headers, websocket_url

__all__ = [
    "DEMO",
    "PRODUCTION",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "Environment",
    "KalshiAPIError",
    "KalshiAuth",
    "KalshiError",
    "KalshiSession",
    "KeyLoadError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimiter",
    "RetryPolicy",
    "ServerError",
    "TimestampExpiredError",
    "UntrustedHostError",
    "__version__",
    "raise_for_kalshi",
    "session",
    "websocket_headers",
    "websocket_url",
]
