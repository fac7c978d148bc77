"""``KalshiSession``: a ``requests.Session`` bound to one Kalshi environment.

It is the ``requests`` adapter of the core: each request is sent by the core's attempt flow
(:mod:`requests_kalshi.core.attempts`), driven in :mod:`._requests_flow`; redirects keep
their signatures right through :mod:`.redirects`.
"""

from __future__ import annotations

import copy
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase
from requests.utils import default_user_agent

from ._requests_flow import run_attempts, signers_of
from ._version import __version__
from .api_errors import raise_for_kalshi
from .auth import KalshiAuth
from .clock import measured_offset, synced_offset
from .core.attempts import AttemptPolicy
from .core.urls import join_url
from .env_proxies import ProxyCache
from .environments import Environment, resolve_environment
from .errors import ConfigurationError
from .pagination import PageCallback, paginate
from .redirects import chain_of, hop_headers, strip_signature
from .retry import RetryPolicy
from .session_options import (
    DEFAULT_TIMEOUT,
    RateLimiterLike,
    Timeout,
    checked_timeout,
    rate_limiter_for,
)
from .signing import SIGNED_HEADERS

__all__ = ["DEFAULT_TIMEOUT", "KalshiSession", "RateLimiterLike", "Timeout"]

log = logging.getLogger("requests_kalshi")

if TYPE_CHECKING:
    from requests.sessions import _Settings


