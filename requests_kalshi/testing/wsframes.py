"""The little of RFC 6455 the local exchange needs: the handshake answer, frames and messages.

Clients mask their frames and may split a message into fragments (continuation frames), with
control frames (ping, pong, close) in between; :class:`MessageReader` puts messages back
together. The server's own frames are never masked nor fragmented (:func:`encode_frame`).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Protocol

__all__ = [
    "BINARY",
    "CLOSE",
    "CONTINUATION",
    "PING",
    "PONG",
    "TEXT",
    "FrameError",
    "MessageReader",
    "accept_key",
    "close_payload",
    "encode_frame",
    "read_frame",
]

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_CONTROL = (CLOSE, PING, PONG)


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class FrameError(Exception):
    """The peer broke the protocol; :attr:`code` is the close code to answer with.

    :ivar code: 1002 (protocol error), 1007 (text that is not UTF-8) or 1009 (too big).
    """

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def accept_key(client_key: str) -> str:
    """``Sec-WebSocket-Accept`` for a client's ``Sec-WebSocket-Key``."""
    digest = hashlib.sha1(client_key.strip().encode("ascii") + _GUID).digest()  # noqa: S324
    return base64.b64encode(digest).decode("ascii")


def _unmask(payload: bytes, mask: bytes) -> bytes:
    # XOR as one big integer: fast enough for every message size, no per-byte Python loop.
    repeated = (mask * (len(payload) // 4 + 1))[: len(payload)]
    value = int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")
    return value.to_bytes(len(payload), "big")


def _read_frame(stream: _Readable, max_size: int) -> tuple[bool, int, bytes] | None:
    head = stream.read(2)
    if len(head) < 2:
        return None
    fin, opcode, masked, length = head[0] & 0x80, head[0] & 0x0F, head[1] & 0x80, head[1] & 0x7F
    if length >= 126:
        size = 2 if length == 126 else 8
        extended = stream.read(size)
        if len(extended) < size:
            return None
        length = int.from_bytes(extended, "big")
    if length > max_size:
        raise FrameError(1009, f"a frame of {length} bytes is over the {max_size}-byte limit")
    mask = stream.read(4) if masked else b""
    payload = stream.read(length)
    if len(payload) < length or len(mask) < (4 if masked else 0):
        return None
    if masked:
        payload = _unmask(payload, mask)
    return bool(fin), opcode, payload


def read_frame(stream: _Readable, max_size: int = 1 << 24) -> tuple[int, bytes] | None:
    """Read one frame: ``(opcode, payload)``, unmasked; ``None`` when the peer is gone.

    :raises FrameError: the frame is longer than ``max_size`` bytes.
    """
    frame = _read_frame(stream, max_size)
    return None if frame is None else frame[1:]


class MessageReader:
    """Whole messages from a client: fragments joined, control frames passed through.

    :param stream: the connection's reading side.
    :param max_size: the largest message accepted, in bytes.
    """

    def __init__(self, stream: _Readable, *, max_size: int = 1 << 20) -> None:
        self._stream = stream
        self._max_size = max_size
        # A fragmented message in progress survives a control frame returned in its middle.
        self._opcode = 0
        self._parts: list[bytes] = []
        self._size = 0

    def next(self) -> tuple[int, bytes] | None:
        """The next message or control frame as ``(opcode, payload)``; ``None`` at the end.

        Text messages are checked to be UTF-8.

        :raises FrameError: the client broke the protocol (see :attr:`FrameError.code`).
        """
        while (frame := _read_frame(self._stream, self._max_size)) is not None:
            fin, kind, payload = frame
            if kind in _CONTROL:
                if not fin or len(payload) > 125:
                    raise FrameError(1002, "a control frame must be final and at most 125 bytes")
                return kind, payload
            if kind not in (CONTINUATION, TEXT, BINARY):
                raise FrameError(1002, f"unknown opcode {kind:#x}")
            if (kind == CONTINUATION) != bool(self._opcode):
                raise FrameError(1002, "a continuation frame must follow a non-final frame")
            self._opcode = self._opcode or kind
            self._size += len(payload)
            if self._size > self._max_size:
                raise FrameError(1009, f"a message over the {self._max_size}-byte limit")
            self._parts.append(payload)
            if fin:
                opcode, message = self._opcode, b"".join(self._parts)
                self._opcode, self._parts, self._size = 0, [], 0
                if opcode == TEXT:
                    try:
                        message.decode("utf-8")
                    except UnicodeDecodeError:
                        raise FrameError(1007, "a text message that is not UTF-8") from None
                return opcode, message
        return None


def close_payload(code: int, reason: str = "") -> bytes:
    """The payload of a close frame: the status code, then a short UTF-8 reason."""
    return code.to_bytes(2, "big") + reason.encode("utf-8")[:123]


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
