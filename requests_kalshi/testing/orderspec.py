"""V2 order request bodies, checked field by field into plain values.

Only what can be judged from the body itself is checked here (types, formats, which options
go together); the engine checks the rest against the market and the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from requests_kalshi.fixedpoint import FixedPointError, count_from_request, price_from_request

from .records import OrderError

__all__ = ["AmendSpec", "OrderSpec", "parse_amend", "parse_decrease", "parse_order"]

TIME_IN_FORCE = ("fill_or_kill", "good_till_canceled", "immediate_or_cancel")
STP = ("taker_at_cross", "maker")


@dataclass(frozen=True)
class OrderSpec:
    """A checked ``CreateOrder`` body.

    :ivar ticker: the market to trade.
    :ivar side: the book side, ``"bid"`` (buy YES) or ``"ask"`` (sell YES, that is buy NO).
    :ivar count: contracts, from the body's fixed-point ``count``.
    :ivar price: the limit as a YES price in dollars, from the body's ``price``.
    :ivar time_in_force: ``"good_till_canceled"``, ``"immediate_or_cancel"`` or
        ``"fill_or_kill"``.
    :ivar self_trade_prevention: the body's ``self_trade_prevention_type``,
        ``"taker_at_cross"`` or ``"maker"``.
    :ivar client_order_id: the caller's id for the order, ``""`` if none.
    :ivar expiration: the body's ``expiration_time`` (Unix seconds), or ``None``.
    :ivar post_only: never take liquidity (good-till-canceled orders only).
    :ivar reduce_only: only close a position (immediate-or-cancel orders only).
    :ivar cancel_on_pause: the body's ``cancel_order_on_pause``.
    """

    ticker: str
    side: str
    count: Decimal
    price: Decimal
    time_in_force: str
    self_trade_prevention: str
    client_order_id: str = ""
    expiration: float | None = None
    post_only: bool = False
    reduce_only: bool = False
    cancel_on_pause: bool = False


@dataclass(frozen=True)
class AmendSpec:
    """A checked ``AmendOrder`` body; ``count`` is the new total (filled plus resting).

    :ivar ticker: the order's market (it must match the order's).
    :ivar side: the order's book side (it must match the order's).
    :ivar count: the new total of contracts.
    :ivar price: the new limit, as a YES price in dollars.
    :ivar client_order_id: the order's client id, checked when given; ``""`` if not.
    :ivar updated_client_order_id: the client id the order takes, ``""`` to keep it.
    :ivar expiration: a new ``expiration_time`` (Unix seconds), or ``None`` to keep it.
    """

    ticker: str
    side: str
    count: Decimal
    price: Decimal
    client_order_id: str = ""
    updated_client_order_id: str = ""
    expiration: float | None = None


def invalid(details: str) -> OrderError:
    """400 ``invalid_order`` with ``details`` (Kalshi's code for an order it refuses)."""
    return OrderError(400, "invalid_order", "invalid order", details)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise OrderError(400, "bad_request", "bad request", "the body must be a JSON object")
    return body


def _text(body: dict[str, Any], name: str, *, required: bool, code: str = "invalid_order") -> str:
    value = body.get(name)
    if value is None:
        if required:
            raise OrderError(400, code, code.replace("_", " "), f"{name} is required")
        return ""
    if not isinstance(value, str):
        raise OrderError(400, "bad_request", "bad request", f"{name} must be a string")
    return value


def _choice(body: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = _text(body, name, required=True)
    if value not in allowed:
        raise invalid(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise OrderError(400, "bad_request", "bad request", f"{name} must be true or false")
    return value


def _fixed(body: dict[str, Any], name: str) -> Decimal:
    value = body.get(name)
    if value is None:
        raise invalid(f"{name} is required")
    try:
        return price_from_request(value) if name == "price" else count_from_request(value)
    except FixedPointError as error:
        raise invalid(str(error)) from None


def _expiration(body: dict[str, Any]) -> float | None:
    value = body.get("expiration_time")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise invalid("expiration_time must be Unix seconds (a whole number)")
    return float(value)


def parse_order(body: Any) -> OrderSpec:
    """Check a ``POST /portfolio/events/orders`` body.

    :raises OrderError: 400 ``missing_parameters`` (no ticker), ``invalid_order`` (a missing or
        bad side, count, price, time_in_force, self_trade_prevention_type, or options that do
        not go together), or ``bad_request`` (a field of the wrong JSON type).
    """
    body = _object(body)
    ticker = _text(body, "ticker", required=True, code="missing_parameters")
    side = _choice(body, "side", ("bid", "ask"))
    count = _fixed(body, "count")
    price = _fixed(body, "price")
    time_in_force = _choice(body, "time_in_force", TIME_IN_FORCE)
    stp = _choice(body, "self_trade_prevention_type", STP)
    expiration = _expiration(body)
    if expiration is not None and time_in_force != "good_till_canceled":
        raise invalid("expiration_time is only allowed with good_till_canceled")
    reduce_only = _flag(body, "reduce_only")
    if reduce_only and time_in_force != "immediate_or_cancel":
        raise invalid("reduce_only is only allowed with immediate_or_cancel")
    post_only = _flag(body, "post_only")
    if post_only and time_in_force != "good_till_canceled":
        raise invalid("post_only is only allowed with good_till_canceled")
    for name in ("subaccount", "exchange_index"):
        value = body.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 63:
            raise invalid(f"{name} must be a whole number from 0 to 63")
    return OrderSpec(
        ticker=ticker,
        side=side,
        count=count,
        price=price,
        time_in_force=time_in_force,
        self_trade_prevention=stp,
        client_order_id=_text(body, "client_order_id", required=False),
        expiration=expiration,
        post_only=post_only,
        reduce_only=reduce_only,
        cancel_on_pause=_flag(body, "cancel_order_on_pause"),
    )


def parse_amend(body: Any) -> AmendSpec:
    """Check a ``POST /portfolio/events/orders/{order_id}/amend`` body.

    :raises OrderError: as :func:`parse_order`.
    """
    body = _object(body)
    return AmendSpec(
        ticker=_text(body, "ticker", required=True, code="missing_parameters"),
        side=_choice(body, "side", ("bid", "ask")),
        count=_fixed(body, "count"),
        price=_fixed(body, "price"),
        client_order_id=_text(body, "client_order_id", required=False),
        updated_client_order_id=_text(body, "updated_client_order_id", required=False),
        expiration=_expiration(body),
    )


def parse_decrease(body: Any) -> tuple[Decimal | None, Decimal | None]:
    """Check a decrease body: ``(reduce_by, reduce_to)``, exactly one of them given.

    ``reduce_to`` may be ``"0"`` (cancel what rests); ``reduce_by`` must be above 0.

    :raises OrderError: 400 ``invalid_order`` for neither, both, or a bad count.
    """
    body = _object(body)
    given = [name for name in ("reduce_by", "reduce_to") if body.get(name) is not None]
    if len(given) != 1:
        raise invalid("give exactly one of reduce_by and reduce_to")
    name = given[0]
    if name == "reduce_to" and body[name] in ("0", "0.0", "0.00"):
        return None, Decimal(0)
    try:
        count = count_from_request(body[name])
    except FixedPointError as error:
        raise invalid(str(error)) from None
    return (count, None) if name == "reduce_by" else (None, count)