class KalshiSession(requests.Session):
    """A :class:`requests.Session` bound to one Kalshi environment.

    Relative URLs resolve under the environment's base URL, keeping its ``/trade-api/v2``
    path: ``"/markets"``, ``"markets"`` and ``"/trade-api/v2/markets"`` all mean
    ``{base_url}/markets``; any other ``/trade-api/…`` path (such as ``/trade-api/ws/v2``) is
    taken from the host's root. Absolute ``http(s)://`` URLs are used as given.

    On the wire it adds what a long-running client needs: a default timeout, retries that
    never repeat a request the server may have acted on (see :class:`RetryPolicy`), a fresh
    signature for every attempt and every redirect hop, recovery from a local clock that is
    off, optional client-side rate limiting, and optional typed errors.

    :param environment: where requests go: ``"demo"``, ``"production"``, an
        :class:`Environment` or a base URL.
    :param auth: the auth for every request, usually a :class:`KalshiAuth`; ``None`` for
        public endpoints only.
    :param retry: the retry policy; ``RetryPolicy(total=0)`` disables retries.
    :param timeout: the default timeout; ``None`` waits forever (not recommended).
    :param rate_limit: paces requests before each attempt: ``None`` (no pacing), a tier
        name (``"basic"``, ``"advanced"``, …), ``"auto"`` (reads ``/account/limits`` through
        this session), a mapping of :class:`RateLimiter` arguments, a :class:`RateLimiter`,
        or any object with an ``acquire(method, path)`` method.
    :param raise_errors: raise the typed :class:`KalshiAPIError` for every error response
        (after retries), instead of returning it.
    :param correct_clock: on a 401 ``header_timestamp_expired``, correct the auth's
        ``clock_offset`` from the response's ``Date`` and retry once.
    :param sleep: waits between retries; :func:`time.sleep` by default (for tests).
    :param jitter: returns a random number in ``[0, 1)`` for backoff jitter (for tests).
    :param monotonic: the clock the retry budget is measured on; :func:`time.monotonic` by
        default (for tests, together with ``sleep``).
    :raises UnknownEnvironmentError: ``environment`` is not usable.
    :raises ConfigurationError: a bad option.
    """

    environment: Environment
    """The environment this session talks to."""
    base_url: str
    """REST base URL, ending in ``/trade-api/v2`` (no trailing slash)."""
    retry: RetryPolicy
    """How failed requests are retried."""
    timeout: Timeout
    """The timeout of requests that give none."""
    rate_limiter: RateLimiterLike | None
    """The client-side rate limiter, or ``None``."""
    raise_errors: bool
    """Whether error responses raise :class:`KalshiAPIError`."""
    correct_clock: bool
    """Whether a refused timestamp corrects the clock offset and is retried once."""

    def __init__(
        self,
        environment: str | Environment = "demo",
        *,
        auth: AuthBase | None = None,
        retry: RetryPolicy | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        rate_limit: Any = None,
        raise_errors: bool = False,
        correct_clock: bool = True,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.environment = resolve_environment(environment)
        self.base_url = self.environment.rest_url
        self.auth = auth
        self.retry = RetryPolicy() if retry is None else retry
        if not isinstance(self.retry, RetryPolicy):
            raise ConfigurationError("retry must be a RetryPolicy.")
        self.timeout = checked_timeout(timeout)
        self.raise_errors = bool(raise_errors)
        self.correct_clock = bool(correct_clock)
        for name, function in (("sleep", sleep), ("jitter", jitter), ("monotonic", monotonic)):
            if not callable(function):
                raise ConfigurationError(f"{name} must be a function.")
        self._sleep = sleep
        self._jitter = jitter
        self._monotonic = monotonic
        self._proxies = ProxyCache()
        self.headers["User-Agent"] = f"requests-kalshi/{__version__} {default_user_agent()}"
        self.rate_limiter = None
        # Last: "auto" asks Kalshi through this very session.
        self.rate_limiter = rate_limiter_for(rate_limit, self)

    def url_for(self, url: str) -> str:
        """The absolute URL a request to ``url`` goes to.

        >>> KalshiSession("demo").url_for("/markets")
        'https://external-api.demo.kalshi.co/trade-api/v2/markets'
        """
        if isinstance(url, str):
            try:
                urlsplit(url)
            except ValueError:
                raise ConfigurationError(
                    f"cannot request {url!r}: it is not a URL that can be parsed."
                ) from None
        return join_url(self.base_url, url)

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send a request; ``url`` may be relative to :attr:`base_url`.

        Takes the arguments of :meth:`requests.Session.request`. Without ``timeout=``, the
        session's :attr:`timeout` applies; ``timeout=None`` must be said to wait forever.
        """
        if isinstance(url, bytes):
            url = url.decode("utf-8")
        if isinstance(method, bytes):
            method = method.decode("ascii")
        if len(args) < 7:  # timeout is the 7th positional parameter after method and url
            kwargs.setdefault("timeout", self.timeout)
        return super().request(method, self.url_for(url), *args, **kwargs)

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        """Prepare ``request`` as :class:`requests.Session` does; its URL may be relative.

        With a :class:`KalshiAuth`, the host is checked here but the request is signed only
        in :meth:`send`, right before it goes out.

        :raises UntrustedHostError: the URL's host is not one the auth signs for.
        """
        request = copy.copy(request)  # the caller's Request is left as it was
        url: Any = request.url
        request.url = self.url_for(url.decode("utf-8") if isinstance(url, bytes) else url)
        auth = request.auth if request.auth is not None else self.auth
        if isinstance(auth, KalshiAuth):
            request.auth = auth._for_session()
        return super().prepare_request(request)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send a prepared request with this session's retries, pacing and error policy.

        Each attempt first waits for the rate limiter (and any backoff or ``Retry-After``),
        then is signed with a fresh timestamp for exactly the method and path that go on the
        wire, and sent. A signed plain ``http://`` request (loopback only) bypasses proxies.
        A redirect's next hop is sent through here too, so it is paced,
        signed and retried for its own method; a hop to a host the auth does not sign for
        goes unsigned and is not retried, and a request whose redirect chain failed or ended
        in an error is not repeated from the start.
        """
        kwargs.setdefault("timeout", self.timeout)
        signer, signing = signers_of(request)
        if signing is not None and urlsplit(request.url or "").scheme.lower() == "http":
            # Plain http is signed only for loopback: never hand it to a proxy in clear text.
            kwargs["proxies"] = {}
        response = run_attempts(
            request,
            self._attempt_policy(),
            send=lambda attempt: super(KalshiSession, self).send(attempt, **kwargs),
            signer=signer,
            signing=signing,
            limiter=self.rate_limiter,
            sleep=self._sleep,
        )
        if self.raise_errors:
            raise_for_kalshi(response)
        return response

    def merge_environment_settings(
        self,
        url: Any,
        proxies: Any,
        stream: Any,
        verify: Any,
        cert: Any,
    ) -> _Settings:
        """Look environment proxies up once per origin, not per request (see :mod:`.env_proxies`).

        Otherwise as :meth:`requests.Session.merge_environment_settings`, with the same answer.
        """
        merged = self._proxies.merge(self, url, proxies, stream, verify, cert)
        if merged is None:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        return merged

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: Any) -> None:
        """Make a redirect's next hop unsigned: :meth:`send` signs it anew, if it may.

        ``requests`` strips only ``Authorization`` on a host change; ``KALSHI-ACCESS-*``
        headers go only to hosts the auth signs for, with a signature for the new target.
        A hop after one that went out unsigned is never signed again.
        """
        super().rebuild_auth(prepared_request, response)  # type: ignore[no-untyped-call]
        chain = chain_of(prepared_request)
        if chain is None or chain.auth is None:
            strip_signature(prepared_request)
            return
        previous = response.request
        went_unsigned = previous is None or not any(n in previous.headers for n in SIGNED_HEADERS)
        prepared_request.headers = hop_headers(
            prepared_request.headers,
            chain.auth,
            prepared_request.method or "GET",
            prepared_request.url or "",
            unsigned_before=chain.unsigned or went_unsigned,
            sign=False,
        )

    def paginate(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        key: str | None = None,
        limit: int | None = None,
        max_pages: int | None = None,
        on_page: PageCallback | None = None,
        **request_options: Any,
    ) -> Iterator[Any]:
        """Yield the items of a list endpoint across pages (see :func:`paginate`).

        Every page is signed, retried and rate-limited like any request; ``on_page`` is
        called as each arrives, for progress.
        """
        return paginate(
            self,
            path,
            params=params,
            key=key,
            limit=limit,
            max_pages=max_pages,
            on_page=on_page,
            **request_options,
        )

    def sync_clock(self) -> float:
        """Measure how far the local clock is from Kalshi's and correct the auth for it.

        Sends ``GET /exchange/status`` and compares its ``Date`` header with the signed
        timestamp; the auth's :attr:`KalshiAuth.clock_offset` is adjusted by the difference.

        :returns: the auth's new ``clock_offset`` in seconds.
        :raises ConfigurationError: the session has no :class:`KalshiAuth`, or the server
            sent no usable ``Date`` header.
        """
        if not isinstance(self.auth, KalshiAuth):
            raise ConfigurationError("sync_clock() needs a session with a KalshiAuth.")
        response = self.get("/exchange/status")
        self.auth.clock_offset = synced_offset(self.auth.clock_offset, measured_offset(response))
        log.info("clock offset set to %+.1f s", self.auth.clock_offset)
        return self.auth.clock_offset

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url} auth={self.auth!r}>"

    def _attempt_policy(self) -> AttemptPolicy:
        return AttemptPolicy(
            rules=self.retry,
            pace=self.rate_limiter is not None,
            correct_clock=self.correct_clock,
            monotonic=self._monotonic,
            jitter=self._jitter,
        )
