"""``LocalExchange``: the simulated exchange served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Any

from requests_kalshi.errors import ConfigurationError, KalshiError
from requests_kalshi.sessions import KalshiSession, session

from ._http import MARGIN_WS_PATH, WS_PATH, Server, handler_for
from .front import ExchangeFront, make_core
from .simulator import SimulatedExchange
from .wsserver import StreamHub

__all__ = ["ExchangeNotRunningError", "LocalExchange"]

log = logging.getLogger("requests_kalshi")


class ExchangeNotRunningError(KalshiError, RuntimeError):
    """The local exchange was used before :meth:`LocalExchange.start` or after it stopped."""


class LocalExchange(ExchangeFront):
    """A Kalshi-like exchange on ``http://127.0.0.1:PORT/trade-api/v2``, for tests.

    It checks every signature as Kalshi does, serves a small, consistent slice of the API,
    and misbehaves on request (see :meth:`fail_next`, :meth:`delay_next`,
    :meth:`drop_next`, :attr:`clock_offset` and :meth:`set_rate_limit`).

    The exchange itself is its :attr:`core`, a :class:`SimulatedExchange`; this class is
    the HTTP server around it, and every testing name (:attr:`state`, :attr:`requests`,
    :meth:`fail_next`…) is the core's.

    >>> with LocalExchange(key_type="ed25519") as ex, ex.session() as s:
    ...     s.get("/portfolio/balance").json()["balance_dollars"]
    '1000.0000'

    :param port: the TCP port; 0 (default) picks a free one.
    :param core: the exchange to serve, perhaps already served by another transport; a new
        one made from ``options`` by default.
    :param options: keyword arguments of :class:`SimulatedExchange` for a new core:
        ``key_type`` (``"rsa"``, the default, or ``"ed25519"``), ``markets``, ``balance``,
        ``timestamp_window``, ``rate_limit``, ``clock``…
    :raises ConfigurationError: an unusable option, or both ``core`` and ``options``.
    """

    body_timeout: float = 10.0
    """Seconds a request body may take to arrive in full; then it is answered 400."""

    def __init__(
        self, *, port: int = 0, core: SimulatedExchange | None = None, **options: Any
    ) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ConfigurationError(f"port must be 0 (any free port) or 1-65535, not {port!r}.")
        self.core = make_core(core, options)
        self._port = port
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.streams = StreamHub(self.core)
        """The WebSocket channels and their testing controls (drop, skip a seq, pause…)."""

    @property
    def url(self) -> str:
        """The REST base URL, ``http://127.0.0.1:PORT/trade-api/v2``.

        :raises ExchangeNotRunningError: the exchange is not running.
        """
        if self._server is None:
            raise ExchangeNotRunningError(
                "the local exchange is not running: use 'with LocalExchange() as ex:' or call "
                "ex.start() first."
            )
        return f"http://127.0.0.1:{self._server.server_address[1]}/trade-api/v2"

    @property
    def ws_url(self) -> str:
        """The WebSocket URL, ``ws://127.0.0.1:PORT/trade-api/ws/v2``; handshakes are checked.

        :raises ExchangeNotRunningError: the exchange is not running.
        """
        return f"ws://127.0.0.1:{self.port}{WS_PATH}"

    @property
    def margin_ws_url(self) -> str:
        """The margin WebSocket URL, ``ws://127.0.0.1:PORT/trade-api/ws/v2/margin``.

        Perpetual futures' channels; the handshake signs ``GET /trade-api/ws/v2/margin``. It is
        also ``websocket_url(ex.url, product="margin")``.

        :raises ExchangeNotRunningError: the exchange is not running.
        """
        return f"ws://127.0.0.1:{self.port}{MARGIN_WS_PATH}"

    @property
    def port(self) -> int:
        """The TCP port it listens on.

        :raises ExchangeNotRunningError: the exchange is not running.
        """
        return int(self.url.split(":")[2].split("/")[0])

    def session(self, **options: Any) -> KalshiSession:
        """A :class:`KalshiSession` for this exchange, signing with :attr:`auth`.

        :param options: more keyword options for :func:`requests_kalshi.session`, such as
            ``retries=0`` to see injected faults instead of retrying them.

        :raises ExchangeNotRunningError: the exchange is not running.
        """
        return session(self.url, auth=self.auth, **options)

    def start(self) -> LocalExchange:
        """Start serving in a background thread; returns the exchange itself.

        :raises ExchangeNotRunningError: it was already started.
        :raises OSError: the port cannot be bound.
        """
        if self._server is not None:
            raise ExchangeNotRunningError("the local exchange is already running.")
        self._stopping.clear()
        server = Server(("127.0.0.1", self._port), handler_for(self))
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"LocalExchange:{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        self.streams.start()
        log.debug("local exchange listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and join every server thread.

        Safe to call more than once.
        """
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        self.streams.stop()
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> LocalExchange:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "not running"
        return f"<LocalExchange {where} key_id={self.key_id!r}>"
