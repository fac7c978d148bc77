"""The event-contract channels of the local exchange: the engine's events as Kalshi's messages.

Shapes as Kalshi reports them (``KALSHI_API_SHAPES.md``): ``orderbook_snapshot``
(``yes_dollars_fp``/``no_dollars_fp``), ``orderbook_delta`` (``price_dollars, delta_fp, side,
ts_ms``), ``trade``, ``fill``, ``user_order`` and ``ticker``.
"""

from __future__ import annotations

import threading

from requests_kalshi.fixedpoint import format_count, format_dollars

from . import views
from .engine import USER, Engine
from .records import BookChange, ExchangeEvent, FillRecord, OrderUpdate, TradeRecord
from .wschannels import Frame

__all__ = ["EventFeed", "delta_message", "trade_message"]


class EventFeed:
    """Event contracts' channels, fed by the matching engine (see :class:`.wschannels.Feed`).

    :param engine: the exchange's matching engine.
    """

    channels = ("orderbook_delta", "ticker", "trade", "fill", "user_orders")
    """The channels served."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def lock(self) -> threading.RLock:
        """The engine's lock."""
        return self._engine.lock

    def has_market(self, ticker: str) -> bool:
        """Whether ``ticker`` is one of the engine's markets."""
        return ticker in self._engine.markets

    def about(self, event: ExchangeEvent) -> tuple[str, bool] | None:
        """The market of ``event`` and whether it is public or the user's own."""
        if isinstance(event, OrderUpdate):
            return event.order.ticker, event.order.account == USER
        if isinstance(event, FillRecord):
            return event.ticker, event.account == USER
        if isinstance(event, (BookChange, TradeRecord)):
            return event.ticker, True
        return None

    def message(self, channel: str, event: ExchangeEvent) -> tuple[str, Frame] | None:
        """The message ``event`` makes on ``channel``, if any."""
        if channel == "orderbook_delta" and isinstance(event, BookChange):
            return "orderbook_delta", delta_message(event)
        if channel == "trade" and isinstance(event, TradeRecord):
            return "trade", trade_message(event)
        if channel == "fill" and isinstance(event, FillRecord):
            return "fill", self._fill_message(event)
        if channel == "user_orders" and isinstance(event, OrderUpdate):
            return "user_order", dict(views.order(event.order))
        return None

    def snapshot(self, ticker: str) -> Frame:
        """The book of ``ticker`` as ``GET /markets/{ticker}/orderbook`` has it."""
        book = views.orderbook(self._engine.markets[ticker], 0)["orderbook_fp"]
        return {
            "market_ticker": ticker,
            "yes_dollars_fp": book["yes_dollars"],
            "no_dollars_fp": book["no_dollars"],
        }

    def ticker(self, ticker: str) -> Frame:
        """Last price, best YES bid and ask, volume and open interest of ``ticker``."""
        market = views.market(self._engine, self._engine.markets[ticker])
        return {
            "market_ticker": ticker,
            "price_dollars": market["last_price_dollars"],
            "yes_bid_dollars": market["yes_bid_dollars"],
            "yes_ask_dollars": market["yes_ask_dollars"],
            "volume_fp": market["volume_fp"],
            "open_interest_fp": market["open_interest_fp"],
            "ts": int(self._engine.markets[ticker].updated),
        }

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
