"""The local exchange's account: markets, orders and a balance that moves with them.

The price model is deliberately simple. A buy order costs ``count × price`` cents (the YES
price for a YES order, the NO price for a NO order): a limit buy reserves that amount when it
is placed and gives back what is left when it is cancelled; a market buy executes at once at
the ask and is paid for. Sell orders rest without touching the balance (there are no
positions). There is no matching engine: limit orders rest until they are cancelled.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from requests_kalshi.errors import ConfigurationError

from .market import Market

__all__ = ["ExchangeState", "Rejection"]

DEFAULT_BALANCE = 100_000
"""Starting balance in cents ($1,000)."""


class Rejection(Exception):
    """An API answer other than success, raised inside the exchange and sent as the reply.

    :ivar status: the HTTP status.
    :ivar body: the JSON body.
    """

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def api_error(status: int, code: str, message: str) -> Rejection:
    """A rejection with Kalshi's nested error body."""
    return Rejection(status, {"error": {"code": code, "message": message}})


def bad_request(message: str) -> Rejection:
    """400 ``invalid_parameters`` (the code this exchange uses for any invalid input)."""
    return api_error(400, "invalid_parameters", message)


@dataclass
class _Order:
    order_id: str
    client_order_id: str
    ticker: str
    side: str
    action: str
    type: str
    yes_price: int
    initial_count: int
    remaining_count: int
    status: str
    created_time: str
    reserved: int

    def to_json(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "client_order_id": self.client_order_id,
            "ticker": self.ticker,
            "side": self.side,
            "action": self.action,
            "type": self.type,
            "status": self.status,
            "yes_price": self.yes_price,
            "no_price": 100 - self.yes_price,
            "initial_count": self.initial_count,
            "remaining_count": self.remaining_count,
            "fill_count": self.initial_count - self.remaining_count,
            "created_time": self.created_time,
        }


