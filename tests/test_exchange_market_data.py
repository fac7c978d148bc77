"""Market data of the local exchange: the seeded catalog, filters, cursors, the order book."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from requests_kalshi import KalshiSession
from requests_kalshi.fixedpoint import parse_count, parse_dollars
from requests_kalshi.testing import LocalExchange, seed_catalog


@pytest.fixture(scope="module")
def s() -> Iterator[KalshiSession]:
    with LocalExchange(key_type="ed25519") as ex, ex.session(retries=0) as session:
        yield session


def tickers(s: KalshiSession, path: str, **params: str) -> list[str]:
    return [m["ticker"] for m in s.get(path, params=params).json()["markets"]]


def test_the_seeded_catalog(s: KalshiSession) -> None:
    assert len(tickers(s, "/markets")) == 27 == len(seed_catalog().markets)
    series = s.get("/series").json()["series"]
    assert [x["ticker"] for x in series] == ["KXHIGHNY", "KXFED", "KXBTCD", "KXNBAGAME"]
    assert {x["fee_type"] for x in series} == {"quadratic", "quadratic_with_maker_fees"}
    assert [
        x["ticker"] for x in s.get("/series", params={"category": "Crypto"}).json()["series"]
    ] == ["KXBTCD"]
    btc = s.get("/markets/KXBTCD-26DEC0117-T99999.99").json()["market"]
    assert btc["price_level_structure"] == "tapered_deci_cent"
    assert [r["step"] for r in btc["price_ranges"]] == ["0.0010", "0.0100", "0.0010"]
    assert (btc["strike_type"], btc["floor_strike"]) == ("greater", 99999.99)


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"status": "open"}, 20),
        ({"status": "settled"}, 5),
        ({"status": "closed"}, 2),
        ({"status": "closed,settled"}, 7),
        ({"event_ticker": "KXFED-26DEC"}, 5),
        ({"series_ticker": "KXHIGHNY"}, 10),
        ({"series_ticker": "KXHIGHNY", "status": "open"}, 5),
        ({"tickers": "KXFED-26DEC-T3.25,KXFED-26DEC-T3.50,KXNOPE"}, 2),
    ],
)
def test_market_filters(s: KalshiSession, params: dict[str, str], count: int) -> None:
    assert len(tickers(s, "/markets", **params)) == count


def test_statuses_and_results(s: KalshiSession) -> None:
    settled = s.get("/markets", params={"status": "settled"}).json()["markets"]
    assert {m["status"] for m in settled} == {"finalized"}
    assert sorted(m["result"] for m in settled) == ["no", "no", "no", "no", "yes"]
    assert all(m["expiration_value"] == m["result"] for m in settled)
    market = s.get("/markets/KXFED-26DEC-T3.75").json()["market"]
    assert (market["status"], market["result"]) == ("active", "")
    r = s.get("/markets", params={"status": "active"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_parameters")


def test_market_prices_follow_the_book(s: KalshiSession) -> None:
    ticker = "KXFED-26DEC-T3.75"
    market = s.get(f"/markets/{ticker}").json()["market"]
    book = s.get(f"/markets/{ticker}/orderbook").json()["orderbook_fp"]
    best_yes_bid, size = book["yes_dollars"][-1]
    best_no_bid = book["no_dollars"][-1][0]
    assert market["yes_bid_dollars"] == best_yes_bid
    assert market["yes_bid_size_fp"] == size
    assert parse_dollars(market["yes_ask_dollars"]) == 1 - parse_dollars(best_no_bid)
    assert parse_dollars(market["no_bid_dollars"]) + parse_dollars(market["yes_ask_dollars"]) == 1
    prices = [parse_dollars(p) for p, _ in book["yes_dollars"]]
    assert prices == sorted(prices)  # worst first, as Kalshi lists it
    assert len(book["yes_dollars"]) == len(book["no_dollars"]) == 5
    top = s.get(f"/markets/{ticker}/orderbook", params={"depth": 2}).json()["orderbook_fp"]
    assert top["yes_dollars"] == book["yes_dollars"][-2:]
    assert parse_count(market["open_interest_fp"]) > 0
    assert parse_count(market["volume_fp"]) >= parse_count(market["volume_24h_fp"]) > 0
    for depth in ("-1", "x", "101"):
        r = s.get(f"/markets/{ticker}/orderbook", params={"depth": depth})
        assert r.status_code == 400


def test_trades_filters_and_order(s: KalshiSession) -> None:
    trades = s.get("/markets/trades", params={"ticker": "KXFED-26DEC-T3.75"}).json()["trades"]
    assert trades
    assert {t["ticker"] for t in trades} == {"KXFED-26DEC-T3.75"}
    assert all(
        parse_dollars(t["yes_price_dollars"]) + parse_dollars(t["no_price_dollars"]) == 1
        for t in trades
    )
    market = s.get("/markets/KXFED-26DEC-T3.75").json()["market"]
    assert trades[0]["yes_price_dollars"] == market["last_price_dollars"]  # newest first
    assert sum((parse_count(t["count_fp"]) for t in trades), Decimal(0)) == parse_count(
        market["volume_fp"]
    )
    assert s.get("/markets/trades", params={"min_ts": "4000000000"}).json()["trades"] == []
    assert s.get("/markets/trades", params={"max_ts": "1"}).json()["trades"] == []
    assert s.get("/markets/trades", params={"min_ts": "soon"}).status_code == 400


def test_events(s: KalshiSession) -> None:
    events = s.get("/events").json()["events"]
    assert len(events) == 6
    assert "markets" not in events[0]
    nested = s.get("/events", params={"with_nested_markets": "true", "series_ticker": "KXFED"})
    (fed,) = nested.json()["events"]
    assert len(fed["markets"]) == 5
    assert fed["collateral_return_type"] == "DIRECNET"
    weather = s.get("/events/KXHIGHNY-26DEC01").json()
    assert weather["event"]["mutually_exclusive"] is True
    assert len(weather["markets"]) == 5
    settled = s.get("/events", params={"status": "settled"}).json()["events"]
    assert [e["event_ticker"] for e in settled] == ["KXHIGHNY-26NOV30"]


@pytest.mark.parametrize("path", ["/events/KXNOPE", "/series/KXNOPE", "/markets/KXNOPE/orderbook"])
def test_unknown_names_are_404(s: KalshiSession, path: str) -> None:
    r = s.get(path)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found")


@pytest.mark.parametrize(
    "path",
    [
        "/markets",
        "/markets/trades",
        "/events",
        "/portfolio/orders",
        "/portfolio/fills",
        "/portfolio/positions",
        "/portfolio/settlements",
    ],
)
def test_every_list_takes_limit_and_cursor(s: KalshiSession, path: str) -> None:
    r = s.get(path, params={"limit": "1001"})
    assert (r.status_code, r.json()) == (400, {"msg": "limit must be between 1 and 1000"})
    assert s.get(path, params={"limit": "1000"}).status_code == 200
    assert s.get(path, params={"cursor": "garbage"}).status_code == 400


def test_cursor_pagination_walks_every_market_once(s: KalshiSession) -> None:
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        params = {"limit": "10", **({"cursor": cursor} if cursor else {})}
        page = s.get("/markets", params=params).json()
        seen += [m["ticker"] for m in page["markets"]]
        pages += 1
        cursor = page["cursor"]
        if not cursor:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 27


def test_schedule_and_status(s: KalshiSession) -> None:
    status = s.get("/exchange/status").json()
    assert status == {"exchange_active": True, "trading_active": True}
    schedule = s.get("/exchange/schedule").json()["schedule"]
    assert schedule["standard_hours"][0]["thursday"][1] == {
        "open_time": "05:00",
        "close_time": "23:59",
    }
