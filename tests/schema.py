"""A small schema of Kalshi's answers, written by hand from KALSHI_API_SHAPES.md (OpenAPI 3.34).

Independent of ``requests_kalshi.shapes`` on purpose: the exchange builds its answers from those
TypedDicts, so checking them against the same TypedDicts would prove nothing. Types:
``"str"``, ``"int"``, ``"bool"``, ``"float"``, ``"time"`` (RFC 3339), ``"$"`` (a dollar string
with 4 to 6 decimals), ``"fp"`` (a count string with exactly 2 decimals), a list ``[type]``, a
nested schema (a dict), or a tuple of allowed string values. A key ending in ``?`` is optional.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

DOLLARS = re.compile(r"-?\d+\.\d{4,6}")
COUNT = re.compile(r"-?\d+\.\d{2}")
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")

PRICE_RANGE = {"start": "$", "end": "$", "step": "$"}
MARKET: dict[str, Any] = {
    "ticker": "str",
    "event_ticker": "str",
    "market_type": ("binary",),
    "yes_sub_title": "str",
    "no_sub_title": "str",
    "created_time": "time",
    "updated_time": "time",
    "open_time": "time",
    "close_time": "time",
    "latest_expiration_time": "time",
    "settlement_timer_seconds": "int",
    "status": "str",
    "yes_bid_dollars": "$",
    "yes_ask_dollars": "$",
    "no_bid_dollars": "$",
    "no_ask_dollars": "$",
    "last_price_dollars": "$",
    "notional_value_dollars": "$",
    "previous_yes_bid_dollars": "$",
    "previous_yes_ask_dollars": "$",
    "previous_price_dollars": "$",
    "yes_bid_size_fp": "fp",
    "yes_ask_size_fp": "fp",
    "volume_fp": "fp",
    "volume_24h_fp": "fp",
    "open_interest_fp": "fp",
    "result": ("", "yes", "no"),
    "can_close_early": "bool",
    "settlement_bounds_type": "str",
    "expiration_value": "str",
    "rules_primary": "str",
    "rules_secondary": "str",
    "price_level_structure": "str",
    "price_ranges": [PRICE_RANGE],
    "title?": "str",
    "subtitle?": "str",
    "expected_expiration_time?": "time",
    "expiration_time?": "time",
    "settlement_value_dollars?": "$",
    "settlement_ts?": "time",
    "strike_type?": "str",
    "floor_strike?": "float",
    "cap_strike?": "float",
    "early_close_condition?": "str",
    "is_provisional?": "bool",
    "exchange_index?": "int",
}
SOURCE = {"name?": "str", "url?": "str"}
EVENT: dict[str, Any] = {
    "event_ticker": "str",
    "series_ticker": "str",
    "title": "str",
    "sub_title": "str",
    "collateral_return_type": "str",
    "mutually_exclusive": "bool",
    "settlement_sources": [SOURCE],
    "category?": "str",
    "strike_date?": "time",
    "markets?": [MARKET],
}
SERIES = {
    "ticker": "str",
    "frequency": "str",
    "title": "str",
    "category": "str",
    "categories": ["str"],
    "tags": ["str"],
    "additional_prohibitions": ["str"],
    "settlement_sources": [SOURCE],
    "contract_url": "str",
    "contract_terms_url": "str",
    "fee_type": (
        "quadratic",
        "quadratic_with_maker_fees",
        "quadratic_with_combo_maker_fees",
        "flat",
    ),
    "fee_multiplier": "float",
}
SIDES = {"outcome": ("yes", "no"), "book": ("bid", "ask")}
ORDER = {
    "order_id": "str",
    "user_id": "str",
    "client_order_id": "str",
    "ticker": "str",
    "outcome_side": SIDES["outcome"],
    "book_side": SIDES["book"],
    "type": ("limit", "market"),
    "status": ("resting", "canceled", "executed"),
    "yes_price_dollars": "$",
    "no_price_dollars": "$",
    "fill_count_fp": "fp",
    "remaining_count_fp": "fp",
    "initial_count_fp": "fp",
    "taker_fill_cost_dollars": "$",
    "maker_fill_cost_dollars": "$",
    "taker_fees_dollars": "$",
    "maker_fees_dollars": "$",
    "expiration_time?": "time",
    "created_time?": "time",
    "last_update_time?": "time",
    "self_trade_prevention_type?": ("taker_at_cross", "maker"),
    "order_group_id?": "str",
    "cancel_order_on_pause?": "bool",
    "subaccount_number?": "int",
    "exchange_index?": "int",
}
FILL = {
    "fill_id": "str",
    "trade_id": "str",
    "order_id": "str",
    "ticker": "str",
    "market_ticker": "str",
    "exchange_index": "int",
    "outcome_side": SIDES["outcome"],
    "book_side": SIDES["book"],
    "count_fp": "fp",
    "yes_price_dollars": "$",
    "no_price_dollars": "$",
    "is_taker": "bool",
    "fee_cost": "$",
    "created_time?": "time",
    "ts?": "int",
    "subaccount_number?": "int",
}
TRADE = {
    "trade_id": "str",
    "ticker": "str",
    "count_fp": "fp",
    "yes_price_dollars": "$",
    "no_price_dollars": "$",
    "taker_outcome_side": SIDES["outcome"],
    "taker_book_side": SIDES["book"],
    "created_time": "time",
    "is_block_trade": "bool",
}
MARKET_POSITION = {
    "ticker": "str",
    "exchange_index": "int",
    "total_traded_dollars": "$",
    "position_fp": "fp",
    "market_exposure_dollars": "$",
    "realized_pnl_dollars": "$",
    "fees_paid_dollars": "$",
    "last_updated_ts": "time",
}
EVENT_POSITION = {
    "event_ticker": "str",
    "total_cost_dollars": "$",
    "total_cost_shares_fp": "fp",
    "event_exposure_dollars": "$",
    "realized_pnl_dollars": "$",
    "fees_paid_dollars": "$",
}
SETTLEMENT = {
    "ticker": "str",
    "event_ticker": "str",
    "exchange_index": "int",
    "market_result": ("yes", "no"),
    "yes_count_fp": "fp",
    "yes_total_cost_dollars": "$",
    "no_count_fp": "fp",
    "no_total_cost_dollars": "$",
    "revenue": "int",
    "settled_time": "time",
    "fee_cost": "$",
}
ERROR = {"code?": "str", "message?": "str", "details?": "str"}
CREATED = {
    "order_id": "str",
    "client_order_id?": "str",
    "fill_count": "fp",
    "remaining_count": "fp",
    "average_fill_price?": "$",
    "average_fee_paid?": "$",
    "ts_ms": "int",
}
CANCELLED = {"order_id": "str", "client_order_id?": "str", "reduced_by": "fp", "ts_ms": "int"}
SESSION = {"open_time": "str", "close_time": "str"}
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

ANSWERS: dict[str, dict[str, Any]] = {
    "GET /exchange/status": {
        "exchange_active": "bool",
        "trading_active": "bool",
        "intra_exchange_transfers_active?": "bool",
        "exchange_estimated_resume_time?": "time",
    },
    "GET /exchange/schedule": {
        "schedule": {
            "standard_hours": [
                {"start_time": "time", "end_time": "time", **{d: [SESSION] for d in DAYS}}
            ],
            "maintenance_windows": [{"start_datetime": "time", "end_datetime": "time"}],
        }
    },
    "GET /markets": {"markets": [MARKET], "cursor": "str"},
    "GET /markets/{ticker}": {"market": MARKET},
    "GET /markets/{ticker}/orderbook": {
        "orderbook_fp": {"yes_dollars": [("$", "fp")], "no_dollars": [("$", "fp")]}
    },
    "GET /markets/trades": {"trades": [TRADE], "cursor": "str"},
    "GET /events": {"events": [EVENT], "milestones?": ["any"], "cursor": "str"},
    "GET /events/{event_ticker}": {"event": EVENT, "markets": [MARKET]},
    "GET /series": {"series": [SERIES]},
    "GET /series/{series_ticker}": {"series": SERIES},
    "GET /portfolio/balance": {
        "balance": "int",
        "balance_dollars": "$",
        "portfolio_value": "int",
        "updated_ts": "int",
        "balance_breakdown?": [{"exchange_index": "int", "balance": "str"}],
    },
    "GET /portfolio/positions": {
        "market_positions": [MARKET_POSITION],
        "event_positions": [EVENT_POSITION],
        "cursor?": "str",
    },
    "GET /portfolio/fills": {"fills": [FILL], "cursor": "str"},
    "GET /portfolio/settlements": {"settlements": [SETTLEMENT], "cursor?": "str"},
    "GET /portfolio/orders": {"orders": [ORDER], "cursor": "str"},
    "GET /portfolio/orders/{order_id}": {"order": ORDER},
    "POST /portfolio/events/orders": CREATED,
    "POST /portfolio/events/orders/batched": {
        "orders": [{**{f"{k.rstrip('?')}?": v for k, v in CREATED.items()}, "error?": ERROR}]
    },
    "DELETE /portfolio/events/orders/{order_id}": CANCELLED,
    "DELETE /portfolio/events/orders/batched": {
        "orders": [
            {
                "order_id": "str",
                "client_order_id?": "str",
                "reduced_by": "fp",
                "ts_ms?": "int",
                "error?": ERROR,
            }
        ]
    },
    "POST /portfolio/events/orders/{order_id}/amend": {
        "order_id": "str",
        "client_order_id?": "str",
        "remaining_count?": "fp",
        "fill_count?": "fp",
        "average_fill_price?": "$",
        "average_fee_paid?": "$",
        "ts_ms": "int",
    },
    "POST /portfolio/events/orders/{order_id}/decrease": {
        "order_id": "str",
        "client_order_id?": "str",
        "remaining_count": "fp",
        "ts_ms": "int",
    },
}
"""The answer of each endpoint of the shapes file's table, but ``/account/*``."""


