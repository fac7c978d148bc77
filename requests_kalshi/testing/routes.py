"""The endpoints of the local exchange's domain: which handler answers which method and path.

Handlers live in :mod:`~.market_routes` (public market data) and :mod:`~.portfolio_routes`
(the portfolio and V2 orders); what they share is in :mod:`~.handling`.
"""

from __future__ import annotations

import re

from .handling import Call, Handler
from .market_routes import (
    exchange_status,
    get_event,
    get_market,
    get_orderbook,
    get_series,
    list_events,
    list_markets,
    list_series,
    list_trades,
    schedule,
)
from .portfolio_routes import (
    amend_order,
    balance,
    batch_cancel,
    batch_create,
    cancel_all,
    cancel_order,
    create_order,
    decrease_order,
    deprecated_v1,
    fills,
    get_order,
    list_orders,
    positions,
    settlements,
)

__all__ = ["DOMAIN_ROUTES", "Call", "Handler"]

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
