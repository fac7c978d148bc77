"""What a client is made with, checked once.

``session()``, ``httpx.client()`` and ``httpx.async_client()`` take the same options (a test
holds their signatures together); this is the one place that checks them, reads ``KALSHI_*``
variables and builds the key, so every client refuses the same mistakes with the same
messages. Also the default timeout and what a session needs of a rate limiter.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .auth import KalshiAuth
from .credentials import ENV_KEY_ID, ENV_KEY_PATH, ENV_KEY_TEXT
from .environments import Environment, is_local, resolve_environment
from .errors import ConfigurationError
from .keys import KeySource
from .retry import RetryPolicy

if TYPE_CHECKING:
    import requests

__all__ = [
    "DEFAULT_TIMEOUT",
    "ENV_ENVIRONMENT",
    "Options",
    "RateLimiterLike",
    "Timeout",
    "checked_timeout",
    "rate_limiter_for",
    "resolve_options",
]

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


ENV_ENVIRONMENT = "KALSHI_ENV"
"""The variable naming the environment when no ``env`` is given."""


@dataclass(frozen=True)
class Options:
    """What a client is made with, checked.

    :ivar environment: where requests go; ``None`` for ``"local"`` (a fresh local exchange).
    :ivar auth: the auth given, or a :class:`KalshiAuth` built from keys or ``KALSHI_*``
        variables, or ``None`` (public endpoints only).
    :ivar retry: the retry policy.
    :ivar timeout: the default timeout.
    :ivar rate_limit: the ``rate_limit=`` option as given (its meaning may need the client).
    :ivar raise_errors: raise typed errors for error responses.
    :ivar correct_clock: correct the clock offset on a refused timestamp.
    """

    environment: Environment | None
    auth: Any
    retry: RetryPolicy
    timeout: Timeout
    rate_limit: Any
    raise_errors: bool
    correct_clock: bool

    def session_options(self) -> dict[str, Any]:
        """The keyword arguments of :class:`~requests_kalshi.KalshiSession` but the environment."""
        return {
            "auth": self.auth,
            "retry": self.retry,
            "timeout": self.timeout,
            "rate_limit": self.rate_limit,
            "raise_errors": self.raise_errors,
            "correct_clock": self.correct_clock,
        }


def resolve_options(
    env: str | Environment | None,
    *,
    auth: Any,
    key_id: str | None,
    private_key: KeySource | None,
    password: str | bytes | None,
    allowed_hosts: Iterable[str],
    retries: int | None,
    backoff_factor: float | None,
    retry: RetryPolicy | None,
    timeout: Timeout,
    rate_limit: Any,
    raise_errors: bool,
    correct_clock: bool,
    environ: Mapping[str, str] | None,
) -> Options:
    """Check the options of :func:`~requests_kalshi.session` and resolve what they leave open.

    :raises ConfigurationError: as :func:`~requests_kalshi.session` describes.
    :raises UnknownEnvironmentError: an unknown environment.
    :raises KeyLoadError: the key cannot be loaded.
    """
    variables = os.environ if environ is None else environ
    if env is None:
        env = variables.get(ENV_ENVIRONMENT, "").strip() or "demo"
    local = is_local(env)
    environment = None if local else resolve_environment(env)
    if auth is not None and (key_id is not None or private_key is not None):
        raise ConfigurationError("pass either auth= or key_id= and private_key=, not both.")
    allowed_hosts = tuple(allowed_hosts)
    if auth is not None and (password is not None or allowed_hosts):
        raise ConfigurationError(
            "password= and allowed_hosts= build a KalshiAuth; with auth= given, pass them to "
            "KalshiAuth(...) instead."
        )
    if auth is None and (key_id is not None or private_key is not None):
        if key_id is None or private_key is None:
            missing = "key_id" if key_id is None else "private_key"
            raise ConfigurationError(f"{missing} is missing: pass both key_id= and private_key=.")
        auth = KalshiAuth(key_id, private_key, password=password, allowed_hosts=allowed_hosts)
    elif auth is None and password is not None:
        raise ConfigurationError("password= was given without key_id= and private_key=.")
    elif (
        auth is None
        and not local
        and any(variables.get(name) for name in (ENV_KEY_ID, ENV_KEY_PATH, ENV_KEY_TEXT))
    ):
        auth = KalshiAuth.from_env(variables, allowed_hosts=allowed_hosts)
    elif auth is None and allowed_hosts:
        raise ConfigurationError(
            "allowed_hosts= was given without credentials: pass key_id= and private_key= "
            "(or set KALSHI_API_KEY_ID and a key variable)."
        )
    if retry is None:
        retry = RetryPolicy(
            total=3 if retries is None else retries,
            backoff_factor=0.5 if backoff_factor is None else backoff_factor,
        )
    elif retries is not None or backoff_factor is not None:
        raise ConfigurationError("pass either retry= or retries=/backoff_factor=, not both.")
    elif not isinstance(retry, RetryPolicy):
        raise ConfigurationError("retry must be a RetryPolicy.")
    return Options(
        environment=environment,
        auth=auth,
        retry=retry,
        timeout=checked_timeout(timeout),
        rate_limit=rate_limit,
        raise_errors=bool(raise_errors),
        correct_clock=bool(correct_clock),
    )
