"""The margin slice's answers, built field by field as :mod:`requests_kalshi.margin_shapes`."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, cast

from requests_kalshi import margin_shapes as shapes
from requests_kalshi.fixedpoint import format_count
from requests_kalshi.fixedpoint import format_dollars as dollars

from .book import BookOrder
from .margin import INITIAL_MARGIN, MAINTENANCE_MARGIN, MarginExchange
from .margin_records import PerpMarket
from .views import iso

__all__ = ["levels", "market_view", "order_view"]

ZERO = Decimal(0)
_Status = Literal["resting", "canceled", "executed"]
_TimeInForce = Literal["fill_or_kill", "good_till_canceled", "immediate_or_cancel"]


def market_view(margin: MarginExchange, market: PerpMarket) -> shapes.MarginMarket:
    """A market as ``GET /margin/markets`` shows it."""
    bid, ask = market.book.best("bid"), market.book.best("ask")
    next_funding = margin.next_funding()
    held = (a.positions.get(market.terms.ticker) for a in margin.accounts.values())
    open_interest = sum((p.contracts for p in held if p is not None and p.contracts > 0), ZERO)
    return {
        "ticker": market.terms.ticker,
        "title": market.terms.title,
        "underlying": market.terms.underlying,
        "status": "paused" if margin.maintenance else "active",
        "tick_size_dollars": dollars(market.terms.tick),
        "bid_dollars": dollars(bid or 0),
        "ask_dollars": dollars(ask or 0),
        "last_price_dollars": dollars(market.last),
        "mark_price_dollars": dollars(margin.mark(market)),
        "index_price_dollars": dollars(market.index),
        "funding_rate": str(margin.funding_rate(market)),
        "funding_interval_seconds": margin.funding_interval,
        "next_funding_time": iso(next_funding),
        "next_funding_time_ms": int(next_funding * 1000),
        "initial_margin_rate": str(INITIAL_MARGIN),
        "maintenance_margin_rate": str(MAINTENANCE_MARGIN),
        "volume_fp": format_count(market.volume),
        "open_interest_fp": format_count(open_interest),
    }


def order_view(order: BookOrder) -> shapes.MarginOrder:
    """An order as ``GET /margin/orders`` shows it."""
    return {
        "order_id": order.order_id,
        "client_order_id": order.client_order_id,
        "ticker": order.ticker,
        "side": "bid" if order.side == "bid" else "ask",
        "type": "limit",
        "status": cast(_Status, order.status),
        "time_in_force": cast(_TimeInForce, order.time_in_force),
        "price_dollars": dollars(order.price),
        "initial_count_fp": format_count(order.initial),
        "fill_count_fp": format_count(order.filled),
        "remaining_count_fp": format_count(order.remaining),
        "fees_dollars": dollars(order.taker_fees + order.maker_fees),
        "post_only": order.post_only,
        "reduce_only": order.covered,
        "self_trade_prevention_type": order.self_trade_prevention,
        "created_time": iso(order.created),
        "last_update_time": iso(order.updated),
    }


def levels(market: PerpMarket, side: str) -> list[list[str]]:
    """``[price, contracts]`` of each level of ``side``, best first."""
    return [[dollars(p), format_count(c)] for p, c in market.book.depth(side)]
