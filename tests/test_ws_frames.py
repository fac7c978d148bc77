"""The local exchange's WebSocket framing over a raw socket: masking, fragments, control frames."""

from __future__ import annotations

import base64
import io
import json
import os
import socket
import time
from collections.abc import Iterator

import pytest

from requests_kalshi import websocket_headers
from requests_kalshi.testing import LocalExchange
from requests_kalshi.testing.wsframes import (
    BINARY,
    CLOSE,
    CONTINUATION,
    PING,
    PONG,
    TEXT,
    FrameError,
    MessageReader,
    read_frame,
)


@pytest.fixture
def ex() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as exchange:
        yield exchange


def client_frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    else:
        head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def upgraded(
    ex: LocalExchange, *, receive_buffer: int = 0
) -> tuple[socket.socket, io.BufferedReader]:
    sock = socket.socket()
    if receive_buffer:  # set before connecting, so the window offered is small from the start
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", ex.port))
    headers = websocket_headers(ex.auth, ex.ws_url)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "GET /trade-api/ws/v2 HTTP/1.1",
        f"Host: 127.0.0.1:{ex.port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    reader = sock.makefile("rb")
    assert reader.readline().startswith(b"HTTP/1.1 101")
    while reader.readline() not in (b"\r\n", b""):
        pass
    return sock, reader


def test_fragmented_commands_with_a_ping_inside_are_answered(ex: LocalExchange) -> None:
    sock, reader = upgraded(ex)
    with sock, reader:
        text = json.dumps({"id": 3, "cmd": "list_subscriptions"}).encode()
        sock.sendall(client_frame(TEXT, text[:5], fin=False))
        sock.sendall(client_frame(PING, b"hi"))
        sock.sendall(client_frame(CONTINUATION, text[5:10], fin=False))
        sock.sendall(client_frame(CONTINUATION, text[10:]))
        assert read_frame(reader) == (PONG, b"hi")
        opcode, payload = read_frame(reader) or (0, b"")
        assert (opcode, json.loads(payload)) == (TEXT, {"id": 3, "type": "ok", "msg": []})
        sock.sendall(client_frame(BINARY, b"\x00"))
        assert json.loads((read_frame(reader) or (0, b""))[1])["msg"]["code"] == 1
        sock.sendall(client_frame(CLOSE, (1000).to_bytes(2, "big") + b"bye"))
        assert read_frame(reader) == (CLOSE, (1000).to_bytes(2, "big"))


def test_the_server_pings_an_idle_connection(ex: LocalExchange) -> None:
    ex.streams.ping_interval = 0.05
    sock, reader = upgraded(ex)
    with sock, reader:
        assert read_frame(reader) == (PING, b"")
        sock.sendall(client_frame(PONG, b""))
        assert read_frame(reader) == (PING, b"")


@pytest.mark.parametrize(
    ("frames", "code"),
    [
        ([client_frame(CONTINUATION, b"x")], 1002),
        ([client_frame(0x3, b"x")], 1002),
        ([client_frame(PING, b"x", fin=False)], 1002),
        ([client_frame(TEXT, b"\xff\xfe")], 1007),
        ([client_frame(TEXT, b"x", fin=False), client_frame(TEXT, b"y")], 1002),
    ],
)
def test_protocol_errors_close_with_their_code(
    ex: LocalExchange, frames: list[bytes], code: int
) -> None:
    sock, reader = upgraded(ex)
    with sock, reader:
        for frame in frames:
            sock.sendall(frame)
        opcode, payload = read_frame(reader) or (0, b"")
        assert (opcode, int.from_bytes(payload[:2], "big")) == (CLOSE, code)
        assert ex.streams.connections in (0, 1)


def test_messages_over_the_size_limit_are_refused() -> None:
    big = client_frame(TEXT, b"x" * 300)
    with pytest.raises(FrameError) as info:
        MessageReader(io.BytesIO(big), max_size=100).next()
    assert info.value.code == 1009
    parts = client_frame(TEXT, b"x" * 80, fin=False) + client_frame(CONTINUATION, b"y" * 80)
    with pytest.raises(FrameError) as info:
        MessageReader(io.BytesIO(parts), max_size=100).next()
    assert info.value.code == 1009
    assert MessageReader(io.BytesIO(client_frame(TEXT, b"x")[:3])).next() is None
    assert read_frame(io.BytesIO(b"\x81\x7e\x01")) is None


def test_a_client_that_resets_the_connection_is_forgotten(ex: LocalExchange) -> None:
    import struct
    import time

    sock, reader = upgraded(ex)
    subscribe = {"id": 1, "cmd": "subscribe", "params": {"channels": ["trade", "fill"]}}
    sock.sendall(client_frame(TEXT, json.dumps(subscribe).encode()))
    read_frame(reader)
    read_frame(reader)
    ex.streams.skip_seq("fill")  # only the fill subscription
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    reader.close()
    sock.close()  # a reset, not a close handshake
    ex.move_market("KXFED-26DEC-T4.25", "0.50")  # trades to write to the gone client
    for _ in range(100):
        if ex.streams.connections == 0:
            break
        time.sleep(0.02)
    assert ex.streams.connections == 0
    ex.streams.start()  # already started: nothing changes
    with ex.session() as s:
        assert s.get("/exchange/status").status_code == 200
    ex.streams.stop()
    ex.streams.stop()


LISTINGS = 500


def flood(ex: LocalExchange, sock: socket.socket) -> None:
    """Make 20 subscriptions to every event-contract market, then ask for their list
    ``LISTINGS`` times: megabytes of answers (more than the sockets hold), all made at once
    once the exchange has every command, whatever the machine's speed."""
    params = {"channels": ["orderbook_delta"], "market_tickers": sorted(ex.state.engine.markets)}
    commands = [{"cmd": "subscribe", "params": params}] * 20
    commands += [{"cmd": "list_subscriptions"}] * LISTINGS
    ex.streams.hold_commands()
    for n, command in enumerate(commands):
        sock.sendall(client_frame(TEXT, json.dumps({"id": n, **command}).encode()))
    for _ in range(500):
        if ex.streams.held_commands == len(commands):
            break
        time.sleep(0.01)
    assert ex.streams.release_commands() == len(commands)


def until_no_connections(ex: LocalExchange) -> int:
    for _ in range(500):
        if ex.streams.connections == 0:
            break
        time.sleep(0.01)
    return ex.streams.connections


def test_a_client_that_falls_behind_is_closed_as_a_slow_consumer(ex: LocalExchange) -> None:
    ex.streams.max_backlog = 32 * 1024
    sock, reader = upgraded(ex, receive_buffer=4096)
    with sock, reader:
        flood(ex, sock)
        listings = 0
        while (frame := read_frame(reader)) is not None and frame[0] != CLOSE:
            listings += json.loads(frame[1]).get("type") == "ok"
        assert frame is not None, "the connection ended without a close frame"
        code, reason = int.from_bytes(frame[1][:2], "big"), frame[1][2:].decode()
        assert (code, reason) == (1008, "slow consumer: more than 32768 bytes waiting")
        assert listings < LISTINGS  # what had fallen behind was dropped, not sent
        sock.sendall(client_frame(CLOSE, frame[1][:2]))
        assert until_no_connections(ex) == 0


def test_a_client_that_reads_nothing_is_dropped_after_the_close_timeout(
    ex: LocalExchange,
) -> None:
    ex.streams.max_backlog = 32 * 1024
    ex.streams.close_timeout = 0
    sock, reader = upgraded(ex, receive_buffer=4096)
    with sock, reader:
        flood(ex, sock)
        assert until_no_connections(ex) == 0  # without reading a byte
