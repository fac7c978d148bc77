"""What the margin slice of the local exchange keeps: markets' terms, orders, positions, records.

Plain data; :mod:`~requests_kalshi.testing.margin` trades on it and tells its listeners
(:data:`MarginEvent`) what changed, as the event-contract engine does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .book import OrderBook
from .records import BookChange, FillRecord, TradeRecord

__all__ = [
    "PERPETUALS",
    "MarginAccount",
    "MarginEvent",
    "MarginFundingRecord",
    "MarginOrderSpec",
    "MarginPosition",
    "MarketChange",
    "PerpMarket",
    "Perpetual",
]

ZERO = Decimal(0)


@dataclass(frozen=True)
class Perpetual:
    """A perpetual market's fixed terms: its index at start, tick, seeded book step and size.

    :ivar ticker: the market's ticker, such as ``"KXBTCPERP"``.
    :ivar title: its title.
    :ivar underlying: what it tracks, such as ``"BTC"``.
    :ivar index: the index price it starts from, in dollars.
    :ivar tick: the smallest price step of an order, in dollars.
    :ivar step: the price gap between the seeded book's levels, in dollars.
    :ivar size: the contracts resting on each seeded level.
    """

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
    """A checked ``POST /margin/orders`` body.

    :ivar ticker: the market.
    :ivar side: ``"bid"`` (buy, go long) or ``"ask"`` (sell, go short).
    :ivar count: contracts.
    :ivar price: the limit price in dollars.
    :ivar time_in_force: ``"fill_or_kill"``, ``"good_till_canceled"`` or ``"immediate_or_cancel"``.
    :ivar self_trade_prevention: ``"taker_at_cross"`` or ``"maker"``.
    :ivar client_order_id: the caller's id, required on margin orders.
    :ivar post_only: refuse the order rather than let it take liquidity.
    :ivar reduce_only: only shrink a position (immediate-or-cancel and fill-or-kill only).
    """

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
    """One account's position in one market.

    :ivar contracts: contracts held, negative when short.
    :ivar entry: the average entry price of what is held, in dollars.
    :ivar realized: profit and loss of what was closed, in dollars (fees and funding apart).
    :ivar funding: funding received (positive) or paid (negative), in dollars.
    :ivar fees: trading fees paid, in dollars.
    :ivar updated: when it last changed (Unix seconds of the exchange's clock).
    """

    contracts: Decimal = ZERO
    entry: Decimal = ZERO
    realized: Decimal = ZERO
    funding: Decimal = ZERO
    fees: Decimal = ZERO
    updated: float = 0.0


@dataclass(frozen=True)
class MarginFundingRecord:
    """One funding payment of the user's position.

    :ivar ticker: the market.
    :ivar time: when it was paid (Unix seconds of the exchange's clock).
    :ivar rate: the funding rate applied.
    :ivar mark: the mark price it was computed at, in dollars.
    :ivar contracts: the position it was paid on (negative when short).
    :ivar payment: dollars received, negative when paid.
    """

    ticker: str
    time: float
    rate: Decimal
    mark: Decimal
    contracts: Decimal
    payment: Decimal


@dataclass(frozen=True)
class MarketChange:
    """A market's index, mark or funding terms changed while its book did not.

    Told when a test moves the index and when a funding is paid (the next funding time moves).

    :ivar ticker: the market.
    :ivar ts: when it changed (Unix seconds of the exchange's clock).
    """

    ticker: str
    ts: float


MarginEvent = BookChange | TradeRecord | FillRecord | MarketChange
"""What the margin exchange tells its listeners. A :class:`~.records.BookChange` has ``side``
``"bid"`` or ``"ask"`` and the level's own price; a :class:`~.records.FillRecord` is one
account's part in a trade, with its position after it."""


@dataclass
class PerpMarket:
    """A perpetual market as it trades: its terms, book, index and traded volume.

    :ivar terms: its fixed terms.
    :ivar index: the index price now, in dollars.
    :ivar book: its order book.
    :ivar last: the last trade's price in dollars (0 before any trade).
    :ivar volume: contracts traded so far.
    """

    terms: Perpetual
    index: Decimal
    book: OrderBook = field(default_factory=OrderBook)
    last: Decimal = ZERO
    volume: Decimal = ZERO


@dataclass
class MarginAccount:
    """Cash and positions of one account.

    :ivar cash: free cash in dollars.
    :ivar positions: its position in each market, by ticker.
    """

    cash: Decimal
    positions: dict[str, MarginPosition] = field(default_factory=dict)

    def position(self, ticker: str) -> MarginPosition:
        """The position in ``ticker``, made empty on first use."""
        return self.positions.setdefault(ticker, MarginPosition())
