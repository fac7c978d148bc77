"""Kalshi for httpx: ``KalshiAuth`` for any httpx client, and ready ``client``/``async_client``.

Needs the ``httpx`` extra: ``pip install 'requests-kalshi[httpx]'``.

- :class:`KalshiAuth` signs each request of an ``httpx.Client`` or ``httpx.AsyncClient``
  (one ``auth_flow`` serves both), refuses untrusted hosts, and keeps the signature off any
  host a followed redirect leads to.
- :func:`client` and :func:`async_client` make clients bound to one environment, with what
  :func:`requests_kalshi.session` gives ``requests``: base URL joining, a default timeout,
  retries signed anew after every wait, clock correction, rate limiting (awaited, never
  blocking, in asyncio), typed errors, redirect safety, ``paginate()`` and ``sync_clock()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from ._httpx_auth import KalshiAuth
from ._httpx_clients import AsyncKalshiClient, KalshiClient
from ._httpx_options import (
    client_auth,
    environment_of,
    httpx_options,
    limiter_for,
    policy,
    timeout_for,
)
from ._httpx_transport import AsyncKalshiTransport, KalshiTransport
from .environments import Environment
from .keys import KeySource
from .retry import RetryPolicy
from .session_options import DEFAULT_TIMEOUT, Timeout

__all__ = ["AsyncKalshiClient", "KalshiAuth", "KalshiClient", "async_client", "client"]


def client(
    env: str | Environment | None = None,
    *,
    auth: KalshiAuth | None = None,
    key_id: str | None = None,
    private_key: KeySource | None = None,
    password: str | bytes | None = None,
    allowed_hosts: Iterable[str] = (),
    retries: int | None = None,
    backoff_factor: float | None = None,
    retry: RetryPolicy | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    rate_limit: Any = None,
    raise_errors: bool = False,
    correct_clock: bool = True,
    environ: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    **client_options: Any,
) -> KalshiClient:
    """Make an ``httpx.Client`` for demo, production or a local server.

    Takes the options of :func:`requests_kalshi.session`, with the same names and meaning
    (``auth`` is a :class:`KalshiAuth` of this module), plus:

    :param transport: the httpx transport to send through; ``httpx.HTTPTransport()`` by
        default. The client wraps it to pace, sign and retry every attempt.
    :param client_options: more ``httpx.Client`` arguments (``headers``, ``http2``,
        ``follow_redirects``…).
    :raises ConfigurationError: as :func:`requests_kalshi.session`.
    """
    options = httpx_options(locals())
    environment, signing = environment_of(options), client_auth(options)
    inner = transport if transport is not None else httpx.HTTPTransport()
    try:
        limiter = limiter_for(options, signing, inner)  # "auto" reads the account through inner
    except BaseException:
        if transport is None:
            inner.close()
        raise
    made = KalshiClient(
        auth=signing,
        timeout=timeout_for(options.timeout),
        transport=KalshiTransport(inner, policy(options, limiter)),
        base_url=environment.rest_url + "/",
        **client_options,
    )
    made.environment = environment
    return made


def async_client(
    env: str | Environment | None = None,
    *,
    auth: KalshiAuth | None = None,
    key_id: str | None = None,
    private_key: KeySource | None = None,
    password: str | bytes | None = None,
    allowed_hosts: Iterable[str] = (),
    retries: int | None = None,
    backoff_factor: float | None = None,
    retry: RetryPolicy | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    rate_limit: Any = None,
    raise_errors: bool = False,
    correct_clock: bool = True,
    environ: Mapping[str, str] | None = None,
    sign_in_thread: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    **client_options: Any,
) -> AsyncKalshiClient:
    """Make an ``httpx.AsyncClient`` for demo, production or a local server.

    As :func:`client`; rate limiting awaits (it never blocks the event loop), and:

    :param sign_in_thread: sign in a worker thread rather than on the event loop (see the
        httpx guide for when it pays: RSA keys under load).
    :param transport: the async transport to send through; ``httpx.AsyncHTTPTransport()``
        by default.
    :raises ConfigurationError: as :func:`requests_kalshi.session`; also for a rate limiter
        whose ``acquire()`` blocks (anything but a tier, a mapping or a RateLimiter).
    """
    options = httpx_options(locals())
    environment, signing = environment_of(options), client_auth(options)
    limiter = limiter_for(options, signing, None)
    inner = transport if transport is not None else httpx.AsyncHTTPTransport()
    made = AsyncKalshiClient(
        auth=signing,
        timeout=timeout_for(options.timeout),
        transport=AsyncKalshiTransport(
            inner, policy(options, limiter), sign_in_thread=bool(sign_in_thread)
        ),
        base_url=environment.rest_url + "/",
        **client_options,
    )
    made.environment = environment
    return made
