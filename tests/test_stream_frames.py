"""The stream client against a scripted server: frames the local exchange never sends."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from requests_kalshi.stream import Message, StreamCommandError, connect
from requests_kalshi.testing import LocalExchange


async def scripted(frames: list[Any]) -> tuple[list[Any], list[dict[str, Any]]]:
    """Run a server that confirms a ``trade`` subscription, then sends ``frames``."""
    received: list[dict[str, Any]] = []

    async def handler(ws: ServerConnection) -> None:
        command = json.loads(await ws.recv())
        received.append(command)
        sub = {"id": command["id"], "type": "subscribed", "msg": {"channel": "trade", "sid": 4}}
        await ws.send(json.dumps(sub))
        for frame in frames:
            await ws.send(frame if isinstance(frame, str) else json.dumps(frame))
        async for text in ws:
            received.append(json.loads(text))
            await ws.send(json.dumps({"id": received[-1]["id"], "type": "ok", "msg": []}))

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        auth = LocalExchange(key_type="ed25519").auth  # never started: only signs
        async with connect(auth, f"ws://127.0.0.1:{port}/trade-api/ws/v2") as stream:
            await stream.subscribe("trade")
            await stream.list_subscriptions()
            items = []
            while True:
                try:
                    items.append(await asyncio.wait_for(stream.__anext__(), 0.05))
                except TimeoutError:
                    return items, received


def test_odd_frames_are_logged_or_ignored(caplog: pytest.LogCaptureFixture) -> None:
    frames = [
        "not json",
        "[1, 2]",
        {"type": "error", "msg": {"code": 10, "msg": "Channel error"}},
        {"type": "trade", "sid": 99, "seq": 1, "msg": {}},  # another subscription's
        {"type": "trade", "sid": 4, "msg": {"trade_id": "a"}},  # no seq: nothing to check
        {"type": "trade", "sid": 4, "seq": 1, "msg": {"trade_id": "b"}},
        {"type": "ok", "sid": 4, "id": 12345},
    ]
    with caplog.at_level(logging.WARNING, logger="requests_kalshi"):
        items, _ = asyncio.run(scripted(frames))
    assert items == [
        Message("trade", "trade", 4, None, {"trade_id": "a"}),
        Message("trade", "trade", 4, 1, {"trade_id": "b"}),
    ]
    assert "not JSON" in caplog.text
    assert "Channel error (error 10)" in caplog.text


def test_a_refused_restore_is_raised_to_the_reader() -> None:
    async def scenario() -> None:
        async def handler(ws: ServerConnection) -> None:
            command = json.loads(await ws.recv())
            if handler.calls == 0:  # type: ignore[attr-defined]
                msg = {"channel": "trade", "sid": 1}
                await ws.send(json.dumps({"id": command["id"], "type": "subscribed", "msg": msg}))
                handler.calls += 1  # type: ignore[attr-defined]
                await ws.close(1011)
                return
            error = {"code": 11, "msg": "Invalid parameter"}
            await ws.send(json.dumps({"id": command["id"], "type": "error", "msg": error}))
            await asyncio.sleep(1)

        handler.calls = 0  # type: ignore[attr-defined]
        async with serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            auth = LocalExchange(key_type="ed25519").auth
            url = f"ws://127.0.0.1:{port}/trade-api/ws/v2"
            async with connect(auth, url, backoff=0) as stream:
                await stream.subscribe("trade")
                async for _ in stream:
                    pass

    with pytest.raises(StreamCommandError, match="Invalid parameter"):
        asyncio.run(scenario())
