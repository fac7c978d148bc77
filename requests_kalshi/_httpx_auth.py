"""The httpx auth: signs each request of an ``httpx.Client`` or ``httpx.AsyncClient``.

Re-exported as :class:`requests_kalshi.httpx.KalshiAuth`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Mapping
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from ._httpx_wire import MARK, AsyncGuard, Mark, SyncGuard, sign_request, target_of, wire_path
from .auth import KalshiAuth as RequestsKalshiAuth
from .core.signer import Signer
from .errors import ConfigurationError
from .keys import KeySource

__all__ = ["DeferredSigning", "KalshiAuth"]


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
        self.signer = checked.signer

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
        made.signer = auth.signer
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


class DeferredSigning(httpx.Auth):
    """A client's auth that checks the host now and leaves signing to its transport.

    The transport signs each attempt after its waits, so a request is signed once, late.
    """

    def __init__(self, auth: KalshiAuth) -> None:
        self.auth = auth

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Mark ``request`` for its transport to sign, and check its host now."""
        request.extensions[_DEFERRED] = True
        yield from self.auth.auth_flow(request)
