"""Endpoints of the local exchange's perpetual futures, under ``/trade-api/v2/margin/``.

The answers are shaped as :mod:`requests_kalshi.margin_shapes` describes (the exchange's own
choice where Kalshi's fields are not public). Market data is public; orders, positions,
balance, funding history and ``/account/limits/perps`` need a signed request.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from requests_kalshi import margin_shapes as shapes
from requests_kalshi.fixedpoint import format_count
from requests_kalshi.fixedpoint import format_dollars as dollars

from .handling import Call, Handler, one_page, read_body, refused_as_answers, ts_ms
from .margin import INITIAL_MARGIN, USER, MarginExchange
from .margin_orderspec import parse_margin_order
from .margin_views import levels, market_view, order_view
from .views import iso

__all__ = ["MARGIN_ROUTES"]


def _margin(ex: Any) -> MarginExchange:
    margin: MarginExchange = ex.margin
    return margin


# -- public market data -----------------------------------------------------------------


def list_markets(ex: Any, call: Call) -> tuple[int, Any]:
    """``GET /margin/markets``."""
    margin = _margin(ex)
    with margin.operation():
        views = [market_view(margin, m) for m in margin.markets.values()]
    page, cursor = one_page(views, call.query)
    answer: shapes.MarginMarketsResponse = {"markets": page, "cursor": cursor}
    return 200, answer


def get_market(ex: Any, call: Call) -> tuple[int, Any]:
    """``GET /margin/markets/{ticker}``."""
    margin = _margin(ex)
    with margin.operation():
        market = refused_as_answers(lambda: margin.market(call.params[0]))
        answer: shapes.MarginMarketResponse = {"market": market_view(margin, market)}
    return 200, answer


def get_orderbook(ex: Any, call: Call) -> tuple[int, Any]:
    """``GET /margin/markets/{ticker}/orderbook``."""
    margin = _margin(ex)
    with margin.operation():
        market = refused_as_answers(lambda: margin.market(call.params[0]))
        book: shapes.MarginOrderbook = {
            "bid_dollars": levels(market, "bid"),
            "ask_dollars": levels(market, "ask"),
        }
    answer: shapes.MarginOrderbookResponse = {"orderbook_fp": book}
    return 200, answer


def list_trades(ex: Any, call: Call) -> tuple[int, Any]:
    """``GET /margin/markets/{ticker}/trades``: newest first."""
    margin = _margin(ex)
    with margin.operation():
        ticker = refused_as_answers(lambda: margin.market(call.params[0])).terms.ticker
        trades: list[shapes.MarginTrade] = [
            {
                "trade_id": t.trade_id,
                "ticker": t.ticker,
                "count_fp": format_count(t.count),
                "price_dollars": dollars(t.price),
                "taker_side": "bid" if t.taker_side == "bid" else "ask",
                "created_time": iso(t.created),
            }
            for t in reversed(margin.trades)
            if t.ticker == ticker
        ]
    page, cursor = one_page(trades, call.query)
    answer: shapes.MarginTradesResponse = {"trades": page, "cursor": cursor}
    return 200, answer


def exchange_status(ex: Any, call: Call) -> tuple[int, Any]:
    """``GET /margin/exchange/status``: trading is off during maintenance."""
    return 200, {"exchange_active": True, "trading_active": not _margin(ex).maintenance}


# -- orders -----------------------------------------------------------------------------


def create_order(ex: Any, call: Call) -> tuple[int, Any]:
    """``POST /margin/orders`` (201)."""
    margin = _margin(ex)
    spec = refused_as_answers(lambda: parse_margin_order(read_body(call)))
    order = refused_as_answers(lambda: margin.place(spec))
    answer: shapes.MarginCreateOrderResponse = {
        "order_id": order.order_id,
        "client_order_id": order.client_order_id,
        "fill_count": format_count(order.filled),
        "remaining_count": format_count(order.remaining),
        "ts_ms": ts_ms(ex),
    }
    if order.filled > 0:
        answer["average_fill_price"] = dollars(
            ((order.taker_cost + order.maker_cost) / order.filled).quantize(Decimal("0.000001"))
        )
        answer["average_fee_paid"] = dollars(
            (order.taker_fees / order.filled).quantize(Decimal("0.000001"))
        )
    return 201, answer


def cancel_order(ex: Any, call: Call) -> tuple[int, Any]:
    """``DELETE /margin/orders/{order_id}`` (allowed in maintenance)."""
    margin = _margin(ex)
    order, reduced = refused_as_answers(lambda: margin.cancel(call.params[0]))
    answer: shapes.MarginCancelOrderResponse = {
        "order_id": order.order_id,
        "client_order_id": order.client_order_id,
        "reduced_by": format_count(reduced),
        "ts_ms": ts_ms(ex),
    }
    return 200, answer


def list_orders(ex: Any, call: Call) -> tuple[int, Any]:
    """``GET /margin/orders``: the user's orders, newest first (``ticker``, ``status``)."""
    margin = _margin(ex)
    with margin.operation():
        ticker, status = call.query.get("ticker"), call.query.get("status")
        views = [
            order_view(o)
            for o in sorted(margin.orders.values(), key=lambda o: o.sequence, reverse=True)
            if o.account == USER
            and (ticker is None or o.ticker == ticker)
            and (status is None or o.status == status)
        ]
    page, cursor = one_page(views, call.query)
    answer: shapes.MarginOrdersResponse = {"orders": page, "cursor": cursor}
    return 200, answer


