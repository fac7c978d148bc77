"""One market's order book on the YES side: resting orders in price-time priority.

Pure data, no I/O and no money: :mod:`~requests_kalshi.testing.engine` decides what trades.
A bid buys YES at its price; an ask sells YES at its price (the same as buying NO at
``1 - price``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = ["BookOrder", "OrderBook"]

ZERO = Decimal(0)


@dataclass(eq=False)
class BookOrder:
    """An order as the exchange keeps it, resting or not.

    Counts are contracts and prices YES dollars, as :class:`~decimal.Decimal`; times are Unix
    seconds. Money fields are dollars.

    :ivar order_id: the exchange's id for the order (``order_id`` on the wire).
    :ivar account: the account that placed it (:data:`~requests_kalshi.testing.engine.USER`
        for the signing user).
    :ivar ticker: the market it trades.
    :ivar side: its book side: ``"bid"`` buys YES, ``"ask"`` sells YES (buys NO).
    :ivar price: its limit, as a YES price.
    :ivar initial: the contracts it asked for (an amend sets the new total).
    :ivar client_order_id: the caller's id for it, ``""`` if none was given.
    :ivar time_in_force: ``"good_till_canceled"``, ``"immediate_or_cancel"`` or
        ``"fill_or_kill"``.
    :ivar self_trade_prevention: what happens when it would trade with an order of the same
        account (``self_trade_prevention_type`` on the wire).
    :ivar created: when it was placed.
    :ivar sequence: its place in time priority among the engine's orders (an amend that
        changes price or raises the count takes a new one).
    :ivar expiration: when a good-till-canceled order expires, or ``None``.
    :ivar post_only: it is cancelled rather than trade on arrival.
    :ivar cancel_on_pause: it is cancelled when its market's trading pauses.
    :ivar filled: contracts traded so far.
    :ivar remaining: contracts still resting.
    :ivar status: ``"resting"``, ``"executed"`` (fully filled) or ``"canceled"``.
    :ivar updated: when it last changed.
    :ivar reserved_cost: cash held back for its remaining contracts.
    :ivar reserved_fee: cash held back for the fees of its remaining contracts.
    :ivar fee_exact: its fees before rounding up to the cent, summed over its fills.
    :ivar taker_cost: what its fills as taker cost.
    :ivar maker_cost: what its fills as maker cost.
    :ivar taker_fees: fees charged on its fills as taker.
    :ivar maker_fees: fees charged on its fills as maker.
    :ivar extra: free-form data kept with the order; the engine never reads it.
    """

    order_id: str
    account: str
    ticker: str
    side: str
    price: Decimal
    initial: Decimal
    client_order_id: str
    time_in_force: str
    self_trade_prevention: str
    created: float
    sequence: int
    expiration: float | None = None
    post_only: bool = False
    cancel_on_pause: bool = False
    covered: bool = False
    """It only closes a position (``reduce_only``): the contracts it sells are its collateral."""
    filled: Decimal = ZERO
    remaining: Decimal = ZERO
    status: str = "resting"
    updated: float = 0.0
    reserved_cost: Decimal = ZERO
    reserved_fee: Decimal = ZERO
    fee_exact: Decimal = ZERO
    taker_cost: Decimal = ZERO
    maker_cost: Decimal = ZERO
    taker_fees: Decimal = ZERO
    maker_fees: Decimal = ZERO
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def outcome_side(self) -> str:
        """``"yes"`` for a bid (it buys YES), ``"no"`` for an ask (it sells YES: buys NO)."""
        return "yes" if self.side == "bid" else "no"

    @property
    def cost_price(self) -> Decimal:
        """What one contract costs this order at its limit: the price, or ``1 - price``."""
        return self.price if self.side == "bid" else 1 - self.price


class OrderBook:
    """Resting bids and asks of one market, best price first, oldest first within a price."""

    def __init__(self) -> None:
        self._levels: dict[str, dict[Decimal, list[BookOrder]]] = {"bid": {}, "ask": {}}

    def add(self, order: BookOrder) -> None:
        """Rest ``order`` at the back of its price level."""
        self._levels[order.side].setdefault(order.price, []).append(order)

    def remove(self, order: BookOrder) -> None:
        """Take ``order`` off the book (no error if it is not there)."""
        level = self._levels[order.side].get(order.price)
        if level is not None and order in level:
            level.remove(order)
            if not level:
                del self._levels[order.side][order.price]

    def prices(self, side: str) -> list[Decimal]:
        """Prices with resting orders on ``side``, best first (highest bid, lowest ask)."""
        return sorted(self._levels[side], reverse=side == "bid")

    def best(self, side: str) -> Decimal | None:
        """The best price on ``side``, or ``None`` when that side is empty."""
        prices = self.prices(side)
        return prices[0] if prices else None

    def size_at(self, side: str, price: Decimal) -> Decimal:
        """Contracts resting on ``side`` at ``price``."""
        return sum((o.remaining for o in self._levels[side].get(price, [])), ZERO)

    def depth(self, side: str) -> list[tuple[Decimal, Decimal]]:
        """``(price, contracts)`` for each level of ``side``, best first."""
        return [(p, self.size_at(side, p)) for p in self.prices(side)]

    def crossing(self, side: str, limit: Decimal) -> Iterator[BookOrder]:
        """Resting orders an incoming ``side`` order at ``limit`` would meet, in priority order.

        Iterates over a snapshot: the caller may fill and remove orders while iterating.
        """
        opposite = "ask" if side == "bid" else "bid"
        for price in self.prices(opposite):
            if (side == "bid" and price > limit) or (side == "ask" and price < limit):
                return
            yield from list(self._levels[opposite].get(price, []))

    def orders(self) -> Iterator[BookOrder]:
        """Every resting order, bids then asks, in priority order."""
        for side in ("bid", "ask"):
            for price in self.prices(side):
                yield from list(self._levels[side][price])
