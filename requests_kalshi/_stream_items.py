"""What a Kalshi stream yields (messages, gaps, reconnects) and the errors it raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import KalshiError

__all__ = [
    "Gap",
    "Message",
    "Reconnected",
    "StreamCommandError",
    "StreamError",
    "StreamGaveUpError",
    "StreamHandshakeError",
    "StreamItem",
]


class StreamError(KalshiError):
    """Something went wrong with a Kalshi WebSocket stream."""


class StreamHandshakeError(StreamError):
    """The server refused the handshake with an error that retrying will not fix.

    A 4xx such as 401: check the key id, the key and the clock.

    :ivar status: the HTTP status of the refusal.
    :ivar body: the refusal's body, as text.
    """

    def __init__(self, message: str, status: int, body: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class StreamGaveUpError(StreamError):
    """Every attempt to (re)connect failed; the last failure is the ``__cause__``.

    An attempt fails when the connection cannot be opened, or when it is lost within
    ``stable_after`` seconds of opening.

    :ivar attempts: how many attempts failed in a row.
    """

    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class StreamCommandError(StreamError):
    """The server answered a command with an error frame.

    :ivar code: Kalshi's WebSocket error code (8: unknown channel, 11: invalid parameter…).
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Kalshi refused the command: {message} (error {code})")
        self.code = code


@dataclass(frozen=True)
class Message:
    """A message from the server on a subscription.

    :ivar type: the message type, such as ``"orderbook_delta"``, ``"trade"`` or ``"fill"``.
    :ivar channel: the channel it came on.
    :ivar sid: the subscription id the server gave.
    :ivar seq: its number on the subscription (``None`` for channels without one).
    :ivar msg: its body, as parsed from JSON.
    """

    type: str
    channel: str
    sid: int
    seq: int | None
    msg: Any

    def get(self, name: str, default: Any = None) -> Any:
        """``type`` or ``msg`` by name, as a frame ``dict`` has them.

        So an :class:`~requests_kalshi.orderbook.OrderBook` applies a :class:`Message`.
        """
        return {"type": self.type, "msg": self.msg}.get(name, default)


@dataclass(frozen=True)
class Gap:
    """A ``seq`` gap: messages were lost on a subscription, which is being made again.

    A fresh snapshot follows for ``orderbook_delta``: drop what you derived from it.

    :ivar channel: the subscription's channel.
    :ivar market_tickers: its markets (``None`` for a subscription to every market).
    :ivar expected: the ``seq`` that should have come.
    :ivar received: the ``seq`` that came instead.
    """

    channel: str
    market_tickers: tuple[str, ...] | None
    expected: int
    received: int


@dataclass(frozen=True)
class Reconnected:
    """The connection was lost and is open again, with every subscription made again.

    It comes once the server has answered every subscription made again: what is published
    after it reaches the stream. A subscription the server refused to make again is dropped,
    and its :class:`StreamCommandError` is raised by the iteration right after this item.
    Items of the new connection that came before the last answer follow this one.

    :ivar attempts: the connections tried since the loss, this one included (1: the first).
    """

    attempts: int


StreamItem = Message | Gap | Reconnected
