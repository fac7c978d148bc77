"""The endpoints of the local exchange: market data, portfolio and V2 orders.

Each handler takes the exchange (anything with a :class:`~.state.ExchangeState` at
``.state`` and a ``now()`` clock) and one :class:`Call`, and answers ``(status, body)`` with a
body built by :mod:`~requests_kalshi.testing.views`. Refusals are raised as
:class:`~.state.Rejection`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from requests_kalshi import shapes
from requests_kalshi.fixedpoint import format_count

from . import views
from .book import BookOrder
from .engine import USER, Engine
from .orderspec import parse_amend, parse_decrease, parse_order
from .records import OrderError
from .state import ExchangeState, Rejection, api_error, bad_request, rejection

__all__ = ["DOMAIN_ROUTES", "Call", "Handler"]

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
MAX_BATCH = 20
DEPRECATED_V1: dict[str, Any] = {
    "error": {
        "code": "deprecated_v1_order_endpoint",
        "message": "Please switch to the V2 endpoints",
    }
}
"""What the retired V1 order endpoints answer, with status 200 (reported: a 2xx status)."""


@dataclass
class Call:
    """One request as a handler sees it: the query (first values), body and path parameters."""

    method: str
    query: dict[str, str]
    body: bytes
    params: tuple[str, ...]


class Exchange(Protocol):
    """What a handler needs of the exchange."""

    state: ExchangeState

    def now(self) -> float:
        """The exchange's clock, Unix seconds."""


Handler = Callable[[Any, Call], tuple[int, Any]]
T = TypeVar("T")


# -- helpers ----------------------------------------------------------------------------------


def _engine(ex: Exchange) -> Engine:
    return ex.state.engine


def _page(items: Sequence[T], query: Mapping[str, str]) -> tuple[list[T], str]:
    raw_limit = query.get("limit", str(DEFAULT_LIMIT))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise Rejection(400, {"msg": f"limit must be between 1 and {MAX_LIMIT}"})
    limit = int(raw_limit)
    start = _decode_cursor(query.get("cursor", ""))
    end = start + limit
    return list(items[start:end]), _encode_cursor(end) if end < len(items) else ""


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode("ascii")


