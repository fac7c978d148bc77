"""``KalshiSession`` and the ``session()`` factory: a ``requests.Session`` ready for Kalshi."""

from __future__ import annotations

import copy
import logging
import math
import os
import random
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase
from requests.sessions import merge_setting
from requests.utils import default_user_agent, get_environ_proxies

from ._requests_flow import ANSWERS, fresh_attempt, replayable, sign_attempt
from ._version import __version__
from .api_errors import raise_for_kalshi
from .auth import KalshiAuth, signer_of
from .clock import MAX_CLOCK_CORRECTION, clock_offset
from .core.attempts import (
    AttemptPolicy,
    Close,
    Hop,
    Pace,
    Read,
    Send,
    SetOffset,
    Sign,
    Step,
    Wait,
    drive,
)
from .credentials import ENV_KEY_ID, ENV_KEY_PATH, ENV_KEY_TEXT
from .environments import Environment, is_local, resolve_environment
from .errors import ConfigurationError
from .keys import KeySource
from .pagination import PageCallback, paginate
from .redirects import chain_of, hop_headers, strip_signature
from .retry import RetryPolicy
from .signing import SIGNED_HEADERS

__all__ = ["DEFAULT_TIMEOUT", "KalshiSession", "RateLimiterLike", "session"]

log = logging.getLogger("requests_kalshi")

ENV_ENVIRONMENT = "KALSHI_ENV"

DEFAULT_TIMEOUT: tuple[float, float] = (3.05, 30.0)
"""(connect, read) seconds used when a request gives no ``timeout``."""

Timeout = float | tuple[float | None, float | None] | None

if TYPE_CHECKING:
    from requests.sessions import _Settings

# macOS and Windows also take proxies from system settings that no variable reveals.
_CACHE_PROXIES = sys.platform not in ("darwin", "win32")


