"""``LocalExchange``: the simulated exchange served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from requests_kalshi.errors import ConfigurationError, KalshiError
from requests_kalshi.session import KalshiSession, session

from .authcheck import DEFAULT_WINDOW
from .faults import RateLimit
from .market import Market
from .simulator import SimulatedExchange
from .state import DEFAULT_BALANCE
from .wsframes import CLOSE, PING, PONG, TEXT, accept_key, encode_frame, read_frame

__all__ = ["ExchangeNotRunningError", "LocalExchange"]

log = logging.getLogger("requests_kalshi")


class ExchangeNotRunningError(KalshiError, RuntimeError):
    """The local exchange was used before :meth:`LocalExchange.start` or after it stopped."""


class LocalExchange(SimulatedExchange):
    """A Kalshi-like exchange on ``http://127.0.0.1:PORT/trade-api/v2``, for tests.

    It checks every signature as Kalshi does, serves a small, consistent slice of the API,
    and misbehaves on request (see :meth:`fail_next`, :meth:`delay_next`,
    :meth:`drop_next`, :attr:`clock_offset` and :meth:`set_rate_limit`).

    >>> with LocalExchange(key_type="ed25519") as ex, ex.session() as s:
    ...     s.get("/portfolio/balance").json()["balance_dollars"]
    '1000.0000'

    :param port: the TCP port; 0 (default) picks a free one.
    :param key_type: ``"rsa"`` (default) or ``"ed25519"``; see :class:`SimulatedExchange`.
    :param markets: the markets to serve; 150 seeded markets by default.
    :param balance: the starting balance in cents ($1,000 by default).
    :param timestamp_window: seconds a timestamp may be off (5 by default).
    :param rate_limit: answer 429 above these budgets; off by default.
    :param clock: the server clock (Unix seconds); :func:`time.time` by default.
    :raises ConfigurationError: an unusable option.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        key_type: str = "rsa",
        markets: Iterable[Market] | None = None,
        balance: int = DEFAULT_BALANCE,
        timestamp_window: float = DEFAULT_WINDOW,
        rate_limit: RateLimit | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ConfigurationError(f"port must be 0 (any free port) or 1-65535, not {port!r}.")
        super().__init__(
            key_type=key_type,
            markets=markets,
            balance=balance,
            timestamp_window=timestamp_window,
            rate_limit=rate_limit,
            clock=clock,
        )
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

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
        server = _Server(("127.0.0.1", self._port), _handler_for(self))
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"LocalExchange:{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
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


class _Server(ThreadingHTTPServer):
    # Handler threads are joined by server_close(): nothing outlives the exchange.
    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections so they can end."""
        with self._open_lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:  # pragma: no cover
        # Only when a client vanishes mid-answer; not reproducible without timing games.
        log.debug("local exchange: connection from %s failed", client_address, exc_info=True)


WS_PATH = "/trade-api/ws/v2"
_NO_CHANNELS = json.dumps(
    {"type": "error", "msg": {"code": 0, "msg": "the local exchange has no WebSocket channels"}}
).encode()


def _handler_for(exchange: LocalExchange) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # one small response must not wait for a delayed ACK
        server_version = "requests-kalshi-local-exchange"

        def _handle(self) -> None:
            if self.headers.get("Upgrade", "").lower() == "websocket" and self.command == "GET":
                self._websocket()
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            outcome = exchange.handle(self.command, self.path, dict(self.headers.items()), body)
            if outcome.delay and exchange._stopping.wait(outcome.delay):
                outcome.drop = True
            if outcome.drop:
                self.close_connection = True
                return
            self.send_response_only(outcome.status)
            self.send_header("Server", self.version_string())
            for name, value in outcome.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(outcome.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(outcome.body)

        def _websocket(self) -> None:
            """A signed handshake to /trade-api/ws/v2 upgrades; the exchange has no channels."""
            self.close_connection = True
            if urlsplit(self.path).path != WS_PATH:
                outcome = exchange.handle("GET", self.path, dict(self.headers.items()))
            else:
                outcome = exchange.websocket_handshake(self.path, dict(self.headers.items()))
            if outcome.status != 101:
                self.send_response_only(outcome.status)
                for name, value in outcome.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(outcome.body)))
                self.end_headers()
                self.wfile.write(outcome.body)
                return
            self.send_response_only(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            key = self.headers.get("Sec-WebSocket-Key", "")
            self.send_header("Sec-WebSocket-Accept", accept_key(key))
            self.end_headers()
            self.wfile.flush()
            while (frame := read_frame(self.rfile)) is not None:
                opcode, payload = frame
                if opcode == CLOSE:
                    self.wfile.write(encode_frame(CLOSE, payload[:2]))
                    return
                if opcode == PING:
                    self.wfile.write(encode_frame(PONG, payload))
                elif opcode == TEXT:
                    self.wfile.write(encode_frame(TEXT, _NO_CHANNELS))

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("local exchange: " + format, *args)

    return Handler
