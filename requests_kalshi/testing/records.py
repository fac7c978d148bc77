"""What the engine records and tells its listeners: trades, fills, settlements, book changes.

A listener is any callable taking one :data:`ExchangeEvent`; register it with
:meth:`~requests_kalshi.testing.engine.Engine.subscribe`. Events are delivered after the
operation that caused them is complete (the state they describe is already visible), in the
order they happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .book import BookOrder

__all__ = [
    "BookChange",
    "ExchangeEvent",
    "FillRecord",
    "OrderError",
    "OrderUpdate",
    "SettlementRecord",
    "TradeRecord",
]


class OrderError(Exception):
    """An order operation the exchange refuses, with the HTTP status and Kalshi's error code.

    :ivar status: the HTTP status of the answer.
    :ivar code: the error code (``error.code`` of the body).
    :ivar message: what is wrong, for people.
    :ivar details: more detail (``error.details``), often empty.
    """

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(f"{code}: {message}" + (f" ({details})" if details else ""))
        self.status = status
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class TradeRecord:
    """One execution on a market's book.

    :ivar trade_id: the trade's id.
    :ivar ticker: the market.
    :ivar count: contracts traded.
    :ivar price: the YES price it traded at (the resting order's price).
    :ivar taker_side: the incoming order's book side, ``"bid"`` or ``"ask"``.
    :ivar created: when it happened (Unix seconds).
    """

    trade_id: str
    ticker: str
    count: Decimal
    price: Decimal
    taker_side: str
    created: float


@dataclass(frozen=True)
class FillRecord:
    """One account's part in a trade.

    :ivar trade_id: the trade it is part of.
    :ivar order_id: the account's order that traded.
    :ivar account: the account.
    :ivar ticker: the market.
    :ivar side: the order's book side; ``outcome_side`` is ``"yes"`` for a bid.
    :ivar count: contracts traded.
    :ivar price: the YES price of the trade (dollars).
    :ivar is_taker: the order was the incoming one.
    :ivar fee: the fee charged for this fill (dollars, ≥ 0).
    :ivar position_after: the account's position after the fill (negative: NO).
    :ivar created: when it happened (Unix seconds).
    """

    trade_id: str
    order_id: str
    account: str
    ticker: str
    side: str
    count: Decimal
    price: Decimal
    is_taker: bool
    fee: Decimal
    position_after: Decimal
    created: float

    @property
    def outcome_side(self) -> str:
        """``"yes"`` for a bid, ``"no"`` for an ask."""
        return "yes" if self.side == "bid" else "no"


@dataclass(frozen=True)
class SettlementRecord:
    """What settling a market did to one account's position.

    :ivar ticker: the market.
    :ivar event_ticker: its event.
    :ivar account: the account.
    :ivar result: the market's result, ``"yes"`` or ``"no"``.
    :ivar yes_count: YES contracts held when it settled.
    :ivar yes_cost: what they cost (dollars).
    :ivar no_count: NO contracts held when it settled.
    :ivar no_cost: what they cost (dollars).
    :ivar revenue: dollars paid out ($1 per winning contract).
    :ivar settled: when it settled (Unix seconds).
    """

    ticker: str
    event_ticker: str
    account: str
    result: str
    yes_count: Decimal
    yes_cost: Decimal
    no_count: Decimal
    no_cost: Decimal
    revenue: Decimal
    settled: float


@dataclass(frozen=True)
class BookChange:
    """The resting size at one level of a market's book changed by ``delta`` contracts.

    Given as Kalshi's order book gives it: ``side`` ``"yes"`` is a YES bid at ``price``;
    ``side`` ``"no"`` is a NO bid at ``price`` (a YES ask at ``1 - price``).

    :ivar ticker: the market.
    :ivar side: ``"yes"`` or ``"no"``, as above.
    :ivar price: the level's price on that side (dollars).
    :ivar delta: the change in resting contracts (negative: fewer).
    :ivar ts: when it changed (Unix seconds).
    """

    ticker: str
    side: str
    price: Decimal
    delta: Decimal
    ts: float


@dataclass(frozen=True)
class OrderUpdate:
    """An order was placed, filled, amended, decreased, cancelled or expired.

    :ivar order: the order as it now is (the engine's live record: read, do not change).
    :ivar ts: when it changed (Unix seconds).
    """

    order: BookOrder
    ts: float


ExchangeEvent = BookChange | TradeRecord | FillRecord | OrderUpdate | SettlementRecord
"""Anything the engine tells its listeners."""
