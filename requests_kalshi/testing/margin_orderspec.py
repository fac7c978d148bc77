"""``POST /margin/orders`` bodies, checked field by field into a :class:`MarginOrderSpec`.

Only what the body itself shows is checked here; the exchange checks the rest against the
market and the account.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from requests_kalshi.fixedpoint import FixedPointError, count_from_request

from .margin_records import MarginOrderSpec
from .records import OrderError

__all__ = ["STP", "TIME_IN_FORCE", "parse_margin_order"]

TIME_IN_FORCE = ("fill_or_kill", "good_till_canceled", "immediate_or_cancel")
"""The ``time_in_force`` values a margin order may take."""
STP = ("taker_at_cross", "maker")
"""The ``self_trade_prevention_type`` values a margin order may take."""
_PRICE = re.compile(r"\d{1,9}(\.\d{1,4})?")


def parse_margin_order(body: Any) -> MarginOrderSpec:
    """Check a ``POST /margin/orders`` body field by field.

    :raises OrderError: 400 ``bad_request`` for a body that is not an object or a field of
        the wrong type; 400 ``invalid_order`` for a missing required field (such as
        ``client_order_id``), an order type other than limit, a bad value, or ``reduce_only``
        with ``good_till_canceled``.
    """
    if not isinstance(body, dict):
        raise OrderError(400, "bad_request", "bad request", "the body must be a JSON object")
    text = {}
    for name in (
        "ticker",
        "side",
        "count",
        "price",
        "time_in_force",
        "client_order_id",
        "self_trade_prevention_type",
    ):
        value = body.get(name)
        if value is None or value == "":
            raise _invalid(f"{name} is required")
        if not isinstance(value, str):
            raise OrderError(400, "bad_request", "bad request", f"{name} must be a string")
        text[name] = value
    flags = {}
    for name in ("post_only", "reduce_only"):
        value = body.get(name, False)
        if not isinstance(value, bool):
            raise OrderError(400, "bad_request", "bad request", f"{name} must be true or false")
        flags[name] = value
    if body.get("type", "limit") != "limit":
        raise _invalid("margin orders are limit orders only: type must be 'limit'")
    if text["side"] not in ("bid", "ask"):
        raise _invalid("side must be 'bid' or 'ask'")
    if text["time_in_force"] not in TIME_IN_FORCE:
        raise _invalid(f"time_in_force must be one of {', '.join(TIME_IN_FORCE)}")
    if text["self_trade_prevention_type"] not in STP:
        raise _invalid(f"self_trade_prevention_type must be one of {', '.join(STP)}")
    if flags["reduce_only"] and text["time_in_force"] == "good_till_canceled":
        raise _invalid("reduce_only goes with immediate_or_cancel or fill_or_kill only")
    try:
        count = count_from_request(text["count"])
    except FixedPointError as error:
        raise _invalid(str(error)) from None
    return MarginOrderSpec(
        ticker=text["ticker"],
        side=text["side"],
        count=count,
        price=_price(text["price"]),
        time_in_force=text["time_in_force"],
        self_trade_prevention=text["self_trade_prevention_type"],
        client_order_id=text["client_order_id"],
        post_only=flags["post_only"],
        reduce_only=flags["reduce_only"],
    )


def _price(text: str) -> Decimal:
    if not _PRICE.fullmatch(text):
        raise _invalid(f"price must be a dollar string with up to 4 decimals, not {text!r}")
    try:
        price = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise _invalid(f"price {text!r} is not a number") from None
    if price <= 0:
        raise _invalid("price must be above 0")
    return price


def _invalid(details: str) -> OrderError:
    return OrderError(400, "invalid_order", "invalid order", details)
