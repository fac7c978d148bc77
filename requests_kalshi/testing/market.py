"""What the local exchange lists: series, events and markets, as plain immutable values.

These describe a market as it starts (title, rules, prices quoted around, status). What
changes while it trades (the book, volume, positions) lives in the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from requests_kalshi.errors import ConfigurationError
from requests_kalshi.fixedpoint import FixedPointError, parse_dollars

__all__ = ["PRICE_STRUCTURES", "Event", "Market", "Series"]

LINEAR_CENT = (("0.0000", "1.0000", "0.0100"),)
TAPERED_DECI_CENT = (
    ("0.0000", "0.1000", "0.0010"),
    ("0.1000", "0.9000", "0.0100"),
    ("0.9000", "1.0000", "0.0010"),
)
PRICE_STRUCTURES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "linear_cent": LINEAR_CENT,
    "tapered_deci_cent": TAPERED_DECI_CENT,
}
"""Kalshi's price level structures: ``(start, end, step)`` dollar ranges of allowed prices."""

STATUSES = ("unopened", "open", "paused", "closed", "settled")
FEE_TYPES = ("quadratic", "quadratic_with_maker_fees", "quadratic_with_combo_maker_fees", "flat")


@dataclass(frozen=True)
class Series:
    """A series of recurring events, with its fee schedule.

    :ivar ticker: the series ticker, such as ``"KXHIGHNY"``.
    :ivar title: a human title.
    :ivar category: Kalshi's category, such as ``"Climate and Weather"``.
    :ivar frequency: how often its events recur, such as ``"daily"``.
    :ivar fee_type: ``"quadratic"`` (takers pay), ``"quadratic_with_maker_fees"`` (makers pay a
        quarter of the taker rate too), ``"quadratic_with_combo_maker_fees"`` or ``"flat"``.
    :ivar fee_multiplier: the taker rate (Kalshi's general rate is 0.07).
    :ivar tags: its tags, as Kalshi lists them.
    :ivar settlement_source: the name of the source that settles its markets.
    :ivar settlement_url: that source's address.
    :raises ConfigurationError: an unknown ``fee_type`` or a negative multiplier.
    """

    ticker: str
    title: str
    category: str = "Economics"
    frequency: str = "daily"
    fee_type: str = "quadratic"
    fee_multiplier: float = 0.07
    tags: tuple[str, ...] = ()
    settlement_source: str = "Kalshi"
    settlement_url: str = "https://kalshi.com"

    def __post_init__(self) -> None:
        if self.fee_type not in FEE_TYPES:
            raise ConfigurationError(f"fee_type must be one of {', '.join(FEE_TYPES)}.")
        if isinstance(self.fee_multiplier, bool) or not (
            isinstance(self.fee_multiplier, (int, float)) and self.fee_multiplier >= 0
        ):
            raise ConfigurationError("fee_multiplier must be a number ≥ 0, such as 0.07.")


@dataclass(frozen=True)
class Event:
    """An event: one question, answered by its markets.

    :ivar event_ticker: the event ticker, such as ``"KXHIGHNY-26DEC01"``.
    :ivar series_ticker: its series.
    :ivar title: a human title.
    :ivar sub_title: a short subtitle, such as the date.
    :ivar mutually_exclusive: at most one of its markets settles YES.
    :ivar strike_date: when the question is decided (RFC 3339), ``""`` if not fixed.
    """

    event_ticker: str
    series_ticker: str
    title: str
    sub_title: str = ""
    mutually_exclusive: bool = False
    strike_date: str = ""


@dataclass(frozen=True)
class Market:
    """One binary market as it starts.

    :ivar ticker: the market ticker, such as ``"KXHIGHNY-26DEC01-B45.5"``.
    :ivar event_ticker: its event; an event (and series) of that name is made up when the
        exchange has none.
    :ivar title: a human title.
    :ivar yes_bid: the best YES bid the simulated participants start with (dollars).
    :ivar yes_ask: their best YES ask (dollars); NO prices mirror YES (``no_ask = 1 - yes_bid``).
    :ivar status: ``"open"`` (trading), ``"paused"``, ``"unopened"``, ``"closed"`` (no
        trading, not settled) or ``"settled"``.
    :ivar result: ``"yes"`` or ``"no"`` for a settled market, else ``""``.
    :ivar yes_sub_title: what YES stands for, in a few words.
    :ivar no_sub_title: what NO stands for, in a few words.
    :ivar rules_primary: the rules that decide the result.
    :ivar rules_secondary: further rules, ``""`` if none.
    :ivar price_level_structure: ``"linear_cent"`` (0.01 steps) or ``"tapered_deci_cent"``
        (0.001 steps below 0.10 and above 0.90).
    :ivar open_time: when trading opens (RFC 3339).
    :ivar close_time: when trading closes (RFC 3339).
    :ivar strike: Kalshi's strike fields for the market (``strike_type``, ``floor_strike``,
        ``cap_strike``…), sent as they are; empty for none.
    :raises ConfigurationError: a missing ticker, prices outside (0, 1), a bid above the ask,
        or an unknown status, result or price structure.
    """

    ticker: str
    event_ticker: str = "KXLOCAL"
    title: str = "A local test market"
    yes_bid: Decimal | str = "0.45"
    yes_ask: Decimal | str = "0.55"
    status: str = "open"
    result: str = ""
    yes_sub_title: str = "Yes"
    no_sub_title: str = "No"
    rules_primary: str = "If the outcome occurs, the market resolves to Yes."
    rules_secondary: str = ""
    price_level_structure: str = "linear_cent"
    open_time: str = "2026-01-01T00:00:00Z"
    close_time: str = "2027-12-31T23:59:00Z"
    strike: dict[str, object] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.ticker, str) or not self.ticker:
            raise ConfigurationError("a market needs a non-empty ticker.")
        for name in ("yes_bid", "yes_ask"):
            value = getattr(self, name)
            try:
                price = value if isinstance(value, Decimal) else parse_dollars(value)
            except FixedPointError as error:
                raise ConfigurationError(f"{name}: {error}") from None
            if not 0 < price < 1:
                raise ConfigurationError(f"{name} must be dollars above 0 and below 1.")
            object.__setattr__(self, name, price)
        if self.bid >= self.ask:
            raise ConfigurationError(f"market {self.ticker}: yes_bid must be below yes_ask.")
        if self.status not in STATUSES:
            raise ConfigurationError(f"status must be one of {', '.join(STATUSES)}.")
        if self.result not in ("", "yes", "no") or (self.status == "settled") != bool(self.result):
            raise ConfigurationError("result is 'yes' or 'no' for a settled market, else ''.")
        if self.price_level_structure not in PRICE_STRUCTURES:
            raise ConfigurationError(
                f"price_level_structure must be one of {', '.join(PRICE_STRUCTURES)}."
            )

    @property
    def bid(self) -> Decimal:
        """:attr:`yes_bid` as a :class:`Decimal`."""
        return Decimal(self.yes_bid)

    @property
    def ask(self) -> Decimal:
        """:attr:`yes_ask` as a :class:`Decimal`."""
        return Decimal(self.yes_ask)

    def allows(self, price: Decimal) -> bool:
        """Whether ``price`` is on one of the market's price levels."""
        for start, end, step in PRICE_STRUCTURES[self.price_level_structure]:
            low, high = Decimal(start), Decimal(end)
            if low < price < high or (price in (low, high) and 0 < price < 1):
                return (price - low) % Decimal(step) == 0
        return False
