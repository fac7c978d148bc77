"""``KalshiMock``: the simulated exchange behind ``responses``, for unit tests without sockets.

``responses`` is an optional dependency: ``pip install requests-kalshi[testing]``.
"""

from __future__ import annotations

import re
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from requests_kalshi.auth import KalshiAuth
from requests_kalshi.environments import DEMO, KALSHI_HOSTS, is_loopback_host, resolve_environment
from requests_kalshi.errors import ConfigurationError
from requests_kalshi.sessions import KalshiSession, session

from .front import ExchangeFront, make_core
from .simulator import SimulatedExchange

if TYPE_CHECKING:
    import responses

__all__ = ["KalshiMock"]

_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD")


class KalshiMock(ExchangeFront):
    """Answer requests to a Kalshi base URL from the simulated exchange, through ``responses``.

    Every request is checked exactly as :class:`LocalExchange` checks it, signature included,
    so a unit test fails when the code under test signs wrongly. Faults work too; a dropped
    connection raises :class:`requests.ConnectionError` and a delay sleeps.

    The exchange itself is its :attr:`core`, a :class:`SimulatedExchange`; this class is
    the ``responses`` callback around it. Give it the core of a running
    :class:`LocalExchange` (``KalshiMock(core=ex.core)``) to serve one account both ways.

    >>> with KalshiMock(key_type="ed25519") as kalshi, kalshi.session() as s:
    ...     s.get("/portfolio/balance").json()["balance"]
    100000

    Register your own key to test code that signs with it:
    ``kalshi.register_key(my_key_id, my_private_key.public_key())``.

    :param base_url: the base URL to answer for; demo by default.
    :param rsps: a :class:`responses.RequestsMock` to register on (you start and stop it);
        by default the mock makes and runs its own.
    :param core: the exchange to serve; a new one made from ``options`` by default.
    :param options: keyword arguments of :class:`SimulatedExchange` for a new core:
        ``key_type``, ``markets``, ``balance``, ``timestamp_window``, ``rate_limit``,
        ``clock``…
    :raises ConfigurationError: an unusable option, both ``core`` and ``options``, or
        ``responses`` is not installed.
    """

    url: str
    """The REST base URL it answers for, such as ``https://…/trade-api/v2``."""

    def __init__(
        self,
        *,
        base_url: str = DEMO.rest_url,
        rsps: responses.RequestsMock | None = None,
        core: SimulatedExchange | None = None,
        **options: Any,
    ) -> None:
        try:
            import responses
        except ImportError:
            raise ConfigurationError(
                "KalshiMock needs the 'responses' package: pip install 'requests-kalshi[testing]'."
            ) from None
        self.core = make_core(core, options)
        self.url = resolve_environment(base_url).rest_url
        host = urlsplit(self.url).hostname or ""
        self._auth = self.core.auth
        if host not in KALSHI_HOSTS and not is_loopback_host(host):
            self._auth = self.core.auth_for_host(host)
        self._owns_mock = rsps is None
        self._rsps = (
            responses.RequestsMock(assert_all_requests_are_fired=False) if rsps is None else rsps
        )
        self._registered = False

    @property
    def auth(self) -> KalshiAuth:
        """A :class:`KalshiAuth` signing with the throwaway key, trusting :attr:`url`'s host."""
        return self._auth

    @property
    def mock(self) -> responses.RequestsMock:
        """The :class:`responses.RequestsMock` the routes are registered on."""
        return self._rsps

    def session(self, **options: Any) -> KalshiSession:
        """A :class:`KalshiSession` for :attr:`url`, signing with :attr:`auth`.

        :param options: more keyword options for :func:`requests_kalshi.session`, such as
            ``retries=0`` to see injected faults instead of retrying them.
        """
        return session(self.url, auth=self.auth, **options)

    def start(self) -> KalshiMock:
        """Register the routes (and start the mock it owns); returns the mock itself."""
        if not self._registered:
            parts = urlsplit(self.url)
            pattern = re.compile(re.escape(f"{parts.scheme}://{parts.netloc}") + r"(/.*)?")
            for method in _METHODS:
                self._rsps.add_callback(method, pattern, callback=self._respond, content_type=None)
            self._registered = True
        if self._owns_mock:
            self._rsps.start()
        return self

    def stop(self) -> None:
        """Stop and reset the mock it owns (a mock you passed in is left to you)."""
        if self._owns_mock and self._registered:
            self._rsps.stop()
            self._rsps.reset()
            self._registered = False

    def __enter__(self) -> KalshiMock:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _respond(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], Any]:
        body = request.body
        data = body.encode() if isinstance(body, str) else body if isinstance(body, bytes) else b""
        outcome = self.core.handle(
            request.method or "GET", request.path_url, dict(request.headers), data
        )
        if outcome.delay:
            time.sleep(outcome.delay)
        if outcome.drop:
            return 0, {}, requests.ConnectionError("KalshiMock dropped the connection")
        return outcome.status, outcome.headers, outcome.body