class RateLimiterLike(Protocol):
    """What a session needs of a rate limiter: wait for the budget of one request."""

    def acquire(self, method: str, path: str) -> None:
        """Block until a ``method`` request to ``path`` fits the budget, then take it."""


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
        parts = urlsplit(self.base_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._base_path = parts.path.rstrip("/")
        self.auth = auth
        self.retry = RetryPolicy() if retry is None else retry
        if not isinstance(self.retry, RetryPolicy):
            raise ConfigurationError("retry must be a RetryPolicy.")
        self.timeout = _checked_timeout(timeout)
        self.raise_errors = bool(raise_errors)
        self.correct_clock = bool(correct_clock)
        for name, function in (("sleep", sleep), ("jitter", jitter), ("monotonic", monotonic)):
            if not callable(function):
                raise ConfigurationError(f"{name} must be a function.")
        self._sleep = sleep
        self._jitter = jitter
        self._monotonic = monotonic
        self._environ_proxies: dict[tuple[Any, ...], dict[str, str]] = {}
        self._proxy_lock = threading.Lock()
        self.headers["User-Agent"] = f"requests-kalshi/{__version__} {default_user_agent()}"
        self.rate_limiter = None
        # Last: "auto" asks Kalshi through this very session.
        self.rate_limiter = _rate_limiter(rate_limit, self)

    def url_for(self, url: str) -> str:
        """The absolute URL a request to ``url`` goes to.

        >>> KalshiSession("demo").url_for("/markets")
        'https://external-api.demo.kalshi.co/trade-api/v2/markets'
        """
        if not isinstance(url, str):
            raise ConfigurationError(f"url must be a str, not {type(url).__name__}.")
        try:
            scheme = urlsplit(url).scheme.lower()
        except ValueError:
            scheme = None
        if scheme is None:
            raise ConfigurationError(f"cannot request {url!r}: it is not a URL that can be parsed.")
        if scheme in ("http", "https"):
            return url
        if scheme:
            raise ConfigurationError(
                f"cannot request {url!r}: only http(s) URLs or paths under {self.base_url}."
            )
        path = url.lstrip("/")
        if self._base_path and ("/" + path).startswith(self._base_path + "/"):
            path = path[len(self._base_path) :]
        elif url.startswith("/trade-api/"):
            return self._origin + url
        return f"{self.base_url}/{path}" if path else self.base_url

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
        chain, signer = chain_of(request), signer_of(request)
        # A hop after one that went out unsigned is never signed again (see redirects.py).
        signs = chain is not None and not chain.unsigned
        signing = signer if signs and signer and signer.signs_for(request.url or "") else None
        if signing is not None and urlsplit(request.url or "").scheme.lower() == "http":
            # Plain http is signed only for loopback: never hand it to a proxy in clear text.
            kwargs["proxies"] = {}
        hop = Hop(
            method=(request.method or "GET").upper(),
            path=urlsplit(request.url or "").path or "/",
            replayable=replayable(request),
            signed=signer is not None,
            trusted=signing is not None,
        )
        attempt = request

        def act(step: Step) -> object:
            nonlocal attempt
            if isinstance(step, Wait):
                self._sleep(step.seconds)
            elif isinstance(step, Pace):
                assert self.rate_limiter is not None  # noqa: S101 - only yielded with one
                self.rate_limiter.acquire(step.method, step.path)
            elif isinstance(step, Sign):
                return sign_attempt(attempt, signing)  # now, after every wait
            elif isinstance(step, Send):
                try:
                    return super(KalshiSession, self).send(attempt, **kwargs)
                except requests.RequestException as error:
                    failed = getattr(error, "request", None)
                    if failed is not None and failed is not attempt:
                        raise  # a later redirect hop failed; it had its own retries
                    return error
            elif isinstance(step, Read):
                step.response.content  # noqa: B018 - reads the body
            elif isinstance(step, Close):
                step.response.close()
            elif isinstance(step, SetOffset):
                assert signing is not None  # noqa: S101 - only a signed request's clock
                signing.clock_offset = step.offset
            else:
                attempt = fresh_attempt(request)
            return None

        response = drive(self._attempt_policy().attempts(hop, ANSWERS), act)
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
        """Look environment proxies up once per origin, not per request.

        Otherwise as :meth:`requests.Session.merge_environment_settings`, and with the same
        answer: ``requests`` scans every environment variable twice per request to find
        proxies (any spelling of ``*_proxy`` counts, such as ``Https_Proxy``). The answers are
        kept per origin and per value of every such variable, found with one pass over the
        raw, undecoded variables (several times cheaper than the look-up itself).
        """
        environ: Any = os.environ
        raw = getattr(environ, "_data", None)  # the variables as bytes (POSIX), undecoded
        if not self.trust_env or not _CACHE_PROXIES or not isinstance(raw, dict):
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        no_proxy = proxies.get("no_proxy") if proxies is not None else None
        parts = urlsplit(url)
        # Every variable urllib reads for proxies: *_proxy in any spelling, and REQUEST_METHOD
        # (under CGI, HTTP_PROXY is ignored).
        variables = tuple(
            item
            for item in raw.items()
            if item[0][-6:].lower() == b"_proxy" or item[0] == b"REQUEST_METHOD"
        )
        key = (parts.scheme, parts.netloc, no_proxy, variables)
        with self._proxy_lock:
            env_proxies = self._environ_proxies.get(key)
        if env_proxies is None:
            env_proxies = get_environ_proxies(url, no_proxy=no_proxy)
            with self._proxy_lock:
                if len(self._environ_proxies) >= 64:
                    self._environ_proxies.clear()
                self._environ_proxies[key] = env_proxies
        if proxies is not None:
            for name, value in env_proxies.items():
                proxies.setdefault(name, value)
        if verify is True or verify is None:
            verify = environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE") or verify
        return {
            "proxies": merge_setting(proxies, self.proxies),  # type: ignore[no-untyped-call]
            "stream": merge_setting(stream, self.stream),  # type: ignore[no-untyped-call]
            "verify": merge_setting(verify, self.verify),  # type: ignore[no-untyped-call]
            "cert": merge_setting(cert, self.cert),  # type: ignore[no-untyped-call]
        }

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
        measured = clock_offset(response)
        if measured is None:
            raise ConfigurationError(
                "the server sent no usable Date header; set KalshiAuth.clock_offset yourself."
            )
        if abs(measured) > MAX_CLOCK_CORRECTION:
            raise ConfigurationError(
                f"the server's Date is {measured:+.0f} s away from the local clock, more than "
                f"the {MAX_CLOCK_CORRECTION:.0f} s a correction may make; the clock offset was "
                "not changed. Fix the system clock (enable NTP), or set "
                "KalshiAuth.clock_offset yourself."
            )
        self.auth.clock_offset += measured
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


def _rate_limiter(spec: Any, session: KalshiSession) -> RateLimiterLike | None:
    if not isinstance(spec, (str, Mapping)) and callable(getattr(spec, "acquire", None)):
        limiter: RateLimiterLike = spec
        return limiter
    from .ratelimit import resolve_rate_limit

    return resolve_rate_limit(spec, session)


def _checked_timeout(timeout: Timeout) -> Timeout:
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


def session(
    env: str | Environment | None = None,
    *,
    auth: AuthBase | None = None,
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
) -> KalshiSession:
    """Make a :class:`KalshiSession` for demo, production or a local server.

    :param env: ``"demo"``, ``"production"`` (or ``"prod"``), ``"local"``, an
        :class:`Environment`, or a base URL such as ``"http://127.0.0.1:8080/trade-api/v2"``.
        When ``None``, the ``KALSHI_ENV`` environment variable decides, else ``"demo"``.
        ``"local"`` starts a fresh :class:`~requests_kalshi.testing.LocalExchange` and returns
        a :class:`~requests_kalshi.local.LocalSession` bound to it, which stops it on
        :meth:`~requests_kalshi.local.LocalSession.close`. It signs with the exchange's
        throwaway key; only credentials passed here (``auth=``, ``key_id=`` and
        ``private_key=``) replace it, and their key is registered with the exchange;
        ``KALSHI_*`` key variables are ignored, so settings meant for demo cannot break it.
    :param auth: a ready auth object (usually a :class:`KalshiAuth`).
    :param key_id: the API key id, with ``private_key``, instead of ``auth``.
    :param private_key: the private key, as for :class:`KalshiAuth`.
    :param password: the password of an encrypted key.
    :param allowed_hosts: more hosts the auth may sign for (see :class:`KalshiAuth`).
    :param retries: how many times a failed request may be retried (``0``: never; 3 when
        not given); see :class:`RetryPolicy` for which failures count.
    :param backoff_factor: seconds; the base of the exponential backoff between retries
        (0.5 when not given).
    :param retry: a complete :class:`RetryPolicy`, instead of ``retries``/``backoff_factor``.
    :param timeout: default ``(connect, read)`` timeout in seconds; ``None`` waits forever.
    :param rate_limit: pace requests on the client: a tier name (``"basic"``,
        ``"advanced"``, …), ``"auto"`` (reads ``/account/limits``), a mapping of numbers, a
        :class:`RateLimiter` or any object with ``acquire(method, path)``; ``None`` (the
        default) does not pace.
    :param raise_errors: raise the typed :class:`KalshiAPIError` for error responses.
    :param correct_clock: correct the clock offset and retry once when Kalshi refuses a
        timestamp (see :class:`KalshiSession`).
    :param environ: where to read ``KALSHI_*`` variables; :data:`os.environ` by default.
    :returns: an authenticated session; with no credentials given, one built from the
        ``KALSHI_*`` variables when ``KALSHI_API_KEY_ID`` or a key variable is set (see
        :meth:`KalshiAuth.from_env`), else an unauthenticated one for public endpoints.
    :raises ConfigurationError: conflicting or incomplete credentials, a bad option, an
        option that would be ignored (``password``/``allowed_hosts`` with ``auth``, ``retry``
        with ``retries``/``backoff_factor``), or for ``"local"`` an ``auth`` that is not a
        :class:`KalshiAuth`.
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
    options: dict[str, Any] = {
        "auth": auth,
        "retry": retry,
        "timeout": timeout,
        "rate_limit": rate_limit,
        "raise_errors": raise_errors,
        "correct_clock": correct_clock,
    }
    if environment is None:
        from .local import local_session

        return local_session(**options)
    return KalshiSession(environment, **options)