def get_order(ex: Any, call: Call) -> tuple[int, Any]:
    """``GET /margin/orders/{order_id}``."""
    margin = _margin(ex)
    with margin.operation():
        order = refused_as_answers(lambda: margin.order(call.params[0]))
        answer: shapes.MarginOrderResponse = {"order": order_view(order)}
    return 200, answer


# -- the account --------------------------------------------------------------------------


def positions(ex: Any, call: Call) -> tuple[int, Any]:
    """``GET /margin/positions``: every market the user has traded."""
    margin = _margin(ex)
    with margin.operation():
        rows: list[shapes.MarginPosition] = []
        for ticker, p in sorted(margin.accounts[USER].positions.items()):
            mark = margin.mark(margin.markets[ticker])
            rows.append(
                {
                    "ticker": ticker,
                    "position_fp": format_count(p.contracts),
                    "average_entry_price_dollars": dollars(p.entry.quantize(Decimal("0.000001"))),
                    "mark_price_dollars": dollars(mark),
                    "notional_dollars": dollars(abs(p.contracts) * mark),
                    "unrealized_pnl_dollars": dollars(_cents6(margin.unrealized(ticker, p))),
                    "realized_pnl_dollars": dollars(_cents6(p.realized)),
                    "funding_dollars": dollars(p.funding),
                    "fees_paid_dollars": dollars(p.fees),
                    "initial_margin_dollars": dollars(
                        _cents6(abs(p.contracts) * mark * INITIAL_MARGIN)
                    ),
                    "last_updated_ts": int(p.updated),
                }
            )
    answer: shapes.MarginPositionsResponse = {"positions": rows}
    return 200, answer


def balance(ex: Any, call: Call) -> tuple[int, Any]:
    """``GET /margin/balance``."""
    margin = _margin(ex)
    with margin.operation() as now:
        cash = margin.accounts[USER].cash
        equity = margin.equity()
        used = margin.initial_margin()
        answer: shapes.MarginBalance = {
            "balance_dollars": dollars(_cents6(cash)),
            "unrealized_pnl_dollars": dollars(_cents6(equity - cash)),
            "equity_dollars": dollars(_cents6(equity)),
            "initial_margin_dollars": dollars(_cents6(used)),
            "available_dollars": dollars(_cents6(max(equity - used, Decimal(0)))),
            "updated_ts": int(now),
        }
    return 200, answer


def funding_history(ex: Any, call: Call) -> tuple[int, Any]:
    """``GET /margin/funding_history``: the user's payments, newest first (``ticker``)."""
    margin = _margin(ex)
    with margin.operation():
        ticker = call.query.get("ticker")
        rows: list[shapes.MarginFunding] = [
            {
                "ticker": f.ticker,
                "funding_time": iso(f.time),
                "funding_rate": str(f.rate),
                "mark_price_dollars": dollars(f.mark),
                "position_fp": format_count(f.contracts),
                "payment_dollars": dollars(f.payment),
            }
            for f in reversed(margin.funding)
            if ticker is None or f.ticker == ticker
        ]
    page, cursor = one_page(rows, call.query)
    answer: shapes.MarginFundingHistoryResponse = {"funding": page, "cursor": cursor}
    return 200, answer


def perps_limits(ex: Any, call: Call) -> tuple[int, Any]:
    """``GET /account/limits/perps``: margin's own buckets (Basic tier figures)."""
    answer: shapes.PerpsLimits = {
        "usage_tier": "basic",
        "read": {"refill_rate": 200, "bucket_capacity": 200},
        "write": {"refill_rate": 100, "bucket_capacity": 200},
    }
    return 200, answer


def _cents6(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.000001"))


_SEGMENT = r"([^/]+)"
MARGIN_ROUTES: list[tuple[str, re.Pattern[str], Handler, bool]] = [
    ("GET", re.compile(r"/margin/exchange/status"), exchange_status, True),
    ("GET", re.compile(r"/margin/markets"), list_markets, True),
    ("GET", re.compile(rf"/margin/markets/{_SEGMENT}"), get_market, True),
    ("GET", re.compile(rf"/margin/markets/{_SEGMENT}/orderbook"), get_orderbook, True),
    ("GET", re.compile(rf"/margin/markets/{_SEGMENT}/trades"), list_trades, True),
    ("POST", re.compile(r"/margin/orders"), create_order, False),
    ("GET", re.compile(r"/margin/orders"), list_orders, False),
    ("GET", re.compile(rf"/margin/orders/{_SEGMENT}"), get_order, False),
    ("DELETE", re.compile(rf"/margin/orders/{_SEGMENT}"), cancel_order, False),
    ("GET", re.compile(r"/margin/positions"), positions, False),
    ("GET", re.compile(r"/margin/balance"), balance, False),
    ("GET", re.compile(r"/margin/funding_history"), funding_history, False),
    ("GET", re.compile(r"/account/limits/perps"), perps_limits, False),
]
"""``(method, path pattern under /trade-api/v2, handler, public)`` for every margin endpoint."""
