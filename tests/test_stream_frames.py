"""The stream client against a scripted server: frames the local exchange never sends."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from requests_kalshi.stream import (
    Message,
    Reconnected,
    StreamCommandError,
    StreamGaveUpError,
    connect,
)
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
                async for item in stream:
                    items.append(item)

    items: list[Any] = []
    with pytest.raises(StreamCommandError, match="Invalid parameter"):
        asyncio.run(scenario())
    assert items == [Reconnected(attempts=1)]  # the refusal answered the restore: then it


async def first_item_from_a_flapping_server(flaps: int, **options: Any) -> tuple[Any, int]:
    """The first item after subscribing to ``trade``, from a server that drops its first
    ``flaps`` connections at once (the first after confirming the subscription), and how many
    connections it accepted by then."""
    accepted = 0

    async def handler(ws: ServerConnection) -> None:
        nonlocal accepted
        accepted += 1
        if 1 < accepted <= flaps:
            await ws.close(1011, "going away at once")
            return
        async for text in ws:
            command = json.loads(text)
            msg = {"channel": "trade", "sid": accepted}
            await ws.send(json.dumps({"id": command["id"], "type": "subscribed", "msg": msg}))
            if accepted == 1:
                await ws.close(1011, "going away at once")

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        auth = LocalExchange(key_type="ed25519").auth
        url = f"ws://127.0.0.1:{port}/trade-api/ws/v2"
        async with connect(auth, url, backoff=0, **options) as stream:
            await stream.subscribe("trade")
            item = await stream.__anext__()
            return item, accepted


def test_a_server_that_accepts_and_drops_at_once_is_given_up_on() -> None:
    with pytest.raises(StreamGaveUpError, match="after 3 attempts") as info:
        asyncio.run(first_item_from_a_flapping_server(10, retries=2))
    assert info.value.attempts == 3
    assert "1011 going away at once" in str(info.value.__cause__)


def test_a_connection_that_stayed_up_long_enough_renews_the_budget() -> None:
    # stable_after=0: every connection counts as back, so the flapping is outlasted.
    item, accepted = asyncio.run(first_item_from_a_flapping_server(4, retries=2, stable_after=0))
    assert item == Reconnected(attempts=1)
    assert accepted == 5


async def serve_script(script: Any, scenario: Any, **options: Any) -> Any:
    """Run ``scenario(stream)`` against a server whose n-th connection runs ``script(ws, n)``."""
    accepted = 0

    async def handler(ws: ServerConnection) -> None:
        nonlocal accepted
        accepted += 1
        await script(ws, accepted)

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        auth = LocalExchange(key_type="ed25519").auth
        url = f"ws://127.0.0.1:{port}/trade-api/ws/v2"
        async with connect(auth, url, backoff=0, **options) as stream:
            return await scenario(stream)


async def answer(ws: ServerConnection, command: dict[str, Any], sid: int) -> None:
    channel = command["params"]["channels"][0]
    msg = {"channel": channel, "sid": sid}
    await ws.send(json.dumps({"id": command["id"], "type": "subscribed", "msg": msg}))


def test_messages_of_a_connection_lost_during_its_restore_are_kept() -> None:
    async def script(ws: ServerConnection, n: int) -> None:
        async for text in ws:
            command = json.loads(text)
            channel = command["params"]["channels"][0]
            if n == 2 and channel == "fill":  # lost before the second restore is answered
                await ws.close(1011)
                return
            await answer(ws, command, {"trade": 1, "fill": 2}[channel])
            if n == 1 and channel == "fill":
                await ws.close(1011)
            if n == 2:
                trade = {"type": "trade", "sid": 1, "seq": 1, "msg": {"trade_id": "t"}}
                await ws.send(json.dumps(trade))

    async def scenario(stream: Any) -> list[Any]:
        await stream.subscribe("trade")
        await stream.subscribe("fill")
        return [await stream.__anext__(), await stream.__anext__()]

    items = asyncio.run(serve_script(script, scenario))
    assert items == [Message("trade", "trade", 1, 1, {"trade_id": "t"}), Reconnected(1)]


def test_a_subscribe_awaited_across_a_reconnect_raises_if_the_restore_is_refused() -> None:
    async def script(ws: ServerConnection, n: int) -> None:
        async for text in ws:
            command = json.loads(text)
            channel = command["params"]["channels"][0]
            if channel == "trade":
                await answer(ws, command, 1)
            elif n == 1:  # the fill subscription is asked for, and the connection lost
                await ws.close(1011)
                return
            else:
                error = {"code": 11, "msg": "Invalid parameter"}
                await ws.send(json.dumps({"id": command["id"], "type": "error", "msg": error}))

    async def scenario(stream: Any) -> Any:
        await stream.subscribe("trade")
        with pytest.raises(StreamCommandError, match="Invalid parameter"):
            await stream.subscribe("fill")
        return await stream.__anext__()

    # The refusal went to subscribe(), not to the reader.
    assert asyncio.run(serve_script(script, scenario)) == Reconnected(1)