class ExchangeState:
    """Markets, orders and balance, safe to use from many server threads.

    :param markets: the markets to list; see :func:`~requests_kalshi.testing.market.seed_markets`.
    :param balance: the starting balance in cents.
    :param clock: the server clock (Unix seconds), for order timestamps.
    :raises ConfigurationError: ``markets`` holds something that is not a :class:`Market`.
    """

    def __init__(
        self, *, markets: Iterable[Market], balance: int, clock: Callable[[], float]
    ) -> None:
        self.lock = threading.RLock()
        self.balance = balance
        self._clock = clock
        self.markets: dict[str, Market] = {}
        for market in markets:
            if not isinstance(market, Market):
                raise ConfigurationError(
                    f"markets must be Market objects, not {type(market).__name__}."
                )
            self.markets[market.ticker] = market
        self._orders: dict[str, _Order] = {}
        self._client_order_ids: set[str] = set()

    def market(self, ticker: str) -> dict[str, Any]:
        """One market as JSON.

        :raises Rejection: 404 for an unknown ticker.
        """
        market = self.markets.get(ticker)
        if market is None:
            raise api_error(404, "not_found", f"market {ticker} not found")
        return market.to_json()

    def list_markets(
        self, *, event_ticker: str = "", status: str = "", tickers: str = ""
    ) -> list[dict[str, Any]]:
        """Markets matching the filters, in ticker order of creation."""
        wanted = {t for t in tickers.split(",") if t}
        with self.lock:
            return [
                m.to_json()
                for m in self.markets.values()
                if (not event_ticker or m.event_ticker == event_ticker)
                and (not status or m.status == status)
                and (not wanted or m.ticker in wanted)
            ]

    def create_order(self, body: Any) -> dict[str, Any]:
        """Place an order from a JSON body; see the module docs for the price model.

        :raises Rejection: 400 for invalid fields or too little balance, 404 for an unknown
            ticker, 409 ``order_already_exists`` for a ``client_order_id`` used before.
        """
        if not isinstance(body, dict):
            raise bad_request("the body must be a JSON object")
        ticker = _field(body, "ticker", str)
        side = _choice(body, "side", ("yes", "no"))
        action = _choice(body, "action", ("buy", "sell"))
        order_type = _choice(body, "type", ("limit", "market"), default="limit")
        count = _field(body, "count", int)
        if count < 1:
            raise bad_request("count must be at least 1")
        client_order_id = body.get("client_order_id") or str(uuid.uuid4())
        if not isinstance(client_order_id, str):
            raise bad_request("client_order_id must be a string")
        with self.lock:
            market = self.markets.get(ticker)
            if market is None:
                raise api_error(404, "not_found", f"market {ticker} not found")
            if client_order_id in self._client_order_ids:
                raise api_error(409, "order_already_exists", "order already exists")
            if order_type == "market":
                yes_price = market.yes_ask if side == "yes" else market.yes_bid
            else:
                yes_price = _limit_yes_price(body, side)
            price = yes_price if side == "yes" else 100 - yes_price
            cost = count * price if action == "buy" else 0
            if cost > self.balance:
                raise api_error(
                    400,
                    "insufficient_balance",
                    f"the order costs {cost} cents; the balance is {self.balance}",
                )
            self.balance -= cost
            executed = order_type == "market"
            order = _Order(
                order_id=str(uuid.uuid4()),
                client_order_id=client_order_id,
                ticker=ticker,
                side=side,
                action=action,
                type=order_type,
                yes_price=yes_price,
                initial_count=count,
                remaining_count=0 if executed else count,
                status="executed" if executed else "resting",
                created_time=_iso(self._clock()),
                reserved=0 if executed else cost,
            )
            self._orders[order.order_id] = order
            self._client_order_ids.add(client_order_id)
            return order.to_json()

    def cancel_order(self, order_id: str) -> dict[str, Any]:
        """Cancel a resting order and give back its reserved cost.

        :raises Rejection: 404 for an unknown order or one no longer resting.
        """
        with self.lock:
            order = self._resting(order_id)
            reduced_by = order.remaining_count
            self.balance += order.reserved
            order.reserved = 0
            order.remaining_count = 0
            order.status = "canceled"
            return {"order": order.to_json(), "reduced_by": reduced_by}

    def order(self, order_id: str) -> dict[str, Any]:
        """One order as JSON.

        :raises Rejection: 404 for an unknown order.
        """
        with self.lock:
            order = self._orders.get(order_id)
            if order is None:
                raise api_error(404, "not_found", f"order {order_id} not found")
            return order.to_json()

    def list_orders(self, *, ticker: str = "", status: str = "") -> list[dict[str, Any]]:
        """Orders matching the filters, oldest first."""
        with self.lock:
            return [
                o.to_json()
                for o in self._orders.values()
                if (not ticker or o.ticker == ticker) and (not status or o.status == status)
            ]

    def portfolio_value(self) -> int:
        """Cents held in resting orders."""
        with self.lock:
            return sum(o.reserved for o in self._orders.values())

    def _resting(self, order_id: str) -> _Order:
        order = self._orders.get(order_id)
        if order is None or order.status != "resting":
            raise api_error(404, "not_found", f"no resting order {order_id}")
        return order


def _field(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if value is None:
        raise bad_request(f"{name} is required")
    if isinstance(value, bool) or not isinstance(value, kind):
        raise bad_request(f"{name} must be a {'string' if kind is str else 'whole number'}")
    return value


def _choice(body: dict[str, Any], name: str, allowed: tuple[str, ...], default: str = "") -> str:
    value = body.get(name, default) or default
    if value not in allowed:
        raise bad_request(f"{name} must be one of {', '.join(allowed)}")
    return str(value)


def _limit_yes_price(body: dict[str, Any], side: str) -> int:
    yes, no = body.get("yes_price"), body.get("no_price")
    if yes is None and no is None:
        raise bad_request(f"a limit order needs {side}_price (cents, 1..99)")
    for name, value in (("yes_price", yes), ("no_price", no)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 99
        ):
            raise bad_request(f"{name} must be a whole number of cents in 1..99")
    if yes is not None and no is not None and yes + no != 100:
        raise bad_request("yes_price and no_price must add up to 100")
    return int(yes) if yes is not None else 100 - int(no or 0)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat().replace("+00:00", "Z")
