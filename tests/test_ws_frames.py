"""The local exchange's WebSocket framing over a raw socket: masking, fragments, control frames."""

from __future__ import annotations

import base64
import io
import json
import os
import socket
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


def upgraded(ex: LocalExchange) -> tuple[socket.socket, io.BufferedReader]:
    sock = socket.create_connection(("127.0.0.1", ex.port), timeout=5)
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
