"""Kalshi for httpx: ``KalshiAuth`` for any httpx client, and ready ``client``/``async_client``.

Needs the ``httpx`` extra: ``pip install 'requests-kalshi[httpx]'``.

- :class:`KalshiAuth` signs each request of an ``httpx.Client`` or ``httpx.AsyncClient``
  (one ``auth_flow`` serves both), refuses untrusted hosts, and keeps the signature off any
  host a followed redirect leads to.
- :func:`client` and :func:`async_client` make clients bound to one environment, with what
  :func:`requests_kalshi.session` gives ``requests``: base URL joining, a default timeout,
  retries signed anew after every wait, clock correction, rate limiting (awaited, never
  blocking, in asyncio), typed errors and redirect safety.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Mapping
from typing import Any, cast

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from ._httpx_transport import AsyncKalshiTransport, KalshiTransport, Policy
from ._httpx_wire import MARK, AsyncGuard, Mark, SyncGuard, sign_request, target_of, wire_path
from .auth import KalshiAuth as RequestsKalshiAuth
from .core.retrying import RetryRules
from .core.signer import Signer
from .core.urls import join_url
from .environments import KALSHI_HOSTS, Environment
from .errors import ConfigurationError
from .keys import KeySource
from .retry import RetryPolicy
from .sessions import DEFAULT_TIMEOUT, Timeout
from .sessions import session as requests_session

__all__ = ["AsyncKalshiClient", "KalshiAuth", "KalshiClient", "async_client", "client"]


class KalshiAuth(httpx.Auth):
    """Sign httpx requests for the Kalshi Trade API v2 with an API key.

    Works with ``httpx.Client`` and ``httpx.AsyncClient`` alike::

        client = httpx.Client(auth=KalshiAuth("a952bafb-…", "~/kalshi/demo-key.txt"))

    Each request is signed with the current time, its upper-case method and the path httpx
    sends (``request.url.raw_path`` without the query). Signed headers go only to Kalshi's
    hosts (https, port 443), to loopback (``localhost`` and loopback IP literals, for local
    test servers) and to hosts in ``allowed_hosts`` (https only); any other target raises
    :class:`~requests_kalshi.UntrustedHostError` before anything is sent. With
    ``follow_redirects=True``, every hop is checked again right before it is sent: signed
    anew for a trusted host, stripped for any other.

    Takes the arguments of :class:`requests_kalshi.KalshiAuth`, checked the same way.

    :raises ConfigurationError: a bad ``key_id`` or option.
    :raises KeyLoadError: the key cannot be loaded.
    """

    def __init__(
        self,
        key_id: str,
        private_key: KeySource,
        *,
        password: str | bytes | None = None,
        allowed_hosts: Iterable[str] = (),
        clock: Callable[[], float] | None = None,
        clock_offset: float = 0.0,
    ) -> None:
        checked = RequestsKalshiAuth(
            key_id,
            private_key,
            password=password,
            allowed_hosts=allowed_hosts,
            clock=clock,
            clock_offset=clock_offset,
        )
        self.signer = _signer_of(checked)

    signer: Signer
    """The core :class:`~requests_kalshi.core.Signer`: key, trusted hosts, clock, offset."""

    @classmethod
    def from_requests_auth(cls, auth: RequestsKalshiAuth) -> KalshiAuth:
        """An httpx auth with the key, hosts, clock and offset of a ``requests`` one."""
        if not isinstance(auth, RequestsKalshiAuth):
            raise ConfigurationError(
                f"expected a requests_kalshi.KalshiAuth, not {type(auth).__name__}."
            )
        made = cls.__new__(cls)
        made.signer = _signer_of(auth)
        return made

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> KalshiAuth:
        """Build from ``KALSHI_*`` variables, as :meth:`requests_kalshi.KalshiAuth.from_env`."""
        return cls.from_requests_auth(RequestsKalshiAuth.from_env(environ, **options))

    @property
    def key_id(self) -> str:
        """The API key id sent in ``KALSHI-ACCESS-KEY``."""
        return self.signer.key_id

    @property
    def clock_offset(self) -> float:
        """Seconds added to the clock for every timestamp; may be changed at any time."""
        return self.signer.offset

    @clock_offset.setter
    def clock_offset(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigurationError("clock_offset must be a number of seconds.")
        self.signer = self.signer.with_offset(float(value))

    @property
    def public_key(self) -> rsa.RSAPublicKey | ed25519.Ed25519PublicKey:
        """The public half of the key, e.g. to verify signatures in tests."""
        return self.signer.key.public_key()

    def headers(self, method: str, url: str) -> dict[str, str]:
        """The three signed headers for a request made some other way, such as a WebSocket.

        ``auth.headers("GET", "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2")`` gives
        the handshake headers. ``url`` is parsed as httpx parses it; its query is ignored.

        :raises UntrustedHostError: the URL's host is not one this auth signs for.
        :raises ConfigurationError: ``method`` or ``url`` is not usable.
        """
        if not isinstance(method, str) or not method.strip().isalpha():
            raise ConfigurationError(
                f"method must be an HTTP method such as 'GET', not {method!r}."
            )
        try:
            parsed = httpx.URL(url)
        except (TypeError, httpx.InvalidURL) as error:
            raise ConfigurationError(f"url must be a full URL, not {url!r} ({error}).") from None
        self.signer.check(target_of(parsed), str(parsed.copy_with(query=None)))
        return self.signer.headers(method.strip().upper(), wire_path(parsed))

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Check the target and sign ``request``; the flow of sync and async clients alike.

        :raises UntrustedHostError: the request's host is not one this auth signs for.
        """
        target = target_of(request.url)
        if not self.signer.trusts(target):
            self.signer.check(target, str(request.url.copy_with(query=None)))
        extensions = request.extensions
        mark = extensions.get(MARK)
        if not isinstance(mark, Mark) or mark.auth is not self:
            mark = Mark(self)
            extensions[MARK] = mark
        if not extensions.get(_DEFERRED):
            sign_request(request, mark, trusted=True)
        yield request

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """:meth:`auth_flow`, with the per-hop check of a sync transport installed."""
        if not request.extensions.get(_DEFERRED):
            mark = Mark(self)
            chained = request.extensions.get("trace")
            request.extensions.update({MARK: mark, "trace": SyncGuard(mark, chained)})
        yield from self.auth_flow(request)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """:meth:`auth_flow`, with the per-hop check of an async transport installed."""
        if not request.extensions.get(_DEFERRED):
            mark = Mark(self)
            chained = request.extensions.get("trace")
            request.extensions.update({MARK: mark, "trace": AsyncGuard(mark, chained)})
        for outgoing in self.auth_flow(request):  # it never looks at the response
            yield outgoing

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key_id={self.key_id!r})"


