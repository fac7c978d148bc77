"""``LocalExchange``: the simulated exchange served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from requests_kalshi.errors import ConfigurationError, KalshiError
from requests_kalshi.session import KalshiSession, session

from .framing import Malformed, read_body, status_code_name
from .front import ExchangeFront, make_core
from .simulator import Outcome, SimulatedExchange
from .wsframes import accept_key
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
        self._server: _Server | None = None
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


def _handler_for(exchange: LocalExchange) -> type[BaseHTTPRequestHandler]:
    def _wait(seconds: float) -> bool:
        return not exchange._stopping.wait(seconds)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # one small response must not wait for a delayed ACK
        server_version = "requests-kalshi-local-exchange"

        def _handle(self) -> None:
            if self.headers.get("Upgrade", "").lower() == "websocket" and self.command == "GET":
                self._websocket()
                return
            headers = dict(self.headers.items())
            try:
                body = self._body()
                outcome = exchange.core.handle(self.command, self.path, headers, body, wait=_wait)
            except Malformed as error:
                self.close_connection = True
                outcome = exchange.core.refuse(
                    self.command, self.path, headers, error.status, error.code, error.message
                )
            except Exception:
                log.exception("local exchange: failed on %s %s", self.command, self.path[:200])
                self.close_connection = True
                outcome = exchange.core.refuse(
                    self.command,
                    self.path,
                    headers,
                    500,
                    "internal_server_error",
                    "the local exchange failed (see the 'requests_kalshi' log)",
                )
            if outcome.delay and exchange._stopping.wait(outcome.delay):
                outcome.drop = True
            if outcome.drop:
                self.close_connection = True
                return
            self._send(outcome)

        def _body(self) -> bytes:
            self.connection.settimeout(exchange.body_timeout)
            try:
                return read_body(
                    self.headers.get_all("Content-Length") or [],
                    self.headers.get_all("Transfer-Encoding") or [],
                    self.rfile,
                )
            except TimeoutError:
                raise Malformed(
                    400,
                    "incomplete_body",
                    f"the body did not arrive within {exchange.body_timeout:g} s",
                ) from None
            finally:
                self.connection.settimeout(None)

        def _send(self, outcome: Outcome) -> None:
            self.send_response_only(outcome.status)
            self.send_header("Server", self.version_string())
            for name, value in outcome.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(outcome.body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(outcome.body)

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            """Answer what the HTTP parser refused (a line too long…) in JSON, then close."""
            self.close_connection = True
            # Refused before its version was read, a request counts as HTTP/0.9, which
            # would get no status line.
            self.request_version = self.protocol_version
            self.log_error("refused: %d %s", code, message)
            headers = getattr(self, "headers", None)
            outcome = exchange.core.refuse(
                self.command or "",
                getattr(self, "path", ""),
                dict(headers.items()) if headers is not None else {},
                code,
                status_code_name(code),
                message or HTTPStatus(code).phrase,
            )
            self._send(outcome)

        def _websocket(self) -> None:
            """A signed handshake to /trade-api/ws/v2 upgrades; exchange.streams serves it."""
            self.close_connection = True
            if urlsplit(self.path).path != WS_PATH:
                outcome = exchange.core.handle("GET", self.path, dict(self.headers.items()))
            else:
                refused = exchange.streams.refusal()
                headers = dict(self.headers.items())
                outcome = refused or exchange.core.websocket_handshake(self.path, headers)
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
            exchange.streams.serve(self.connection, self.rfile, self.wfile)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("local exchange: " + format, *args)

    return Handler
