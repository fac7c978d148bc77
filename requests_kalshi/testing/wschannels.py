"""Kalshi's WebSocket channels on the local exchange: commands, subscriptions, messages.

One :class:`ChannelSession` per connection turns the client's commands into replies and a
product's events into channel messages, fed from the same state REST reads. It has no
sockets: it hands every frame, as a ``dict``, to the ``send`` function it was given. What the
messages say is the product's :class:`Feed` (event contracts:
:class:`~requests_kalshi.testing.wsfeed.EventFeed`; perpetual futures:
:class:`~requests_kalshi.testing.margin_feed.MarginFeed`); the commands, ``sid``/``seq``
bookkeeping and errors are the same for both.

Every method runs under the product's lock, which also orders events: a snapshot is taken and
the subscription registered before any later change, so snapshot + deltas is the REST book.

Choices of the local exchange where Kalshi's documentation is silent: every data message
carries a ``seq`` counted per subscription (``sid``) from 1; command replies carry none. A
missing market is error 11 (invalid parameter). ``orderbook_delta`` needs market tickers;
the other channels without tickers cover every market. ``fill`` and ``user_orders`` carry only
the connection's own account (the exchange has one user). ``ticker`` sends a market's message
when one of its fields other than ``ts`` changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

__all__ = ["ChannelControls", "ChannelSession", "Feed", "Frame", "Subscription"]

# Kalshi's numbered WebSocket errors.
UNABLE_TO_PROCESS, PARAMS_REQUIRED, CHANNELS_REQUIRED, SIDS_REQUIRED, UNKNOWN_COMMAND = (
    1,
    2,
    3,
    4,
    5,
)
UNKNOWN_SID, UNKNOWN_CHANNEL, INVALID_PARAMETER, EXACTLY_ONE_SID = 7, 8, 11, 12
UNSUPPORTED_ACTION, MARKET_TICKER_REQUIRED, ACTION_REQUIRED = 13, 14, 15

Frame = dict[str, Any]
"""One frame for the client, before it is JSON."""


class Feed(Protocol):
    """One product's channels: what its events mean to each of them."""

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels served, ``ticker`` and ``orderbook_delta`` among them."""
        ...

    @property
    def lock(self) -> AbstractContextManager[Any]:
        """The product's lock: its events are told under it."""
        ...

    def has_market(self, ticker: str) -> bool:
        """Whether ``ticker`` is a market of the product."""
        ...

    def about(self, event: Any) -> tuple[str, bool] | None:
        """The market ``event`` is about and whether the connection may see it, or ``None``."""
        ...

    def message(self, channel: str, event: Any) -> tuple[str, Frame] | None:
        """The message type and body ``event`` makes on ``channel`` (not ``ticker``), if any."""
        ...

    def snapshot(self, ticker: str) -> Frame:
        """The body of an ``orderbook_snapshot`` of market ``ticker``."""
        ...

    def ticker(self, ticker: str) -> Frame:
        """The body of a ``ticker`` message for market ``ticker``, as things stand."""
        ...


