"""``KalshiMock``: the simulated exchange behind ``responses``, for unit tests without sockets.

``responses`` is an optional dependency: ``pip install requests-kalshi[testing]``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from requests_kalshi.auth import KalshiAuth
from requests_kalshi.environments import DEMO, KALSHI_HOSTS, is_loopback_host, resolve_environment
from requests_kalshi.errors import ConfigurationError
from requests_kalshi.session import KalshiSession, session

from .authcheck import DEFAULT_WINDOW
from .faults import RateLimit
from .market import Market
from .simulator import SimulatedExchange
from .state import DEFAULT_BALANCE

if TYPE_CHECKING:
    import responses

__all__ = ["KalshiMock"]

_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD")


class KalshiMock(SimulatedExchange):
    """Answer requests to a Kalshi base URL from the simulated exchange, through ``responses``.

    Every request is checked exactly as :class:`LocalExchange` checks it, signature included,
    so a unit test fails when the code under test signs wrongly. Faults work too; a dropped
    connection raises :class:`requests.ConnectionError` and a delay sleeps.

    >>> with KalshiMock(key_type="ed25519") as kalshi, kalshi.session() as s:
    ...     s.get("/portfolio/balance").json()["balance"]
    100000

    Register your own key to test code that signs with it:
    ``kalshi.register_key(my_key_id, my_private_key.public_key())``.

    :param base_url: the base URL to answer for; demo by default.
    :param rsps: a :class:`responses.RequestsMock` to register on (you start and stop it);
        by default the mock makes and runs its own.
    :param key_type: the throwaway key's type, ``"rsa"`` (default) or ``"ed25519"``.
    :param markets: the markets to serve; 150 seeded markets by default.
    :param balance: the starting balance in cents.
    :param timestamp_window: seconds a timestamp may be off (5 by default).
    :param rate_limit: answer 429 above these budgets; off by default.
    :param clock: the server clock (Unix seconds); :func:`time.time` by default.
    :raises ConfigurationError: an unusable option, or ``responses`` is not installed.
    """

    def __init__(
        self,
        *,
        base_url: str = DEMO.rest_url,
        rsps: responses.RequestsMock | None = None,
        key_type: str = "rsa",
        markets: Iterable[Market] | None = None,
        balance: int = DEFAULT_BALANCE,
        timestamp_window: float = DEFAULT_WINDOW,
        rate_limit: RateLimit | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        try:
            import responses
        except ImportError:
            raise ConfigurationError(
                "KalshiMock needs the 'responses' package: pip install 'requests-kalshi[testing]'."
            ) from None
        super().__init__(
            key_type=key_type,
            markets=markets,
            balance=balance,
            timestamp_window=timestamp_window,
            rate_limit=rate_limit,
            clock=clock,
        )
        self.url = resolve_environment(base_url).rest_url
        host = urlsplit(self.url).hostname or ""
        if host not in KALSHI_HOSTS and not is_loopback_host(host):
            self.auth = KalshiAuth(self.key_id, self._key, allowed_hosts=[host], clock=self._clock)
        self._owns_mock = rsps is None
        self._rsps = (
            responses.RequestsMock(assert_all_requests_are_fired=False) if rsps is None else rsps
        )
        self._registered = False

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
        outcome = self.handle(
            request.method or "GET", request.path_url, dict(request.headers), data
        )
        if outcome.delay:
            time.sleep(outcome.delay)
        if outcome.drop:
            return 0, {}, requests.ConnectionError("KalshiMock dropped the connection")
        return outcome.status, outcome.headers, outcome.body
