"""Kalshi's WebSocket channels on the local exchange: commands, subscriptions, messages.

One :class:`ChannelSession` per connection turns the client's commands into replies and the
engine's events into channel messages, fed from the same state REST reads. It has no sockets:
it hands every frame, as a ``dict``, to the ``send`` function it was given.

Every method runs under the engine's lock, which also orders events: a snapshot is taken and
the subscription registered before any later change, so snapshot + deltas is the REST book.

Choices of the local exchange where Kalshi's documentation is silent: every data message
carries a ``seq`` counted per subscription (``sid``) from 1; command replies carry none. A
missing market is error 11 (invalid parameter). ``orderbook_delta`` needs market tickers;
the other channels without tickers cover every market. ``fill`` and ``user_orders`` carry only
the connection's own account (the exchange has one user).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from requests_kalshi.fixedpoint import format_count, format_dollars

from . import views
from .engine import USER, Engine
from .records import BookChange, ExchangeEvent, FillRecord, OrderUpdate, TradeRecord

__all__ = ["CHANNELS", "ChannelControls", "ChannelSession", "Subscription"]

CHANNELS = ("orderbook_delta", "ticker", "trade", "fill", "user_orders")
"""The channels the local exchange serves."""

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

    :param engine: the exchange's matching engine.
    :param send: called with every frame for the client, in order.
    :param controls: the exchange's testing controls.
    """

    def __init__(self, engine: Engine, send: Callable[[Frame], None], controls: ChannelControls):
        self._engine = engine
        self._send = send
        self._controls = controls
        self.subscriptions: dict[int, Subscription] = {}
        self._next_sid = 1
        self._held: list[tuple[str, Frame]] = []
        self._tickers_sent: dict[str, tuple[str, ...]] = {}

    # -- commands --------------------------------------------------------------------------

    def command(self, text: str) -> None:
        """Answer one command from the client (a JSON text message)."""
        command_id: Any = None
        with self._engine.lock:
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
            if channel not in CHANNELS:
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
            if ticker not in self._engine.markets:
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

    def deliver(self, event: ExchangeEvent) -> None:
        """Send what ``event`` means to each subscription it concerns."""
        for subscription in list(self.subscriptions.values()):
            kind, message = self._message(subscription, event)
            if kind:
                self._publish(subscription, kind, message)

    def _message(self, subscription: Subscription, event: ExchangeEvent) -> tuple[str, Frame]:
        channel = subscription.channel
        if isinstance(event, OrderUpdate):
            ticker, own = event.order.ticker, event.order.account == USER
        elif isinstance(event, (BookChange, TradeRecord, FillRecord)):
            ticker, own = event.ticker, not isinstance(event, FillRecord) or event.account == USER
        else:
            return "", {}
        if not own or not subscription.covers(ticker):
            return "", {}
        if channel == "orderbook_delta" and isinstance(event, BookChange):
            return "orderbook_delta", delta_message(event)
        if channel == "trade" and isinstance(event, TradeRecord):
            return "trade", trade_message(event)
        if channel == "fill" and isinstance(event, FillRecord):
            return "fill", self._fill_message(event)
        if channel == "user_orders" and isinstance(event, OrderUpdate):
            return "user_order", dict(views.order(event.order))
        if channel == "ticker" and isinstance(event, (BookChange, TradeRecord)):
            return self._ticker_message(subscription, ticker)
        return "", {}

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
        book = views.orderbook(self._engine.markets[ticker], 0)["orderbook_fp"]
        message = {
            "market_ticker": ticker,
            "yes_dollars_fp": book["yes_dollars"],
            "no_dollars_fp": book["no_dollars"],
        }
        self._publish(subscription, "orderbook_snapshot", message)

    def _fill_message(self, record: FillRecord) -> Frame:
        order = self._engine.orders.get(record.order_id)
        return {
            "trade_id": record.trade_id,
            "order_id": record.order_id,
            "client_order_id": order.client_order_id if order is not None else "",
            "market_ticker": record.ticker,
            "is_taker": record.is_taker,
            "book_side": record.side,
            "outcome_side": record.outcome_side,
            "yes_price_dollars": format_dollars(record.price),
            "no_price_dollars": format_dollars(1 - record.price),
            "count_fp": format_count(record.count),
            "fee_cost": format_dollars(record.fee),
            "post_position_fp": format_count(record.position_after),
            "ts": int(record.created),
        }

    def _ticker_message(self, subscription: Subscription, ticker: str) -> tuple[str, Frame]:
        market = views.market(self._engine, self._engine.markets[ticker])
        values = (
            market["last_price_dollars"],
            market["yes_bid_dollars"],
            market["yes_ask_dollars"],
            market["volume_fp"],
            market["open_interest_fp"],
        )
        key = f"{subscription.sid}:{ticker}"
        if self._tickers_sent.get(key) == values:
            return "", {}
        self._tickers_sent[key] = values
        names = ("price_dollars", "yes_bid_dollars", "yes_ask_dollars", "volume_fp")
        message: Frame = {"market_ticker": ticker, **dict(zip(names, values[:4], strict=True))}
        message["open_interest_fp"] = values[4]
        message["ts"] = int(self._engine.markets[ticker].updated)
        return "ticker", message


def delta_message(change: BookChange) -> Frame:
    """The ``orderbook_delta`` message for one change of a book level."""
    return {
        "market_ticker": change.ticker,
        "price_dollars": format_dollars(change.price),
        "delta_fp": format_count(change.delta),
        "side": change.side,
        "ts_ms": int(change.ts * 1000),
    }


def trade_message(record: TradeRecord) -> Frame:
    """The ``trade`` message for one execution."""
    return {
        "trade_id": record.trade_id,
        "market_ticker": record.ticker,
        "yes_price_dollars": format_dollars(record.price),
        "no_price_dollars": format_dollars(1 - record.price),
        "count_fp": format_count(record.count),
        "taker_outcome_side": "yes" if record.taker_side == "bid" else "no",
        "taker_book_side": record.taker_side,
        "ts": int(record.created),
    }
