"""The HTTP/1.1 transport of :class:`~requests_kalshi.testing.LocalExchange`.

A request's bytes become a call to the exchange's core (:meth:`SimulatedExchange.handle`),
and its :class:`Outcome` becomes bytes again; what cannot be read is answered by
the rules of ``_framing.py``; a signed handshake to ``/trade-api/ws/v2`` (event contracts) or
``/trade-api/ws/v2/margin`` (perpetual futures) upgrades to a WebSocket that
``exchange.streams`` serves.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from requests_kalshi.environments import MARGIN_WS_PATH, WS_PATH

from ._framing import Malformed, read_body, status_code_name
from .simulator import Outcome
from .wsframes import accept_key

if TYPE_CHECKING:
    from .exchange import LocalExchange

__all__ = ["MARGIN_WS_PATH", "WS_PATH", "WS_PRODUCTS", "Server", "handler_for"]

log = logging.getLogger("requests_kalshi")


class Server(ThreadingHTTPServer):
    """The threading HTTP server of a :class:`LocalExchange`; it can close idle connections."""

    # Handler threads are joined by server_close(): nothing outlives the exchange.
    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Remember the connection, then serve it on its own thread."""
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection, then close it."""
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
        """Log at DEBUG: a client that vanished mid-answer is no error of the exchange."""
        # Only when a client vanishes mid-answer; not reproducible without timing games.
        log.debug("local exchange: connection from %s failed", client_address, exc_info=True)


WS_PRODUCTS = {WS_PATH: "events", MARGIN_WS_PATH: "margin"}
"""The WebSocket paths served, and the product of each."""


def handler_for(exchange: LocalExchange) -> type[BaseHTTPRequestHandler]:
    """The request handler class serving ``exchange`` (its core, its stop event)."""

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
            """A signed handshake to a WebSocket path upgrades; exchange.streams serves it."""
            self.close_connection = True
            product = WS_PRODUCTS.get(urlsplit(self.path).path)
            if product is None:
                outcome = exchange.core.handle("GET", self.path, dict(self.headers.items()))
            else:
                refused = exchange.streams.refusal()
                headers = dict(self.headers.items())
                outcome = refused or exchange.core.websocket_handshake(self.path, headers)
            if outcome.status != 101 or product is None:
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
            exchange.streams.serve(self.connection, self.rfile, self.wfile, product)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("local exchange: " + format, *args)

    return Handler
