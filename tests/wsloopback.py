"""A WebSocket server on 127.0.0.1 that checks Kalshi handshake signatures like Kalshi.

The check is ``tests/verifier.py`` (independent of the package): ``TIMESTAMP + "GET" + path``,
the path without its query string, the timestamp within a few seconds of now, the key id
known. A bad handshake is refused with 401 and Kalshi's error body; a good one is accepted,
and the connection answers each ``subscribe`` command with a ``subscribed`` message.
"""

from __future__ import annotations

import asyncio
import http
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from tests.verifier import PublicKey, is_valid

WINDOW_SECONDS = 5.0


@dataclass
class Handshake:
    """One handshake as the server saw it, and the verdict."""

    path: str
    headers: dict[str, str]
    verdict: str


@dataclass
class KalshiWebSocketServer:
    """Accepts handshakes signed by a registered key; records every handshake."""

    keys: Mapping[str, PublicKey]
    handshakes: list[Handshake] = field(default_factory=list)
    url: str = ""

    def verdict(self, path: str, headers: Headers) -> str:
        key_id = headers.get("KALSHI-ACCESS-KEY")
        timestamp = headers.get("KALSHI-ACCESS-TIMESTAMP", "")
        signature = headers.get("KALSHI-ACCESS-SIGNATURE")
        if not key_id or not signature or not timestamp:
            return "missing_signature"
        if key_id not in self.keys:
            return "unknown_key"
        if not timestamp.isdigit() or abs(int(timestamp) / 1000 - time.time()) > WINDOW_SECONDS:
            return "expired"
        text = f"{timestamp}GET{path.split('?', 1)[0]}"
        return "ok" if is_valid(self.keys[key_id], text, signature) else "bad_signature"

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        verdict = self.verdict(request.path, request.headers)
        self.handshakes.append(Handshake(request.path, dict(request.headers.raw_items()), verdict))
        if verdict == "ok":
            return None
        code = "header_timestamp_expired" if verdict == "expired" else "authentication_error"
        body = {"error": {"code": code, "message": verdict.replace("_", " ")}}
        response = connection.respond(http.HTTPStatus.UNAUTHORIZED, json.dumps(body))
        response.headers["Content-Type"] = "application/json"
        return response

    async def handler(self, connection: ServerConnection) -> None:
        async for message in connection:
            command = json.loads(message)
            if command.get("cmd") == "subscribe":
                for sid, channel in enumerate(command["params"]["channels"], start=1):
                    reply = {"channel": channel, "sid": sid}
                    await connection.send(
                        json.dumps({"id": command.get("id"), "type": "subscribed", "msg": reply})
                    )

    @asynccontextmanager
    async def running(self, path: str = "/trade-api/ws/v2") -> AsyncIterator[str]:
        """Serve on a free port; yield the ``ws://127.0.0.1:PORT{path}`` URL."""
        async with serve(self.handler, "127.0.0.1", 0, process_request=self.process_request) as s:
            port = next(iter(s.sockets)).getsockname()[1]
            self.url = f"ws://127.0.0.1:{port}{path}"
            yield self.url

    @contextmanager
    def running_in_thread(self, path: str = "/trade-api/ws/v2") -> Iterator[str]:
        """Serve from a thread with its own event loop, for code that runs ``asyncio.run``."""
        ready = threading.Event()
        box: dict[str, object] = {}

        async def serve_until_stopped() -> None:
            box["loop"], box["stop"] = asyncio.get_running_loop(), asyncio.Event()
            async with self.running(path):
                ready.set()
                await box["stop"].wait()  # type: ignore[attr-defined]

        thread = threading.Thread(target=asyncio.run, args=(serve_until_stopped(),))
        thread.start()
        try:
            if not ready.wait(10):
                raise RuntimeError("the WebSocket test server did not start")
            yield self.url
        finally:
            loop, stop = box.get("loop"), box.get("stop")
            if loop is not None and stop is not None:
                loop.call_soon_threadsafe(stop.set)  # type: ignore[attr-defined]
            thread.join()
