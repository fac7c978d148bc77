"""Market data endpoints of the local exchange: status, schedule, markets, book, trades, events.

All public, as on Kalshi.
"""

from __future__ import annotations

from typing import Any

from requests_kalshi import shapes

from . import views
from .handling import (
    Call,
    Exchange,
    comma_list,
    engine_of,
    one_page,
    refused_as_answers,
    status_filter,
    timestamp,
)
from .state import api_error, bad_request

__all__ = [
    "exchange_status",
    "get_event",
    "get_market",
    "get_orderbook",
    "get_series",
    "list_events",
    "list_markets",
    "list_series",
    "list_trades",
    "schedule",
]


def exchange_status(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /exchange/status``."""
    answer: shapes.ExchangeStatus = {
        "exchange_active": True,
        "trading_active": engine_of(ex).trading_active,
    }
    return 200, answer


def schedule(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /exchange/schedule``: open around the clock, but Thursday's maintenance window."""
    always: list[shapes.TradingSession] = [{"open_time": "00:00", "close_time": "23:59"}]
    thursday: list[shapes.TradingSession] = [
        {"open_time": "00:00", "close_time": "03:00"},
        {"open_time": "05:00", "close_time": "23:59"},
    ]
    week: shapes.TradingHours = {
        "start_time": "2026-01-01T00:00:00Z",
        "end_time": "2027-12-31T23:59:59Z",
        "monday": always,
        "tuesday": always,
        "wednesday": always,
        "thursday": thursday,
        "friday": always,
        "saturday": always,
        "sunday": always,
    }
    answer: shapes.ScheduleResponse = {
        "schedule": {"standard_hours": [week], "maintenance_windows": []}
    }
    return 200, answer


def list_markets(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /markets`` with ``event_ticker``, ``series_ticker``, ``status``, ``tickers``."""
    engine, q = engine_of(ex), call.query
    statuses, tickers = status_filter(q), comma_list(q, "tickers")
    with engine.lock:
        chosen = [
            live
            for live in engine.markets.values()
            if q.get("event_ticker", live.spec.event_ticker) == live.spec.event_ticker
            and q.get("series_ticker", live.series.ticker) == live.series.ticker
            and (not statuses or live.status in statuses)
            and (not tickers or live.ticker in tickers)
        ]
        page, cursor = one_page(chosen, q)
        answer: shapes.MarketsResponse = {
            "markets": [views.market(engine, live) for live in page],
            "cursor": cursor,
        }
    return 200, answer


def get_market(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /markets/{ticker}``."""
    engine = engine_of(ex)
    with engine.lock:
        live = refused_as_answers(lambda: engine.market(call.params[0]))
        answer: shapes.MarketResponse = {"market": views.market(engine, live)}
    return 200, answer


def get_orderbook(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /markets/{ticker}/orderbook`` (``depth``: levels per side, 0 for all)."""
    engine = engine_of(ex)
    raw = call.query.get("depth", "0")
    if not raw.isdigit() or int(raw) > 100:
        raise bad_request("depth must be a whole number from 0 to 100")
    with engine.lock:
        live = refused_as_answers(lambda: engine.market(call.params[0]))
        return 200, views.orderbook(live, int(raw))


def list_trades(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /markets/trades``, newest first, with ``ticker``, ``min_ts``, ``max_ts``."""
    engine, q = engine_of(ex), call.query
    low, high = timestamp(q, "min_ts"), timestamp(q, "max_ts")
    with engine.lock:
        chosen = [
            t
            for t in reversed(engine.trades)
            if q.get("ticker", t.ticker) == t.ticker
            and (low is None or t.created >= low)
            and (high is None or t.created <= high)
        ]
        page, cursor = one_page(chosen, q)
        answer: shapes.TradesResponse = {
            "trades": [views.trade(t) for t in page],
            "cursor": cursor,
        }
    return 200, answer


def list_events(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /events`` with ``series_ticker``, ``status`` and ``with_nested_markets``."""
    engine, q = engine_of(ex), call.query
    statuses = status_filter(q)
    nested = q.get("with_nested_markets", "false").lower() == "true"
    with engine.lock:
        chosen = [
            e
            for e in engine.events.values()
            if q.get("series_ticker", e.series_ticker) == e.series_ticker
            and (
                not statuses
                or any(
                    m.status in statuses
                    for m in engine.markets.values()
                    if m.spec.event_ticker == e.event_ticker
                )
            )
        ]
        page, cursor = one_page(chosen, q)
        answer: shapes.EventsResponse = {
            "events": [views.event(engine, e, nested=nested) for e in page],
            "cursor": cursor,
        }
    return 200, answer


def get_event(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /events/{event_ticker}``."""
    engine = engine_of(ex)
    with engine.lock:
        item = engine.events.get(call.params[0])
        if item is None:
            raise api_error(404, "not_found", "not found", f"event {call.params[0]} not found")
        answer: shapes.EventResponse = {
            "event": views.event(engine, item, nested=False),
            "markets": views.markets_of(engine, item),
        }
    return 200, answer


def list_series(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /series`` with ``category``."""
    engine = engine_of(ex)
    category = call.query.get("category")
    answer: shapes.SeriesListResponse = {
        "series": [
            views.series(s)
            for s in engine.series.values()
            if category is None or s.category == category
        ]
    }
    return 200, answer


def get_series(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /series/{series_ticker}``."""
    item = engine_of(ex).series.get(call.params[0])
    if item is None:
        raise api_error(404, "not_found", "not found", f"series {call.params[0]} not found")
    answer: shapes.SeriesResponse = {"series": views.series(item)}
    return 200, answer