def _decode_cursor(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (ValueError, binascii.Error):
        text = ""
    prefix, _, number = text.partition(":")
    if prefix != "offset" or not number.isdigit():
        raise bad_request("cursor is not one this exchange returned")
    return int(number)


def _body(call: Call) -> Any:
    try:
        return json.loads(call.body or b"null")
    except ValueError:
        raise Rejection(
            400,
            {"code": "bad_request", "message": "bad request", "details": "body is not JSON"},
        ) from None


def _listed(query: Mapping[str, str], name: str) -> set[str]:
    return {part for part in query.get(name, "").split(",") if part}


def _statuses(query: Mapping[str, str]) -> set[str]:
    wanted = _listed(query, "status")
    unknown = wanted - set(views.MARKET_STATUS)
    if unknown:
        raise bad_request(f"status must be among {', '.join(views.MARKET_STATUS)}")
    return wanted


def _timestamp(query: Mapping[str, str], name: str) -> float | None:
    raw = query.get(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise bad_request(f"{name} must be Unix seconds")
    return float(raw)


def _ms(ex: Exchange) -> int:
    return int(ex.now() * 1000)


def _orders_do(action: Callable[[], T]) -> T:
    try:
        return action()
    except OrderError as error:
        raise rejection(error) from None


# -- the exchange and market data ------------------------------------------------------------


def exchange_status(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /exchange/status``."""
    answer: shapes.ExchangeStatus = {
        "exchange_active": True,
        "trading_active": _engine(ex).trading_active,
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
    engine, q = _engine(ex), call.query
    statuses, tickers = _statuses(q), _listed(q, "tickers")
    with engine.lock:
        chosen = [
            live
            for live in engine.markets.values()
            if q.get("event_ticker", live.spec.event_ticker) == live.spec.event_ticker
            and q.get("series_ticker", live.series.ticker) == live.series.ticker
            and (not statuses or live.status in statuses)
            and (not tickers or live.ticker in tickers)
        ]
        page, cursor = _page(chosen, q)
        answer: shapes.MarketsResponse = {
            "markets": [views.market(engine, live) for live in page],
            "cursor": cursor,
        }
    return 200, answer


def get_market(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /markets/{ticker}``."""
    engine = _engine(ex)
    with engine.lock:
        live = _orders_do(lambda: engine.market(call.params[0]))
        answer: shapes.MarketResponse = {"market": views.market(engine, live)}
    return 200, answer


def get_orderbook(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /markets/{ticker}/orderbook`` (``depth``: levels per side, 0 for all)."""
    engine = _engine(ex)
    raw = call.query.get("depth", "0")
    if not raw.isdigit() or int(raw) > 100:
        raise bad_request("depth must be a whole number from 0 to 100")
    with engine.lock:
        live = _orders_do(lambda: engine.market(call.params[0]))
        return 200, views.orderbook(live, int(raw))


def list_trades(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /markets/trades``, newest first, with ``ticker``, ``min_ts``, ``max_ts``."""
    engine, q = _engine(ex), call.query
    low, high = _timestamp(q, "min_ts"), _timestamp(q, "max_ts")
    with engine.lock:
        chosen = [
            t
            for t in reversed(engine.trades)
            if q.get("ticker", t.ticker) == t.ticker
            and (low is None or t.created >= low)
            and (high is None or t.created <= high)
        ]
        page, cursor = _page(chosen, q)
        answer: shapes.TradesResponse = {
            "trades": [views.trade(t) for t in page],
            "cursor": cursor,
        }
    return 200, answer


def list_events(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /events`` with ``series_ticker``, ``status`` and ``with_nested_markets``."""
    engine, q = _engine(ex), call.query
    statuses = _statuses(q)
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
        page, cursor = _page(chosen, q)
        answer: shapes.EventsResponse = {
            "events": [views.event(engine, e, nested=nested) for e in page],
            "cursor": cursor,
        }
    return 200, answer


def get_event(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /events/{event_ticker}``."""
    engine = _engine(ex)
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
    engine = _engine(ex)
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
    item = _engine(ex).series.get(call.params[0])
    if item is None:
        raise api_error(404, "not_found", "not found", f"series {call.params[0]} not found")
    answer: shapes.SeriesResponse = {"series": views.series(item)}
    return 200, answer


# -- portfolio --------------------------------------------------------------------------------


def balance(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /portfolio/balance``."""
    engine = _engine(ex)
    with engine.lock:
        return 200, views.balance(engine)


def positions(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /portfolio/positions`` with ``ticker`` and ``event_ticker``."""
    engine, q = _engine(ex), call.query
    with engine.lock:
        held = [
            (ticker, p)
            for ticker, p in engine.accounts[USER].positions.items()
            if q.get("ticker", ticker) == ticker
            and q.get("event_ticker", engine.markets[ticker].spec.event_ticker)
            == engine.markets[ticker].spec.event_ticker
        ]
        page, cursor = _page(held, q)
        by_event: dict[str, list[Any]] = {}
        for ticker, p in page:
            by_event.setdefault(engine.markets[ticker].spec.event_ticker, []).append(p)
        answer: shapes.PositionsResponse = {
            "market_positions": [views.position(t, p) for t, p in page],
            "event_positions": [views.event_position(e, ps) for e, ps in by_event.items()],
            "cursor": cursor,
        }
    return 200, answer


def fills(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /portfolio/fills``, newest first, with ``ticker`` and ``order_id``."""
    engine, q = _engine(ex), call.query
    with engine.lock:
        chosen = [
            f
            for f in reversed(engine.fills)
            if f.account == USER
            and q.get("ticker", f.ticker) == f.ticker
            and q.get("order_id", f.order_id) == f.order_id
        ]
        page, cursor = _page(chosen, q)
        answer: shapes.FillsResponse = {"fills": [views.fill(f) for f in page], "cursor": cursor}
    return 200, answer


def settlements(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /portfolio/settlements``, newest first, with ``ticker``."""
    engine, q = _engine(ex), call.query
    with engine.lock:
        chosen = [
            s
            for s in reversed(engine.settlements)
            if s.account == USER and q.get("ticker", s.ticker) == s.ticker
        ]
        page, cursor = _page(chosen, q)
        answer: shapes.SettlementsResponse = {
            "settlements": [views.settlement(s) for s in page],
            "cursor": cursor,
        }
    return 200, answer


def list_orders(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /portfolio/orders``, newest first, with ``ticker``, ``event_ticker``, ``status``."""
    engine, q = _engine(ex), call.query
    status = q.get("status")
    if status not in (None, "resting", "canceled", "executed"):
        raise bad_request("status must be resting, canceled or executed")
    with engine.lock:
        chosen = [
            o
            for o in reversed(engine.orders.values())
            if o.account == USER
            and q.get("ticker", o.ticker) == o.ticker
            and q.get("event_ticker", engine.markets[o.ticker].spec.event_ticker)
            == engine.markets[o.ticker].spec.event_ticker
            and (status is None or o.status == status)
        ]
        page, cursor = _page(chosen, q)
        answer: shapes.OrdersResponse = {"orders": [views.order(o) for o in page], "cursor": cursor}
    return 200, answer


def get_order(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /portfolio/orders/{order_id}``."""
    engine = _engine(ex)
    with engine.lock:
        item = _orders_do(lambda: engine.order(USER, call.params[0]))
        answer: shapes.OrderResponse = {"order": views.order(item)}
    return 200, answer


# -- V2 orders --------------------------------------------------------------------------------


def _created(ex: Exchange, item: BookOrder) -> shapes.CreateOrderResponse:
    answer: shapes.CreateOrderResponse = {
        "order_id": item.order_id,
        "client_order_id": item.client_order_id,
        "fill_count": format_count(item.filled),
        "remaining_count": format_count(item.remaining),
        "ts_ms": _ms(ex),
    }
    filled = views.averages(item)
    if filled is not None:
        answer["average_fill_price"], answer["average_fee_paid"] = filled
    return answer


def create_order(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``POST /portfolio/events/orders`` (201)."""
    body = _body(call)
    engine = _engine(ex)
    with engine.lock:
        item = _orders_do(lambda: engine.place(USER, parse_order(body)))
        return 201, _created(ex, item)


def _error_item(error: OrderError) -> shapes.ErrorDetail:
    return {"code": error.code, "message": error.message, "details": error.details}


def _batch(body: Any, name: str = "orders") -> list[Any]:
    items = body.get(name) if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise api_error(400, "invalid_parameters", "invalid parameters", f"{name} is required")
    if len(items) > MAX_BATCH:
        raise api_error(
            400, "invalid_parameters", "invalid parameters", f"at most {MAX_BATCH} per batch"
        )
    return items


def _batch_created(answer: shapes.CreateOrderResponse) -> shapes.BatchCreateResult:
    item: shapes.BatchCreateResult = {
        "order_id": answer["order_id"],
        "fill_count": answer["fill_count"],
        "remaining_count": answer["remaining_count"],
        "ts_ms": answer["ts_ms"],
    }
    for name in ("client_order_id", "average_fill_price", "average_fee_paid"):
        if name in answer:
            item[name] = answer[name]
    return item


def _batch_cancelled(answer: shapes.CancelOrderResponse) -> shapes.BatchCancelResult:
    item: shapes.BatchCancelResult = {
        "order_id": answer["order_id"],
        "reduced_by": answer["reduced_by"],
        "ts_ms": answer["ts_ms"],
    }
    if "client_order_id" in answer:
        item["client_order_id"] = answer["client_order_id"]
    return item


def batch_create(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``POST /portfolio/events/orders/batched`` (201): one result per order, in order."""
    items = _batch(_body(call))
    engine = _engine(ex)
    results: list[shapes.BatchCreateResult] = []
    with engine.lock:
        for item in items:
            try:
                placed = engine.place(USER, parse_order(item))
            except OrderError as error:
                failed: shapes.BatchCreateResult = {"error": _error_item(error)}
                if isinstance(item, dict) and isinstance(item.get("client_order_id"), str):
                    failed["client_order_id"] = item["client_order_id"]
                results.append(failed)
            else:
                results.append(_batch_created(_created(ex, placed)))
    answer: shapes.BatchCreateOrdersResponse = {"orders": results}
    return 201, answer


def _cancelled(ex: Exchange, item: BookOrder, reduced: Decimal) -> shapes.CancelOrderResponse:
    return {
        "order_id": item.order_id,
        "client_order_id": item.client_order_id,
        "reduced_by": format_count(reduced),
        "ts_ms": _ms(ex),
    }


def cancel_order(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``DELETE /portfolio/events/orders/{order_id}``."""
    engine = _engine(ex)
    with engine.lock:
        item, reduced = _orders_do(lambda: engine.cancel(USER, call.params[0]))
        return 200, _cancelled(ex, item, reduced)


def batch_cancel(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``DELETE /portfolio/events/orders/batched``: ``{"orders": [{"order_id"}, ...]}``."""
    items = _batch(_body(call))
    engine = _engine(ex)
    results: list[shapes.BatchCancelResult] = []
    with engine.lock:
        for item in items:
            order_id = item.get("order_id") if isinstance(item, dict) else None
            if not isinstance(order_id, str):
                error = OrderError(400, "invalid_parameters", "order_id is required")
                results.append({"order_id": "", "reduced_by": "0.00", "error": _error_item(error)})
                continue
            try:
                cancelled, reduced = engine.cancel(USER, order_id)
            except OrderError as error:
                results.append(
                    {"order_id": order_id, "reduced_by": "0.00", "error": _error_item(error)}
                )
            else:
                results.append(_batch_cancelled(_cancelled(ex, cancelled, reduced)))
    answer: shapes.BatchCancelOrdersResponse = {"orders": results}
    return 200, answer


def cancel_all(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``DELETE /portfolio/events/orders``: cancel every resting order (``ticker``: in one)."""
    engine = _engine(ex)
    with engine.lock:
        done = engine.cancel_all(USER, call.query.get("ticker", ""))
        answer: shapes.BatchCancelOrdersResponse = {
            "orders": [_batch_cancelled(_cancelled(ex, o, n)) for o, n in done]
        }
    return 200, answer


def amend_order(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``POST /portfolio/events/orders/{order_id}/amend``."""
    body = _body(call)
    engine = _engine(ex)
    with engine.lock:
        item = _orders_do(lambda: engine.amend(USER, call.params[0], parse_amend(body)))
        answer: shapes.AmendOrderResponse = {
            "order_id": item.order_id,
            "client_order_id": item.client_order_id,
            "remaining_count": format_count(item.remaining),
            "fill_count": format_count(item.filled),
            "ts_ms": _ms(ex),
        }
        filled = views.averages(item)
        if filled is not None:
            answer["average_fill_price"], answer["average_fee_paid"] = filled
    return 200, answer


def decrease_order(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``POST /portfolio/events/orders/{order_id}/decrease``."""
    body = _body(call)
    engine = _engine(ex)
    with engine.lock:
        reduce_by, reduce_to = _orders_do(lambda: parse_decrease(body))
        item = _orders_do(lambda: engine.decrease(USER, call.params[0], reduce_by, reduce_to))
        answer: shapes.DecreaseOrderResponse = {
            "order_id": item.order_id,
            "client_order_id": item.client_order_id,
            "remaining_count": format_count(item.remaining),
            "ts_ms": _ms(ex),
        }
    return 200, answer


def deprecated_v1(ex: Exchange, call: Call) -> tuple[int, Any]:
    """V1 ``POST /portfolio/orders`` and ``DELETE /portfolio/orders/{id}``: nothing happens."""
    return 200, DEPRECATED_V1


_SEGMENT = r"([^/]+)"
_ORDER = r"/portfolio/events/orders"
DOMAIN_ROUTES: list[tuple[str, re.Pattern[str], Handler, bool]] = [
    ("GET", re.compile(r"/exchange/status"), exchange_status, True),
    ("GET", re.compile(r"/exchange/schedule"), schedule, True),
    ("GET", re.compile(r"/markets"), list_markets, True),
    ("GET", re.compile(r"/markets/trades"), list_trades, True),
    ("GET", re.compile(rf"/markets/{_SEGMENT}"), get_market, True),
    ("GET", re.compile(rf"/markets/{_SEGMENT}/orderbook"), get_orderbook, True),
    ("GET", re.compile(r"/events"), list_events, True),
    ("GET", re.compile(rf"/events/{_SEGMENT}"), get_event, True),
    ("GET", re.compile(r"/series"), list_series, True),
    ("GET", re.compile(rf"/series/{_SEGMENT}"), get_series, True),
    ("GET", re.compile(r"/portfolio/balance"), balance, False),
    ("GET", re.compile(r"/portfolio/positions"), positions, False),
    ("GET", re.compile(r"/portfolio/fills"), fills, False),
    ("GET", re.compile(r"/portfolio/settlements"), settlements, False),
    ("GET", re.compile(r"/portfolio/orders"), list_orders, False),
    ("GET", re.compile(rf"/portfolio/orders/{_SEGMENT}"), get_order, False),
    ("POST", re.compile(r"/portfolio/orders"), deprecated_v1, False),
    ("DELETE", re.compile(rf"/portfolio/orders/{_SEGMENT}"), deprecated_v1, False),
    ("POST", re.compile(_ORDER), create_order, False),
    ("DELETE", re.compile(_ORDER), cancel_all, False),
    ("POST", re.compile(rf"{_ORDER}/batched"), batch_create, False),
    ("DELETE", re.compile(rf"{_ORDER}/batched"), batch_cancel, False),
    ("DELETE", re.compile(rf"{_ORDER}/{_SEGMENT}"), cancel_order, False),
    ("POST", re.compile(rf"{_ORDER}/{_SEGMENT}/amend"), amend_order, False),
    ("POST", re.compile(rf"{_ORDER}/{_SEGMENT}/decrease"), decrease_order, False),
]
"""``(method, path pattern under /trade-api/v2, handler, public)`` for every domain endpoint."""
