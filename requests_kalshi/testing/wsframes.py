"""The little of RFC 6455 the local exchange needs: the handshake answer and plain frames."""

from __future__ import annotations

import base64
import hashlib
from typing import Protocol

__all__ = ["CLOSE", "PING", "PONG", "TEXT", "accept_key", "encode_frame", "read_frame"]

TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept_key(client_key: str) -> str:
    """``Sec-WebSocket-Accept`` for a client's ``Sec-WebSocket-Key``."""
    digest = hashlib.sha1(client_key.strip().encode("ascii") + _GUID).digest()  # noqa: S324
    return base64.b64encode(digest).decode("ascii")


def read_frame(stream: _Readable) -> tuple[int, bytes] | None:
    """Read one frame: ``(opcode, payload)``, unmasked; ``None`` when the peer is gone."""
    head = stream.read(2)
    if len(head) < 2:
        return None
    opcode, masked, length = head[0] & 0x0F, head[1] & 0x80, head[1] & 0x7F
    if length >= 126:
        size = 2 if length == 126 else 8
        length = int.from_bytes(stream.read(size), "big")
    mask = stream.read(4) if masked else b""
    payload = stream.read(length)
    if len(payload) < length:
        return None
    if masked:
        payload = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    return opcode, payload


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """One unmasked, final frame from the server."""
    n = len(payload)
    if n < 126:
        header = bytes([0x80 | opcode, n])
    elif n < 1 << 16:
        header = bytes([0x80 | opcode, 126]) + n.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 127]) + n.to_bytes(8, "big")
    return header + payload