def problems(value: Any, schema: Any, where: str = "$") -> list[str]:
    """Every way ``value`` departs from ``schema``, as readable lines (empty when it fits)."""
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        found: list[str] = []
        for key, sub in schema.items():
            name, optional = key.rstrip("?"), key.endswith("?")
            if name not in value:
                if not optional:
                    found.append(f"{where}.{name}: missing")
                continue
            found += problems(value[name], sub, f"{where}.{name}")
        return found
    if isinstance(schema, list):
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {type(value).__name__}"]
        return [
            p for n, item in enumerate(value) for p in problems(item, schema[0], f"{where}[{n}]")
        ]
    if isinstance(schema, tuple) and schema and schema[0] in ("$", "fp"):
        if not isinstance(value, list) or len(value) != len(schema):
            return [f"{where}: expected a pair [price, count], got {value!r}"]
        return [
            p
            for n, (v, s) in enumerate(zip(value, schema, strict=False))
            for p in problems(v, s, f"{where}[{n}]")
        ]
    if isinstance(schema, tuple):
        return [] if value in schema else [f"{where}: {value!r} is not one of {schema}"]
    return _scalar(value, schema, where)


def _scalar(value: Any, kind: str, where: str) -> list[str]:
    checks: dict[str, Callable[[Any], bool]] = {
        "any": lambda v: True,
        "str": lambda v: isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "time": lambda v: isinstance(v, str) and TIME.fullmatch(v) is not None,
        "$": lambda v: isinstance(v, str) and DOLLARS.fullmatch(v) is not None,
        "fp": lambda v: isinstance(v, str) and COUNT.fullmatch(v) is not None,
    }
    return [] if checks[kind](value) else [f"{where}: {value!r} is not a {kind}"]