class CommandError(Exception):
    """A command the exchange answers with a numbered error frame."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ChannelControls:
    """Testing controls shared by every connection of one exchange.

    :ivar paused: channels whose messages are held until resumed (their ``seq`` is already
        given: they arrive late, in order, none lost).
    """

    paused: set[str] = field(default_factory=set)


@dataclass
class Subscription:
    """One ``sid``: a channel, its markets (``None``: every market), its last ``seq``."""

    sid: int
    channel: str
    tickers: list[str] | None
    seq: int = 0
    skip_next: bool = False

    def covers(self, ticker: str) -> bool:
        """Whether messages about market ``ticker`` belong to this subscription."""
        return self.tickers is None or ticker in self.tickers

    def listing(self) -> Frame:
        """The subscription as ``list_subscriptions`` shows it."""
        item: Frame = {"channel": self.channel, "sid": self.sid}
        if self.tickers is not None:
            item["market_tickers"] = list(self.tickers)
        return item


class ChannelSession:
    """The channels of one connection.

    :param feed: the product the connection is to.
    :param send: called with every frame for the client, in order.
    :param controls: the exchange's testing controls.
    """

    def __init__(self, feed: Feed, send: Callable[[Frame], None], controls: ChannelControls):
        self._feed = feed
        self._send = send
        self._controls = controls
        self.subscriptions: dict[int, Subscription] = {}
        self._next_sid = 1
        self._held: list[tuple[str, Frame]] = []
        self._tickers_sent: dict[tuple[int, str], Frame] = {}

    # -- commands --------------------------------------------------------------------------

    def command(self, text: str) -> None:
        """Answer one command from the client (a JSON text message)."""
        command_id: Any = None
        with self._feed.lock:
            try:
                try:
                    command = json.loads(text)
                except ValueError:
                    raise CommandError(UNABLE_TO_PROCESS, "Unable to process message") from None
                if not isinstance(command, dict):
                    raise CommandError(UNABLE_TO_PROCESS, "Unable to process message")
                command_id = command.get("id")
                handler = self._commands.get(str(command.get("cmd")))
                if handler is None:
                    raise CommandError(UNKNOWN_COMMAND, "Unknown command")
                params = command.get("params", {})
                if not isinstance(params, dict):
                    raise CommandError(PARAMS_REQUIRED, "Params required")
                handler(self, command_id, params)
            except CommandError as error:
                frame: Frame = {"type": "error", "msg": {"code": error.code, "msg": error.message}}
                if command_id is not None:
                    frame = {"id": command_id, **frame}
                self._send(frame)

    def _subscribe(self, command_id: Any, params: dict[str, Any]) -> None:
        channels = params.get("channels")
        if not channels:
            raise CommandError(CHANNELS_REQUIRED, "Channels required")
        if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
            raise CommandError(INVALID_PARAMETER, "Invalid parameter: channels must be a list")
        for channel in channels:
            if channel not in self._feed.channels:
                raise CommandError(UNKNOWN_CHANNEL, f"Unknown channel name: {channel}")
        tickers = self._tickers(params)
        if tickers is None and "orderbook_delta" in channels:
            raise CommandError(MARKET_TICKER_REQUIRED, "Market Ticker required")
        for channel in channels:
            sid = self._next_sid
            self._next_sid += 1
            subscription = Subscription(sid, channel, tickers)
            self.subscriptions[sid] = subscription
            reply = {
                "id": command_id,
                "type": "subscribed",
                "msg": {"channel": channel, "sid": sid},
            }
            self._send(reply)
            if channel == "orderbook_delta":
                for ticker in tickers or []:
                    self._snapshot(subscription, ticker)

    def _unsubscribe(self, command_id: Any, params: dict[str, Any]) -> None:
        sids = self._sids(params)
        for sid in sids:
            del self.subscriptions[sid]
            self._held = [(c, f) for c, f in self._held if f.get("sid") != sid]
            self._send({"id": command_id, "sid": sid, "type": "unsubscribed"})

    def _update(self, command_id: Any, params: dict[str, Any]) -> None:
        sids = self._sids(params)
        if len(sids) != 1:
            raise CommandError(EXACTLY_ONE_SID, "Exactly one subscription ID is required")
        subscription = self.subscriptions[sids[0]]
        action = params.get("action")
        if not action:
            raise CommandError(ACTION_REQUIRED, "Action required")
        if action not in ("add_markets", "delete_markets"):
            raise CommandError(UNSUPPORTED_ACTION, f"Unsupported action: {action}")
        tickers = self._tickers(params)
        if tickers is None:
            raise CommandError(MARKET_TICKER_REQUIRED, "Market Ticker required")
        if subscription.tickers is None:
            raise CommandError(
                INVALID_PARAMETER, "Invalid parameter: this subscription covers every market"
            )
        if action == "add_markets":
            added = [t for t in tickers if t not in subscription.tickers]
            subscription.tickers.extend(added)
            if subscription.channel == "orderbook_delta":
                for ticker in added:
                    self._snapshot(subscription, ticker)
        else:
            subscription.tickers[:] = [t for t in subscription.tickers if t not in tickers]
        self._send(
            {
                "id": command_id,
                "sid": subscription.sid,
                "type": "ok",
                "msg": {"market_tickers": list(subscription.tickers)},
            }
        )

    def _list(self, command_id: Any, params: dict[str, Any]) -> None:
        listing = [s.listing() for s in self.subscriptions.values()]
        self._send({"id": command_id, "type": "ok", "msg": listing})

    _commands: ClassVar[dict[str, Callable[[ChannelSession, Any, dict[str, Any]], None]]] = {
        "subscribe": _subscribe,
        "unsubscribe": _unsubscribe,
        "update_subscription": _update,
        "list_subscriptions": _list,
    }

    def _tickers(self, params: dict[str, Any]) -> list[str] | None:
        one, many = params.get("market_ticker"), params.get("market_tickers")
        if one is None and many is None:
            return None
        tickers = [one] if one is not None else many
        if (
            not isinstance(tickers, list)
            or not tickers
            or not all(isinstance(t, str) for t in tickers)
        ):
            raise CommandError(INVALID_PARAMETER, "Invalid parameter: market_tickers")
        for ticker in tickers:
            if not self._feed.has_market(ticker):
                raise CommandError(INVALID_PARAMETER, f"Invalid parameter: no market {ticker}")
        return list(dict.fromkeys(tickers))

    def _sids(self, params: dict[str, Any]) -> list[int]:
        sids = params.get("sids")
        if sids is None and "sid" in params:
            sids = [params["sid"]]
        if not sids:
            raise CommandError(SIDS_REQUIRED, "Subscription IDs required")
        if not isinstance(sids, list) or not all(type(s) is int for s in sids):
            raise CommandError(INVALID_PARAMETER, "Invalid parameter: sids must be integers")
        for sid in sids:
            if sid not in self.subscriptions:
                raise CommandError(UNKNOWN_SID, f"Unknown subscription ID: {sid}")
        return list(dict.fromkeys(sids))

    # -- events ----------------------------------------------------------------------------

    def deliver(self, event: Any) -> None:
        """Send what ``event`` means to each subscription it concerns."""
        for subscription in list(self.subscriptions.values()):
            kind, message = self._message(subscription, event)
            if kind:
                self._publish(subscription, kind, message)

    def _message(self, subscription: Subscription, event: Any) -> tuple[str, Frame]:
        about = self._feed.about(event)
        if about is None or not about[1] or not subscription.covers(about[0]):
            return "", {}
        if subscription.channel == "ticker":
            return self._ticker_message(subscription, about[0])
        return self._feed.message(subscription.channel, event) or ("", {})

    def _publish(self, subscription: Subscription, kind: str, message: Frame) -> None:
        subscription.seq += 2 if subscription.skip_next else 1
        subscription.skip_next = False
        frame = {"type": kind, "sid": subscription.sid, "seq": subscription.seq, "msg": message}
        if subscription.channel in self._controls.paused:
            self._held.append((subscription.channel, frame))
        else:
            self._send(frame)

    def release(self) -> None:
        """Send the held messages of channels no longer paused, in their order."""
        keep = []
        for channel, frame in self._held:
            if channel in self._controls.paused:
                keep.append((channel, frame))
            else:
                self._send(frame)
        self._held = keep

    def _snapshot(self, subscription: Subscription, ticker: str) -> None:
        self._publish(subscription, "orderbook_snapshot", self._feed.snapshot(ticker))

    def _ticker_message(self, subscription: Subscription, ticker: str) -> tuple[str, Frame]:
        message = self._feed.ticker(ticker)
        values = {name: value for name, value in message.items() if name != "ts"}
        if self._tickers_sent.get((subscription.sid, ticker)) == values:
            return "", {}
        self._tickers_sent[(subscription.sid, ticker)] = values
        return "ticker", message
