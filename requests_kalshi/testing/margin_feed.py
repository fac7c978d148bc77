"""The margin channels of the local exchange (``/trade-api/ws/v2/margin``): its events as messages.

Kalshi's margin WebSocket serves ``ticker`` (with ``funding_rate`` and
``next_funding_time_ms``), ``orderbook_delta``, ``trade`` and ``fill``; the fields of their
messages are not public. The shapes here are the exchange's own choice
(:mod:`requests_kalshi.margin_shapes` types them), in the conventions of the margin REST
answers: a book of ``bid`` and ``ask`` levels at their own dollar prices, best first, as
``GET /margin/markets/{ticker}/orderbook``; ``*_dollars`` and ``*_fp`` fixed-point strings;
rates as decimal strings.
"""

from __future__ import annotations

import threading

from requests_kalshi import margin_shapes as shapes
from requests_kalshi.fixedpoint import format_count
from requests_kalshi.fixedpoint import format_dollars as dollars

from .margin import USER, MarginExchange
from .margin_records import MarginEvent
from .margin_views import levels, market_view
from .records import BookChange, FillRecord, TradeRecord
from .wschannels import Frame

__all__ = ["MarginFeed"]


class MarginFeed:
    """Perpetual futures' channels, fed by the margin exchange (see :class:`.wschannels.Feed`).

    :param margin: the exchange's margin slice.
    """

    channels = ("orderbook_delta", "ticker", "trade", "fill")
    """The channels served."""

    def __init__(self, margin: MarginExchange) -> None:
        self._margin = margin

    @property
    def lock(self) -> threading.RLock:
        """The margin exchange's lock."""
        return self._margin.lock

    def has_market(self, ticker: str) -> bool:
        """Whether ``ticker`` is a perpetual market."""
        return ticker in self._margin.markets

    def about(self, event: MarginEvent) -> tuple[str, bool] | None:
        """The market of ``event`` and whether it is public or the user's own."""
        if isinstance(event, FillRecord):
            return event.ticker, event.account == USER
        return event.ticker, True

    def message(self, channel: str, event: MarginEvent) -> tuple[str, Frame] | None:
        """The message ``event`` makes on ``channel``, if any."""
        if channel == "orderbook_delta" and isinstance(event, BookChange):
            delta: shapes.MarginOrderbookDelta = {
                "market_ticker": event.ticker,
                "side": "bid" if event.side == "bid" else "ask",
                "price_dollars": dollars(event.price),
                "delta_fp": format_count(event.delta),
                "ts_ms": int(event.ts * 1000),
            }
            return "orderbook_delta", dict(delta)
        if channel == "trade" and isinstance(event, TradeRecord):
            trade: shapes.MarginTradeMessage = {
                "trade_id": event.trade_id,
                "market_ticker": event.ticker,
                "price_dollars": dollars(event.price),
                "count_fp": format_count(event.count),
                "taker_side": "bid" if event.taker_side == "bid" else "ask",
                "ts": int(event.created),
            }
            return "trade", dict(trade)
        if channel == "fill" and isinstance(event, FillRecord):
            return "fill", dict(self._fill(event))
        return None

    def snapshot(self, ticker: str) -> Frame:
        """The book of ``ticker`` as ``GET /margin/markets/{ticker}/orderbook`` has it."""
        market = self._margin.markets[ticker]
        snapshot: shapes.MarginOrderbookSnapshot = {
            "market_ticker": ticker,
            "bid_dollars_fp": levels(market, "bid"),
            "ask_dollars_fp": levels(market, "ask"),
        }
        return dict(snapshot)

    def ticker(self, ticker: str) -> Frame:
        """Prices, funding and activity of ``ticker``, as ``GET /margin/markets`` has them."""
        market = market_view(self._margin, self._margin.markets[ticker])
        message: shapes.MarginTickerMessage = {
            "market_ticker": ticker,
            "price_dollars": market["last_price_dollars"],
            "bid_dollars": market["bid_dollars"],
            "ask_dollars": market["ask_dollars"],
            "mark_price_dollars": market["mark_price_dollars"],
            "index_price_dollars": market["index_price_dollars"],
            "funding_rate": market["funding_rate"],
            "next_funding_time_ms": market["next_funding_time_ms"],
            "volume_fp": market["volume_fp"],
            "open_interest_fp": market["open_interest_fp"],
            "ts": int(self._margin.now()),
        }
        return dict(message)

    def _fill(self, record: FillRecord) -> shapes.MarginFillMessage:
        order = self._margin.orders[record.order_id]
        return {
            "trade_id": record.trade_id,
            "order_id": record.order_id,
            "client_order_id": order.client_order_id,
            "market_ticker": record.ticker,
            "side": "bid" if record.side == "bid" else "ask",
            "is_taker": record.is_taker,
            "price_dollars": dollars(record.price),
            "count_fp": format_count(record.count),
            "fee_dollars": dollars(record.fee),
            "post_position_fp": format_count(record.position_after),
            "ts": int(record.created),
        }
