"""What a session is made with: its default timeout and rate limiter, checked."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from .errors import ConfigurationError

if TYPE_CHECKING:
    import requests

__all__ = ["DEFAULT_TIMEOUT", "RateLimiterLike", "Timeout", "checked_timeout", "rate_limiter_for"]

DEFAULT_TIMEOUT: tuple[float, float] = (3.05, 30.0)
"""(connect, read) seconds used when a request gives no ``timeout``."""

Timeout = float | tuple[float | None, float | None] | None
"""A timeout: seconds, a ``(connect, read)`` pair, or ``None`` to wait forever."""


class RateLimiterLike(Protocol):
    """What a session needs of a rate limiter: wait for the budget of one request."""

    def acquire(self, method: str, path: str) -> None:
        """Block until a ``method`` request to ``path`` fits the budget, then take it."""


def rate_limiter_for(spec: Any, session: requests.Session) -> RateLimiterLike | None:
    """The rate limiter a session's ``rate_limit=`` option names (see ``KalshiSession``).

    An object with ``acquire(method, path)`` is used as it is; anything else goes to
    :func:`~requests_kalshi.ratelimit.resolve_rate_limit` (``"auto"`` reads the account's
    limits through ``session``).

    :raises ConfigurationError: an option that names no rate limiter.
    """
    if not isinstance(spec, (str, Mapping)) and callable(getattr(spec, "acquire", None)):
        limiter: RateLimiterLike = spec
        return limiter
    from .ratelimit import resolve_rate_limit

    return resolve_rate_limit(spec, session)


def checked_timeout(timeout: Timeout) -> Timeout:
    """``timeout``, or the error that says what is wrong with it.

    :raises ConfigurationError: not a number of seconds > 0, a pair of them, or ``None``.
    """
    values = timeout if isinstance(timeout, tuple) else (timeout,)
    if isinstance(timeout, tuple) and len(timeout) != 2:
        raise ConfigurationError("timeout must be seconds or a (connect, read) pair.")
    for value in values:
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value <= 0
        ):
            raise ConfigurationError(
                f"timeout must be a finite number of seconds > 0, a (connect, read) pair or "
                f"None (wait forever), not {timeout!r}."
            )
    return timeout
