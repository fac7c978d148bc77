"""Money of the local exchange: accounts, positions, and the fee schedule.

The rules, all in dollars as :class:`~decimal.Decimal`:

- Whoever acquires a contract pays its price: the YES buyer ``P``, the NO buyer ``1 - P``; the
  exchange holds both payments, exactly ``$1`` per open YES/NO pair.
- An account never holds YES and NO of one market at once: acquiring the opposite side closes
  that many contracts, and each closed pair is redeemed for ``$1`` at once.
- An order reserves its whole cost at its limit price, plus the largest fee it could pay; the
  reservation is released as it fills or when it is cancelled. A ``reduce_only`` order (which
  trades at once, never more than the position) reserves only the fee: the contracts it closes
  pay for it.
- Settlement pays ``$1`` per winning contract.

So the sum of every account's cash and reservations, the fees collected and ``$1`` per open
pair never changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

__all__ = ["Account", "Position", "fee_bound", "fee_rate", "round_up_to_cent"]

ZERO = Decimal(0)
CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
QUARTER = Decimal("0.25")


def round_up_to_cent(amount: Decimal) -> Decimal:
    """``amount`` rounded up to a whole cent."""
    return amount.quantize(CENT, rounding=ROUND_CEILING)


def fee_rate(fee_type: str, multiplier: Decimal, *, taker: bool) -> Decimal:
    """The multiplier ``m`` of the exact fee for one side of a trade.

    Quadratic fees are ``m × count × P × (1 − P)``; flat fees are ``m × count``.
    Takers pay ``multiplier``. Makers pay nothing, except under ``quadratic_with_maker_fees``
    and ``quadratic_with_combo_maker_fees``, where they pay a quarter of it (Kalshi's published
    0.0175 next to 0.07).
    """
    if taker:
        return multiplier
    if fee_type in ("quadratic_with_maker_fees", "quadratic_with_combo_maker_fees"):
        return multiplier * QUARTER
    return ZERO


def exact_fee(fee_type: str, rate: Decimal, count: Decimal, price: Decimal) -> Decimal:
    """The fee before rounding for ``count`` contracts traded at YES price ``price``."""
    if fee_type == "flat":
        return rate * count
    return rate * count * price * (1 - price)


def fee_bound(fee_type: str, multiplier: Decimal, count: Decimal) -> Decimal:
    """The most an order of ``count`` contracts can pay in fees, whatever it trades at."""
    worst = count if fee_type == "flat" else count * QUARTER
    return round_up_to_cent(multiplier * worst)


@dataclass
class Position:
    """One account's contracts in one market.

    :ivar contracts: YES contracts held, negative for NO.
    :ivar cost: what the contracts held cost (dollars, positive).
    :ivar realized_pnl: profit or loss of contracts closed or settled, fees not included.
    :ivar fees_paid: fees paid on this market.
    :ivar traded: dollars paid for every contract acquired here.
    :ivar volume: contracts acquired here, either side.
    :ivar updated: when it last changed (Unix seconds).
    """

    contracts: Decimal = ZERO
    cost: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees_paid: Decimal = ZERO
    traded: Decimal = ZERO
    volume: Decimal = ZERO
    updated: float = 0.0

    def acquire(self, delta: Decimal, cost_price: Decimal) -> Decimal:
        """Add ``delta`` contracts (negative: NO) bought at ``cost_price`` each.

        :returns: the number of YES/NO pairs this closed, which the caller redeems for $1 each.
        """
        self.traded += abs(delta) * cost_price
        self.volume += abs(delta)
        held = self.contracts
        closing = min(abs(delta), abs(held)) if held * delta < 0 else ZERO
        if closing:
            basis = self.cost if closing == abs(held) else _micro(self.cost * closing / abs(held))
            self.cost -= basis
            self.realized_pnl += closing * (1 - cost_price) - basis
        opening = abs(delta) - closing
        self.cost += opening * cost_price
        self.contracts = held + delta
        return closing


@dataclass
class Account:
    """A participant's money: free cash, and positions by market ticker.

    :ivar name: the account's name (:data:`~requests_kalshi.testing.engine.USER` for the
        signing user).
    :ivar cash: dollars free to trade (reservations of resting orders are not in it).
    :ivar updated: when its cash last changed (Unix seconds).
    :ivar positions: its positions by market ticker.
    """

    name: str
    cash: Decimal
    updated: float = 0.0
    positions: dict[str, Position] = field(default_factory=dict)

    def position(self, ticker: str) -> Position:
        """The position in ``ticker``, created empty on first use."""
        return self.positions.setdefault(ticker, Position())


def _micro(amount: Decimal) -> Decimal:
    return amount.quantize(MICRO, rounding=ROUND_HALF_EVEN)
