"""What :func:`requests_kalshi.httpx.client`'s options mean for an httpx client.

The options are :func:`requests_kalshi.session`'s, resolved by the same code
(:func:`requests_kalshi.session_options.resolve_options`); this turns them into httpx terms: the
auth, the timeout, the transport's policy and the limiter (``"auto"`` read through httpx).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import httpx

from ._httpx_auth import DeferredSigning, KalshiAuth
from ._httpx_clients import KalshiClient, checked
from ._httpx_transport import KalshiTransport, Limiter, Policy
from .auth import KalshiAuth as RequestsKalshiAuth
from .environments import Environment
from .errors import ConfigurationError, KalshiError
from .ratelimit import RateLimiter, resolve_rate_limit
from .session_options import Options, Timeout, resolve_options

__all__ = [
    "client_auth",
    "environment_of",
    "httpx_options",
    "limiter_for",
    "policy",
    "timeout_for",
]


def httpx_options(given: Mapping[str, Any]) -> Options:
    """The options shared with session(), checked as it checks them; the auth made httpx's."""
    auth = given["auth"]
    if auth is not None and not isinstance(auth, KalshiAuth):
        raise ConfigurationError(
            "auth must be a requests_kalshi.httpx.KalshiAuth (the requests KalshiAuth "
            "works with requests only: use KalshiAuth.from_requests_auth(auth))."
        )
    return resolve_options(**{name: given[name] for name in _OPTION_NAMES})


def environment_of(options: Options) -> Environment:
    """Where the client's requests go.

    :raises ConfigurationError: ``"local"``, which only :func:`~requests_kalshi.session` starts.
    """
    if options.environment is None:
        raise ConfigurationError(
            "env='local' starts a local exchange for session() only: start a "
            "requests_kalshi.testing.LocalExchange and pass its url instead."
        )
    return options.environment


_OPTION_NAMES = tuple(inspect.signature(resolve_options).parameters)


def client_auth(options: Options) -> DeferredSigning | None:
    """The client's auth: checks hosts now, leaves signing each attempt to the transport."""
    auth = options.auth
    if isinstance(auth, RequestsKalshiAuth):
        auth = KalshiAuth.from_requests_auth(auth)
    return DeferredSigning(auth) if auth is not None else None


def policy(options: Options, limiter: Limiter | None) -> Policy:
    """The transport's policy for these options."""
    return Policy(
        rules=options.retry,  # a RetryPolicy is the core's RetryRules, checked
        limiter=limiter,
        raise_errors=options.raise_errors,
        correct_clock=options.correct_clock,
    )


def limiter_for(
    options: Options, auth: DeferredSigning | None, inner: httpx.BaseTransport | None
) -> Limiter | None:
    """The client's limiter; ``"auto"`` reads the account with ``auth`` through ``inner``.

    Without ``inner`` (an async client's transport cannot serve a sync read), through a sync
    transport of its own, closed afterwards.
    """
    spec = options.rate_limit
    if not isinstance(spec, (str, Mapping, RateLimiter)) and callable(
        getattr(spec, "acquire", None)
    ):
        limiter: Limiter = spec  # any object that paces, as session() takes
        return limiter
    if not (isinstance(spec, str) and spec.strip().lower() == "auto"):
        return resolve_rate_limit(spec, None)
    reader = KalshiClient(
        auth=auth,
        timeout=timeout_for(options.timeout),
        transport=KalshiTransport(inner or httpx.HTTPTransport(), policy(options, None)),
    )
    reader.environment = environment_of(options)
    try:
        return RateLimiter.from_account(_AccountReader(reader))
    finally:
        if inner is None:  # a transport of its own; the client's is left open for it
            reader.close()


class _AccountReader:
    """``get(path)`` through an httpx client, failing with typed errors as a session would."""

    def __init__(self, reader: KalshiClient) -> None:
        self._reader = reader

    def get(self, url: str) -> httpx.Response:
        try:
            response = self._reader.get(url)
        except httpx.HTTPError as error:
            raise KalshiError(f"{type(error).__name__}: {error}") from error
        return checked(response)


def timeout_for(timeout: Timeout) -> httpx.Timeout:
    """A session's ``timeout`` (seconds or a ``(connect, read)`` pair) in httpx terms."""
    if isinstance(timeout, tuple):
        connect, read = timeout
        return httpx.Timeout(read, connect=connect)
    return httpx.Timeout(timeout)
