"""Helpers for WebSocket tests: a raw ``websockets`` connection to a local exchange, REST orders."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from requests_kalshi import websocket_headers
from requests_kalshi.stream import KalshiStream
from requests_kalshi.testing import LocalExchange

from .orders import TICKER, V2_ORDERS, v2_order


def open_ws(ex: LocalExchange, url: str = "") -> Any:
    """A ``websockets`` connection to ``url`` (``ex.ws_url`` by default), freshly signed (an
    async context manager)."""
    url = url or ex.ws_url
    return connect(url, additional_headers=websocket_headers(ex.auth, url))


async def drain(stream: KalshiStream) -> list[Any]:
    """Every item a stream client received so far (list_subscriptions is a barrier)."""
    await stream.list_subscriptions()
    items = []
    while True:
        try:
            items.append(await asyncio.wait_for(stream.__anext__(), 0.02))
        except TimeoutError:
            return items


async def send(ws: ClientConnection, command: dict[str, Any]) -> None:
    await ws.send(json.dumps(command))


async def recv(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return answer


async def recv_until(ws: ClientConnection, command_id: int) -> list[dict[str, Any]]:
    """Every frame up to and including the reply to ``list_subscriptions`` id ``command_id``.

    The server answers commands in order with everything it queued before: a barrier.
    """
    await send(ws, {"id": command_id, "cmd": "list_subscriptions"})
    frames = []
    while True:
        frame = await recv(ws)
        frames.append(frame)
        if frame.get("id") == command_id and frame.get("type") == "ok":
            return frames


async def place(ex: LocalExchange, **fields: Any) -> dict[str, Any]:
    """Place a V2 order over REST (in a thread, so the event loop keeps reading)."""

    def post() -> dict[str, Any]:
        with ex.session(retries=0) as s:
            response = s.post(V2_ORDERS, json=v2_order(**fields))
            assert response.status_code == 201, response.text
            answer: dict[str, Any] = response.json()
            return answer

    return await asyncio.to_thread(post)


async def rest_book(ex: LocalExchange, ticker: str = TICKER) -> dict[str, Any]:
    def get() -> dict[str, Any]:
        with ex.session() as s:
            book: dict[str, Any] = s.get(f"/markets/{ticker}/orderbook").json()["orderbook_fp"]
            return book

    return await asyncio.to_thread(get)
