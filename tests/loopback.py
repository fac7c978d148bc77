"""A real HTTP server on 127.0.0.1 for wire tests: records every request it receives."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One request as it arrived on the wire."""

    method: str
    target: str  # the request target: path and query, as sent
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


Reply = tuple[int, dict[str, str], bytes]
Responder = Callable[[Received], Reply]


def json_reply(status: int, payload: object, headers: dict[str, str] | None = None) -> Reply:
    return (
        status,
        {"Content-Type": "application/json", **(headers or {})},
        json.dumps(payload).encode(),
    )


@dataclass
class LoopbackServer:
    """Answers each request with ``respond(received)`` and keeps the list of what arrived."""

    respond: Responder = field(default=lambda r: json_reply(200, {"ok": True}))
    received: list[Received] = field(default_factory=list)
    url: str = ""
    port: int = 0  # 0: any free port
    connections: int = 0  # TCP connections accepted, whether or not a request followed

    @contextmanager
    def running(self) -> Iterator[LoopbackServer]:
        server = _CountingServer(("127.0.0.1", self.port), _handler_for(self))
        server.owner = self
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


class _CountingServer(ThreadingHTTPServer):
    owner: LoopbackServer
    allow_reuse_address = True

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.owner.connections += 1  # runs on the single accepting thread
        return True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client hung up first, as timeout tests make it do
        super().handle_error(request, client_address)


def _handler_for(owner: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            received = Received(self.command, self.path, dict(self.headers.items()), body)
            with lock:
                owner.received.append(received)
            status, headers, payload = owner.respond(received)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler
