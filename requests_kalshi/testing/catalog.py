"""The seeded catalog: a few series, their events and markets, the same for the same seed.

The titles, rules and strikes are written to look like Kalshi's; the seed chooses where each
market is quoted. Statuses are fixed so tests can count on them: the daily weather event of
the day before is settled, last night's game is closed awaiting its result, the rest trade.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from .market import Event, Market, Series

__all__ = ["Catalog", "seed_catalog", "seed_markets"]


@dataclass
class Catalog:
    """Series, events and markets, in listing order.

    :ivar series: the series.
    :ivar events: the events.
    :ivar markets: the markets.
    """

    series: list[Series] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    markets: list[Market] = field(default_factory=list)

    def complete(self) -> Catalog:
        """The catalog plus a made-up event and series for markets that have none."""
        events = {e.event_ticker for e in self.events}
        series = {s.ticker for s in self.series}
        for market in self.markets:
            if market.event_ticker in events:
                continue
            series_ticker = market.event_ticker.split("-")[0]
            self.events.append(Event(market.event_ticker, series_ticker, market.event_ticker))
            events.add(market.event_ticker)
            if series_ticker not in series:
                self.series.append(Series(series_ticker, f"Local series {series_ticker}"))
                series.add(series_ticker)
        return self


def _quote(rng: random.Random, fair: Decimal) -> tuple[Decimal, Decimal]:
    spread = Decimal(rng.choice((1, 1, 2, 3))) / 100
    bid = min(max(fair, Decimal("0.02")), Decimal("0.96"))
    return bid, bid + spread


def _fair(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high)) / 100


WEATHER_RULES = (
    "If the highest temperature recorded in Central Park, New York for {date} is {label}, "
    "then the market resolves to Yes."
)
WEATHER_SECONDARY = (
    "The market settles on the National Weather Service's Daily Climate Report (CLI) for "
    "Central Park. Revisions after expiration are not considered."
)


def _weather(rng: random.Random, catalog: Catalog) -> None:
    catalog.series.append(
        Series(
            "KXHIGHNY",
            "Highest temperature in NYC today",
            category="Climate and Weather",
            frequency="daily",
            fee_type="quadratic",
            fee_multiplier=0.07,
            tags=("Weather", "New York"),
            settlement_source="National Weather Service",
            settlement_url="https://www.weather.gov/wrh/climate?wfo=okx",
        )
    )
    for day, status in (("26NOV30", "settled"), ("26DEC01", "open")):
        event = f"KXHIGHNY-{day}"
        date = "Dec 1, 2026" if day == "26DEC01" else "Nov 30, 2026"
        catalog.events.append(
            Event(
                event,
                "KXHIGHNY",
                f"Highest temperature in NYC on {date}?",
                sub_title=f"On {date}",
                mutually_exclusive=True,
                strike_date=f"2026-{'12-02' if day == '26DEC01' else '12-01'}T04:59:00Z",
            )
        )
        bands: list[tuple[str, str, int | None, int | None]] = [
            ("T38", "38° or below", None, 38),
            ("B39.5", "39° to 40°", 39, 40),
        ]
        bands += [("B41.5", "41° to 42°", 41, 42), ("B43.5", "43° to 44°", 43, 44)]
        bands += [("T45", "45° or above", 45, None)]
        winner = rng.randrange(len(bands))
        for n, (suffix, label, floor, cap) in enumerate(bands):
            fair = _fair(rng, 8, 45)
            bid, ask = _quote(rng, fair)
            strike: dict[str, object] = {
                "strike_type": "less" if floor is None else "greater" if cap is None else "between"
            }
            if floor is not None:
                strike["floor_strike"] = float(floor)
            if cap is not None:
                strike["cap_strike"] = float(cap)
            catalog.markets.append(
                Market(
                    f"{event}-{suffix}",
                    event_ticker=event,
                    title=f"Will the high temp in NYC be {label} on {date}?",
                    yes_bid=bid,
                    yes_ask=ask,
                    status=status,
                    result=("yes" if n == winner else "no") if status == "settled" else "",
                    yes_sub_title=label,
                    no_sub_title=label,
                    rules_primary=WEATHER_RULES.format(date=date, label=label),
                    rules_secondary=WEATHER_SECONDARY,
                    open_time=f"2026-{'11-30' if day == '26DEC01' else '11-29'}T15:00:00Z",
                    close_time=f"2026-{'12-02' if day == '26DEC01' else '12-01'}T04:59:00Z",
                    strike=strike,
                )
            )


def _fed(rng: random.Random, catalog: Catalog) -> None:
    catalog.series.append(
        Series(
            "KXFED",
            "Fed funds rate",
            category="Economics",
            frequency="custom",
            fee_type="quadratic_with_maker_fees",
            fee_multiplier=0.07,
            tags=("Fed", "Interest rates"),
            settlement_source="Federal Reserve",
            settlement_url="https://www.federalreserve.gov/monetarypolicy/openmarket.htm",
        )
    )
    event = "KXFED-26DEC"
    catalog.events.append(
        Event(
            event,
            "KXFED",
            "Fed funds rate after the Dec 2026 meeting?",
            sub_title="Upper bound, after Dec 16, 2026",
            strike_date="2026-12-16T19:00:00Z",
        )
    )
    for strike in ("3.25", "3.50", "3.75", "4.00", "4.25"):
        fair = max(Decimal("0.03"), Decimal("0.97") - (Decimal(strike) - 3) * Decimal("0.6"))
        fair = min(fair + _fair(rng, 0, 6) - Decimal("0.03"), Decimal("0.96"))
        bid, ask = _quote(rng, fair.quantize(Decimal("0.01")))
        catalog.markets.append(
            Market(
                f"{event}-T{strike}",
                event_ticker=event,
                title=f"Will the upper bound of the federal funds rate be above {strike}%?",
                yes_bid=bid,
                yes_ask=ask,
                yes_sub_title=f"Above {strike}%",
                no_sub_title=f"Above {strike}%",
                rules_primary=(
                    "If the upper bound of the federal funds target range set by the FOMC on "
                    f"Dec 16, 2026 is above {strike}%, then the market resolves to Yes."
                ),
                rules_secondary="Settles on the FOMC statement published after the meeting.",
                open_time="2026-10-29T18:00:00Z",
                close_time="2026-12-16T18:59:00Z",
                strike={"strike_type": "greater", "floor_strike": float(strike)},
            )
        )


def _bitcoin(rng: random.Random, catalog: Catalog) -> None:
    catalog.series.append(
        Series(
            "KXBTCD",
            "Bitcoin price today at 5pm EST",
            category="Crypto",
            frequency="daily",
            fee_type="quadratic",
            fee_multiplier=0.07,
            tags=("BTC",),
            settlement_source="CF Benchmarks",
            settlement_url="https://www.cfbenchmarks.com/data/indices/BRTI",
        )
    )
    event = "KXBTCD-26DEC0117"
    catalog.events.append(
        Event(
            event,
            "KXBTCD",
            "Bitcoin price on Dec 1, 2026 at 5pm EST?",
            sub_title="Dec 1, 2026 at 5pm EST",
            strike_date="2026-12-01T22:00:00Z",
        )
    )
    for n, strike in enumerate(range(96000, 104000, 1000)):
        fair = Decimal(min(97, max(2, 95 - n * 13 + rng.randint(-2, 2)))) / 100
        bid, ask = _quote(rng, fair)
        label = f"${strike - 0.01:,.2f} or above"
        catalog.markets.append(
            Market(
                f"{event}-T{strike - 0.01:.2f}",
                event_ticker=event,
                title=f"Bitcoin price at 5pm EST on Dec 1, 2026: {label}?",
                yes_bid=bid,
                yes_ask=ask,
                yes_sub_title=label,
                no_sub_title=label,
                rules_primary=(
                    "If the simple average of the sixty seconds of CF Benchmarks' Real-Time "
                    f"Index before 5pm EST on Dec 1, 2026 is {label}, the market resolves to Yes."
                ),
                rules_secondary="Not all cryptocurrency price data is the same.",
                price_level_structure="tapered_deci_cent",
                open_time="2026-11-30T22:00:00Z",
                close_time="2026-12-01T22:00:00Z",
                strike={"strike_type": "greater", "floor_strike": float(strike) - 0.01},
            )
        )


def _game(rng: random.Random, catalog: Catalog) -> None:
    catalog.series.append(
        Series(
            "KXNBAGAME",
            "Professional basketball game",
            category="Sports",
            frequency="custom",
            fee_type="quadratic",
            fee_multiplier=0.07,
            tags=("Basketball",),
            settlement_source="NBA",
            settlement_url="https://www.nba.com/schedule",
        )
    )
    games = [
        ("26NOV29BOSLAL", "Boston", "Los Angeles L", "closed"),
        ("26DEC01NYKMIA", "New York", "Miami", "open"),
    ]
    for code, home, away, status in games:
        event = f"KXNBAGAME-{code}"
        catalog.events.append(
            Event(
                event,
                "KXNBAGAME",
                f"{away} at {home} winner?",
                sub_title=f"{away} vs {home}",
                mutually_exclusive=True,
            )
        )
        fair = _fair(rng, 30, 70)
        for team, price in ((home, fair), (away, 1 - fair)):
            bid, ask = _quote(rng, price - Decimal("0.01"))
            abbr = code[-6:-3] if team == home else code[-3:]
            catalog.markets.append(
                Market(
                    f"{event}-{abbr}",
                    event_ticker=event,
                    title=f"{away} at {home} Winner?",
                    yes_bid=bid,
                    yes_ask=ask,
                    status=status,
                    yes_sub_title=team,
                    no_sub_title=team,
                    rules_primary=(
                        f"If {team} wins the {away} at {home} professional basketball game "
                        "originally scheduled for the date in the ticker, the market resolves "
                        "to Yes."
                    ),
                    rules_secondary="A game postponed beyond two weeks resolves to No.",
                    open_time="2026-11-20T15:00:00Z",
                    close_time="2026-12-15T04:00:00Z",
                )
            )


def seed_catalog(seed: int = 0) -> Catalog:
    """Four series (weather, the Fed, bitcoin, basketball), six events, 27 markets.

    >>> [m.ticker for m in seed_catalog().markets][:2]
    ['KXHIGHNY-26NOV30-T38', 'KXHIGHNY-26NOV30-B39.5']
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    catalog = Catalog()
    for part in (_weather, _fed, _bitcoin, _game):
        part(rng, catalog)
    return catalog


def seed_markets(seed: int = 0) -> list[Market]:
    """The markets of :func:`seed_catalog` for ``seed``."""
    return seed_catalog(seed).markets
