"""Markets of the local exchange: a small dataclass and a seeded, deterministic set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from requests_kalshi.errors import ConfigurationError

__all__ = ["Market", "seed_markets"]


@dataclass(frozen=True)
class Market:
    """One binary market, priced in cents (1 to 99).

    :ivar ticker: the market ticker, such as ``"KXLOCAL-26JAN01-T10"``.
    :ivar event_ticker: the event the market belongs to.
    :ivar title: a human title.
    :ivar yes_bid: best bid for YES, in cents.
    :ivar yes_ask: best ask for YES, in cents; NO prices mirror YES (``no_ask = 100 - yes_bid``).
    :ivar status: ``"open"`` (or ``"closed"``, ``"settled"``).
    :raises ConfigurationError: prices outside 1..99, or a bid above the ask.
    """

    ticker: str
    event_ticker: str = "KXLOCAL"
    title: str = "A local test market"
    yes_bid: int = 45
    yes_ask: int = 55
    status: str = "open"

    def __post_init__(self) -> None:
        if not isinstance(self.ticker, str) or not self.ticker:
            raise ConfigurationError("a market needs a non-empty ticker.")
        for name in ("yes_bid", "yes_ask"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 99:
                raise ConfigurationError(f"{name} must be a whole number of cents in 1..99.")
        if self.yes_bid > self.yes_ask:
            raise ConfigurationError(f"market {self.ticker}: yes_bid is above yes_ask.")

    @property
    def no_bid(self) -> int:
        """Best bid for NO, in cents."""
        return 100 - self.yes_ask

    @property
    def no_ask(self) -> int:
        """Best ask for NO, in cents."""
        return 100 - self.yes_bid

    def to_json(self) -> dict[str, Any]:
        """The market as Kalshi's ``GET /markets`` lists it (the fields this exchange models)."""
        return {
            "ticker": self.ticker,
            "event_ticker": self.event_ticker,
            "market_type": "binary",
            "title": self.title,
            "status": self.status,
            "yes_bid": self.yes_bid,
            "yes_ask": self.yes_ask,
            "no_bid": self.no_bid,
            "no_ask": self.no_ask,
            "last_price": (self.yes_bid + self.yes_ask) // 2,
        }


def seed_markets(count: int = 150) -> list[Market]:
    """``count`` deterministic open markets in events of 30 strikes each.

    >>> [m.ticker for m in seed_markets(2)]
    ['KXLOCAL-26JAN01-T01', 'KXLOCAL-26JAN01-T02']
    """
    markets = []
    for n in range(count):
        event = f"KXLOCAL-26JAN{n // 30 + 1:02d}"
        strike = n % 30 + 1
        bid = 2 + (n * 7) % 90
        markets.append(
            Market(
                ticker=f"{event}-T{strike:02d}",
                event_ticker=event,
                title=f"Local test market {n + 1}: above {strike}?",
                yes_bid=bid,
                yes_ask=bid + 2,
            )
        )
    return markets
