"""One WebSocket connection of the local exchange: its socket and its frames waiting, bounded.

A client that reads slower than its messages come, or not at all, makes them wait in the
connection's :class:`Outbox`; past the limit the connection is closed as a slow consumer
instead of buffering without end (see ``StreamHub.max_backlog``).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import queue
import socket
import threading
from collections import deque
from typing import Any

from .wsframes import CLOSE, TEXT, close_payload, encode_frame

__all__ = ["Connection", "Outbox"]

log = logging.getLogger("requests_kalshi")


class Outbox:
    """Frames for one connection's writer thread, at most ``limit`` bytes of them waiting.

    :param limit: the bytes that may wait; a frame that would pass it is refused.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._frames: deque[bytes | None] = deque()
        self._size = 0
        self._ready = threading.Condition()
        self._ending = False

    def put(self, data: bytes) -> bool:
        """Queue ``data``; ``False`` (and nothing queued) if it would pass the limit.

        Once the outbox is ending, ``data`` is dropped, and that is no failure.
        """
        with self._ready:
            if self._ending:
                return True
            if self._size + len(data) > self.limit:
                return False
            self._frames.append(data)
            self._size += len(data)
            self._ready.notify()
            return True

    def end(self, last: bytes | None = None) -> None:
        """Let what waits go out and end after it; with ``last``, drop what waits for ``last``.

        Only the first call counts.
        """
        with self._ready:
            if self._ending:
                return
            self._ending = True
            if last is not None:
                self._frames.clear()
                self._frames.append(last)
                self._size = len(last)
            self._frames.append(None)
            self._ready.notify()

    def get(self, timeout: float) -> bytes | None:
        """The next frame to write, or ``None`` at the end.

        :raises queue.Empty: nothing came for ``timeout`` seconds.
        """
        with self._ready:
            if not self._ready.wait_for(lambda: bool(self._frames), timeout):
                raise queue.Empty
            data = self._frames.popleft()
            if data is not None:
                self._size -= len(data)
            return data


SLOW_CONSUMER = 1008  # policy violation


class Connection:
    """The sending side of one upgraded connection: frames go out through its outbox."""

    def __init__(
        self, sock: socket.socket, wfile: io.BufferedIOBase, backlog: int, close_timeout: float
    ) -> None:
        self.sock = sock
        self.wfile = wfile
        self.outbox = Outbox(backlog)
        self._close_timeout = close_timeout
        self._deadline: threading.Timer | None = None

    def send(self, frame: dict[str, Any]) -> None:
        """Queue ``frame`` for the client as a JSON text message."""
        self.put(encode_frame(TEXT, json.dumps(frame, separators=(",", ":")).encode()))

    def put(self, data: bytes) -> None:
        """Queue an encoded frame; past the backlog, close the connection as a slow consumer."""
        if self.outbox.put(data):
            return
        log.warning(
            "local exchange: a WebSocket client fell more than %d bytes behind; closing its "
            "connection (%d slow consumer)",
            self.outbox.limit,
            SLOW_CONSUMER,
        )
        reason = f"slow consumer: more than {self.outbox.limit} bytes waiting"
        self.outbox.end(encode_frame(CLOSE, close_payload(SLOW_CONSUMER, reason)))
        # A client that reads nothing at all never takes the close frame: then it is dropped.
        self._deadline = threading.Timer(self._close_timeout, self.drop)
        self._deadline.daemon = True
        self._deadline.start()

    def drop(self) -> None:
        """End the connection without a close frame, as a network failure would."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def ended(self) -> None:
        """The client is gone or has closed: the writer sends what waits, then stops."""
        self.outbox.end()
        if self._deadline is not None:
            self._deadline.cancel()
