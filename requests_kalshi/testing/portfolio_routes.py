"""Portfolio and V2 order endpoints of the local exchange, all for the signing user."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from requests_kalshi import shapes
from requests_kalshi.fixedpoint import format_count

from . import views
from .book import BookOrder
from .engine import USER
from .handling import Call, Exchange, engine_of, one_page, read_body, refused_as_answers, ts_ms
from .orderspec import parse_amend, parse_decrease, parse_order
from .records import OrderError
from .state import api_error, bad_request

__all__ = [
    "DEPRECATED_V1",
    "amend_order",
    "balance",
    "batch_cancel",
    "batch_create",
    "cancel_all",
    "cancel_order",
    "create_order",
    "decrease_order",
    "deprecated_v1",
    "fills",
    "get_order",
    "list_orders",
    "positions",
    "settlements",
]

MAX_BATCH = 20
DEPRECATED_V1: dict[str, Any] = {
    "error": {
        "code": "deprecated_v1_order_endpoint",
        "message": "Please switch to the V2 endpoints",
    }
}
"""What the retired V1 order endpoints answer, with status 200 (reported: a 2xx status)."""


def balance(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /portfolio/balance``."""
    engine = engine_of(ex)
    with engine.lock:
        return 200, views.balance(engine)


def positions(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /portfolio/positions`` with ``ticker`` and ``event_ticker``."""
    engine, q = engine_of(ex), call.query
    with engine.lock:
        held = [
            (ticker, p)
            for ticker, p in engine.accounts[USER].positions.items()
            if q.get("ticker", ticker) == ticker
            and q.get("event_ticker", engine.markets[ticker].spec.event_ticker)
            == engine.markets[ticker].spec.event_ticker
        ]
        page, cursor = one_page(held, q)
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
    engine, q = engine_of(ex), call.query
    with engine.lock:
        chosen = [
            f
            for f in reversed(engine.fills)
            if f.account == USER
            and q.get("ticker", f.ticker) == f.ticker
            and q.get("order_id", f.order_id) == f.order_id
        ]
        page, cursor = one_page(chosen, q)
        answer: shapes.FillsResponse = {"fills": [views.fill(f) for f in page], "cursor": cursor}
    return 200, answer


def settlements(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /portfolio/settlements``, newest first, with ``ticker``."""
    engine, q = engine_of(ex), call.query
    with engine.lock:
        chosen = [
            s
            for s in reversed(engine.settlements)
            if s.account == USER and q.get("ticker", s.ticker) == s.ticker
        ]
        page, cursor = one_page(chosen, q)
        answer: shapes.SettlementsResponse = {
            "settlements": [views.settlement(s) for s in page],
            "cursor": cursor,
        }
    return 200, answer


def list_orders(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /portfolio/orders``, newest first, with ``ticker``, ``event_ticker``, ``status``."""
    engine, q = engine_of(ex), call.query
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
        page, cursor = one_page(chosen, q)
        answer: shapes.OrdersResponse = {"orders": [views.order(o) for o in page], "cursor": cursor}
    return 200, answer


def get_order(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``GET /portfolio/orders/{order_id}``."""
    engine = engine_of(ex)
    with engine.lock:
        item = refused_as_answers(lambda: engine.order(USER, call.params[0]))
        answer: shapes.OrderResponse = {"order": views.order(item)}
    return 200, answer


# -- V2 orders --------------------------------------------------------------------------------


def _created(ex: Exchange, item: BookOrder) -> shapes.CreateOrderResponse:
    answer: shapes.CreateOrderResponse = {
        "order_id": item.order_id,
        "client_order_id": item.client_order_id,
        "fill_count": format_count(item.filled),
        "remaining_count": format_count(item.remaining),
        "ts_ms": ts_ms(ex),
    }
    filled = views.averages(item)
    if filled is not None:
        answer["average_fill_price"], answer["average_fee_paid"] = filled
    return answer


def create_order(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``POST /portfolio/events/orders`` (201)."""
    body = read_body(call)
    engine = engine_of(ex)
    with engine.lock:
        item = refused_as_answers(lambda: engine.place(USER, parse_order(body)))
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
    items = _batch(read_body(call))
    engine = engine_of(ex)
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
        "ts_ms": ts_ms(ex),
    }


def cancel_order(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``DELETE /portfolio/events/orders/{order_id}``."""
    engine = engine_of(ex)
    with engine.lock:
        item, reduced = refused_as_answers(lambda: engine.cancel(USER, call.params[0]))
        return 200, _cancelled(ex, item, reduced)


def batch_cancel(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``DELETE /portfolio/events/orders/batched``: ``{"orders": [{"order_id"}, ...]}``."""
    items = _batch(read_body(call))
    engine = engine_of(ex)
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
    engine = engine_of(ex)
    with engine.lock:
        done = engine.cancel_all(USER, call.query.get("ticker", ""))
        answer: shapes.BatchCancelOrdersResponse = {
            "orders": [_batch_cancelled(_cancelled(ex, o, n)) for o, n in done]
        }
    return 200, answer


def amend_order(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``POST /portfolio/events/orders/{order_id}/amend``."""
    body = read_body(call)
    engine = engine_of(ex)
    with engine.lock:
        item = refused_as_answers(lambda: engine.amend(USER, call.params[0], parse_amend(body)))
        answer: shapes.AmendOrderResponse = {
            "order_id": item.order_id,
            "client_order_id": item.client_order_id,
            "remaining_count": format_count(item.remaining),
            "fill_count": format_count(item.filled),
            "ts_ms": ts_ms(ex),
        }
        filled = views.averages(item)
        if filled is not None:
            answer["average_fill_price"], answer["average_fee_paid"] = filled
    return 200, answer


def decrease_order(ex: Exchange, call: Call) -> tuple[int, Any]:
    """``POST /portfolio/events/orders/{order_id}/decrease``."""
    body = read_body(call)
    engine = engine_of(ex)
    with engine.lock:
        reduce_by, reduce_to = refused_as_answers(lambda: parse_decrease(body))
        item = refused_as_answers(
            lambda: engine.decrease(USER, call.params[0], reduce_by, reduce_to)
        )
        answer: shapes.DecreaseOrderResponse = {
            "order_id": item.order_id,
            "client_order_id": item.client_order_id,
            "remaining_count": format_count(item.remaining),
            "ts_ms": ts_ms(ex),
        }
    return 200, answer


def deprecated_v1(ex: Exchange, call: Call) -> tuple[int, Any]:
    """V1 ``POST /portfolio/orders`` and ``DELETE /portfolio/orders/{id}``: nothing happens."""
    return 200, DEPRECATED_V1
