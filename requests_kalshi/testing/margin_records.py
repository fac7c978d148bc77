"""What the margin slice of the local exchange keeps: markets' terms, orders, positions, records.

Plain data; :mod:`~requests_kalshi.testing.margin` trades on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .book import OrderBook

__all__ = [
    "PERPETUALS",
    "MarginAccount",
    "MarginFundingRecord",
    "MarginOrderSpec",
    "MarginPosition",
    "MarginTradeRecord",
    "PerpMarket",
    "Perpetual",
]

ZERO = Decimal(0)


@dataclass(frozen=True)
class Perpetual:
    """A perpetual market's fixed terms: its index at start, tick, seeded book step and size."""

    ticker: str
    title: str
    underlying: str
    index: Decimal
    tick: Decimal
    step: Decimal
    size: Decimal


PERPETUALS: tuple[Perpetual, ...] = (
    Perpetual(
        ticker="KXBTCPERP",
        title="Bitcoin perpetual",
        underlying="BTC",
        index=Decimal(97000),
        tick=Decimal("0.5"),
        step=Decimal(5),
        size=Decimal("0.10"),
    ),
    Perpetual(
        ticker="KXETHPERP",
        title="Ether perpetual",
        underlying="ETH",
        index=Decimal(3500),
        tick=Decimal("0.05"),
        step=Decimal("0.5"),
        size=Decimal(1),
    ),
    Perpetual(
        ticker="KXGOLDPERP",
        title="Gold perpetual",
        underlying="XAU",
        index=Decimal(2650),
        tick=Decimal("0.1"),
        step=Decimal("0.5"),
        size=Decimal(2),
    ),
)
"""The seeded perpetual markets."""


@dataclass(frozen=True)
class MarginOrderSpec:
    """A checked ``POST /margin/orders`` body."""

    ticker: str
    side: str
    count: Decimal
    price: Decimal
    time_in_force: str
    self_trade_prevention: str
    client_order_id: str
    post_only: bool = False
    reduce_only: bool = False


@dataclass
class MarginPosition:
    """One account's position in one market (``contracts`` negative when short)."""

    contracts: Decimal = ZERO
    entry: Decimal = ZERO
    realized: Decimal = ZERO
    funding: Decimal = ZERO
    fees: Decimal = ZERO
    updated: float = 0.0


@dataclass(frozen=True)
class MarginTradeRecord:
    """One execution, at the resting order's price."""

    trade_id: str
    ticker: str
    count: Decimal
    price: Decimal
    taker_side: str
    created: float


@dataclass(frozen=True)
class MarginFundingRecord:
    """One funding payment of the user's position (``payment`` negative when paid)."""

    ticker: str
    time: float
    rate: Decimal
    mark: Decimal
    contracts: Decimal
    payment: Decimal


@dataclass
class PerpMarket:
    """A perpetual market as it trades: its terms, book, index and traded volume."""

    terms: Perpetual
    index: Decimal
    book: OrderBook = field(default_factory=OrderBook)
    last: Decimal = ZERO
    volume: Decimal = ZERO


@dataclass
class MarginAccount:
    """Cash and positions of one account."""

    cash: Decimal
    positions: dict[str, MarginPosition] = field(default_factory=dict)

    def position(self, ticker: str) -> MarginPosition:
        """The position in ``ticker``, made empty on first use."""
        return self.positions.setdefault(ticker, MarginPosition())