_DEFERRED = "requests_kalshi.deferred"


def _signer_of(auth: RequestsKalshiAuth) -> Signer:
    # The requests auth has checked the key id, key, hosts and clock; reuse its key.
    return Signer(
        key_id=auth.key_id,
        key=auth._key,
        extra_hosts=auth.allowed_hosts - KALSHI_HOSTS,
        clock=auth._clock,
        offset=auth.clock_offset,
    )


class _DeferredSigning(httpx.Auth):
    """A client's auth that checks the host now and leaves signing to its transport.

    The transport signs each attempt after its waits, so a request is signed once, late.
    """

    def __init__(self, auth: KalshiAuth) -> None:
        self.auth = auth

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.extensions[_DEFERRED] = True
        yield from self.auth.auth_flow(request)


class KalshiClient(httpx.Client):
    """An ``httpx.Client`` bound to one Kalshi environment; made by :func:`client`.

    Relative URLs join the environment's base URL as in :class:`requests_kalshi.KalshiSession`.
    """

    environment: Environment
    """The environment this client talks to."""

    def build_request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Request:
        """As :meth:`httpx.Client.build_request`, with ``url`` joined to the base URL."""
        return super().build_request(method, _joined(self.environment, url), **kwargs)


class AsyncKalshiClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` bound to one Kalshi environment; made by :func:`async_client`.

    Relative URLs join the environment's base URL as in :class:`requests_kalshi.KalshiSession`.
    """

    environment: Environment
    """The environment this client talks to."""

    def build_request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Request:
        """As :meth:`httpx.AsyncClient.build_request`, with ``url`` joined to the base URL."""
        return super().build_request(method, _joined(self.environment, url), **kwargs)


def _joined(environment: Environment, url: httpx.URL | str) -> str:
    return join_url(environment.rest_url, str(url))


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
    settings = _settings(locals())
    inner = transport if transport is not None else httpx.HTTPTransport()
    made = KalshiClient(
        auth=settings.auth,
        timeout=settings.timeout,
        transport=KalshiTransport(inner, settings.policy),
        base_url=settings.environment.rest_url + "/",
        **client_options,
    )
    made.environment = settings.environment
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
    options = dict(locals())
    settings = _settings(options)
    inner = transport if transport is not None else httpx.AsyncHTTPTransport()
    made = AsyncKalshiClient(
        auth=settings.auth,
        timeout=settings.timeout,
        transport=AsyncKalshiTransport(inner, settings.policy, sign_in_thread=bool(sign_in_thread)),
        base_url=settings.environment.rest_url + "/",
        **client_options,
    )
    made.environment = settings.environment
    return made


class _Settings:
    def __init__(
        self,
        environment: Environment,
        auth: httpx.Auth | None,
        timeout: httpx.Timeout,
        policy: Policy,
    ) -> None:
        self.environment = environment
        self.auth = auth
        self.timeout = timeout
        self.policy = policy


def _settings(options: dict[str, Any]) -> _Settings:
    # session() checks every option, reads KALSHI_* variables and resolves rate_limit: the
    # rules are the same, so ask it, and keep what an httpx client needs.
    auth = options["auth"]
    if auth is not None and not isinstance(auth, KalshiAuth):
        raise ConfigurationError(
            "auth must be a requests_kalshi.httpx.KalshiAuth (the requests KalshiAuth "
            "works with requests only: use KalshiAuth.from_requests_auth(auth))."
        )
    checked = requests_session(
        options["env"],
        auth=cast(Any, auth),
        key_id=options["key_id"],
        private_key=options["private_key"],
        password=options["password"],
        allowed_hosts=options["allowed_hosts"],
        retries=options["retries"],
        backoff_factor=options["backoff_factor"],
        retry=options["retry"],
        timeout=options["timeout"],
        rate_limit=options["rate_limit"],
        raise_errors=options["raise_errors"],
        correct_clock=options["correct_clock"],
        environ=options["environ"],
    )
    try:
        if isinstance(checked.auth, RequestsKalshiAuth):
            auth = KalshiAuth.from_requests_auth(checked.auth)
        policy = Policy(
            rules=_rules(checked.retry),
            limiter=checked.rate_limiter,
            raise_errors=checked.raise_errors,
            correct_clock=checked.correct_clock,
        )
        return _Settings(
            checked.environment,
            _DeferredSigning(auth) if auth is not None else None,
            _timeout(checked.timeout),
            policy,
        )
    finally:
        checked.close()


def _rules(policy: RetryPolicy) -> RetryRules:
    return RetryRules(
        total=policy.total,
        backoff_factor=policy.backoff_factor,
        backoff_max=policy.backoff_max,
        budget=policy.budget,
        statuses=policy.statuses,
        idempotent_methods=policy.idempotent_methods,
        respect_retry_after=policy.respect_retry_after,
    )


def _timeout(timeout: Timeout) -> httpx.Timeout:
    if isinstance(timeout, tuple):
        connect, read = timeout
        return httpx.Timeout(read, connect=connect)
    return httpx.Timeout(timeout)
