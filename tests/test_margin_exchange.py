"""The local exchange's perpetual futures over HTTP: market data, orders, positions, funding,
maintenance, limits; every refusal with its status and code."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from requests_kalshi import KalshiSession
from requests_kalshi.fixedpoint import parse_count, parse_dollars
from requests_kalshi.testing import LocalExchange, RateLimit
from requests_kalshi.testing.margin import PERPETUALS, MarginExchange

from .scripted import after_a_funding

BTC = "KXBTCPERP"  # seeded: bids 96995…96975, asks 97005…97025, 0.10 more each level
ORDERS = "/margin/orders"


@pytest.fixture
def ex() -> Iterator[LocalExchange]:
    # Its clock starts after a funding: only a test that moves it makes one fall due.
    with LocalExchange(key_type="ed25519", clock=after_a_funding()) as exchange:
        yield exchange


@pytest.fixture
def s(ex: LocalExchange) -> Iterator[KalshiSession]:
    with ex.session(retries=0) as session:
        yield session


def margin_of(ex: LocalExchange) -> MarginExchange:
    margin: MarginExchange = ex.margin
    return margin


def order(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ticker": BTC,
        "side": "bid",
        "count": "0.10",
        "price": "96000",
        "time_in_force": "good_till_canceled",
        "client_order_id": "bot-1",
        "self_trade_prevention_type": "taker_at_cross",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def error_of(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    error = body.get("error", body)  # bad_request is flat, as Kalshi sends it
    return response.status_code, error["code"], error.get("details", "")


# --- market data --------------------------------------------------------------------------


def test_markets_are_public_and_seeded(ex: LocalExchange) -> None:
    r = requests.get(ex.url + "/margin/markets", timeout=5)
    assert r.status_code == 200
    markets = r.json()["markets"]
    assert [m["ticker"] for m in markets] == [p.ticker for p in PERPETUALS]
    assert r.json()["cursor"] == ""
    btc = markets[0]
    assert btc["bid_dollars"] == "96995.0000"
    assert btc["ask_dollars"] == "97005.0000"
    assert btc["mark_price_dollars"] == btc["index_price_dollars"] == "97000.0000"
    assert btc["funding_rate"] == "0.000000"
    assert btc["next_funding_time_ms"] % 3_600_000 == 0
    assert btc["next_funding_time_ms"] / 1000 > margin_of(ex).last_funding


def test_one_market_and_unknown_markets(s: KalshiSession) -> None:
    assert s.get(f"/margin/markets/{BTC}").json()["market"]["underlying"] == "BTC"
    for path in ("/margin/markets/NOPE", "/margin/markets/NOPE/orderbook"):
        r = s.get(path)
        assert error_of(r)[:2] == (404, "not_found")


def test_markets_page_with_limit_and_cursor(s: KalshiSession) -> None:
    first = s.get("/margin/markets", params={"limit": 2}).json()
    assert len(first["markets"]) == 2
    second = s.get("/margin/markets", params={"limit": 2, "cursor": first["cursor"]}).json()
    assert [m["ticker"] for m in second["markets"]] == ["KXGOLDPERP"]
    assert second["cursor"] == ""


def test_orderbook_levels_best_first(s: KalshiSession) -> None:
    book = s.get(f"/margin/markets/{BTC}/orderbook").json()["orderbook_fp"]
    assert book["bid_dollars"][:2] == [["96995.0000", "0.10"], ["96990.0000", "0.20"]]
    assert book["ask_dollars"][0] == ["97005.0000", "0.10"]
    assert len(book["ask_dollars"]) == 5


def test_exchange_status_follows_maintenance(ex: LocalExchange, s: KalshiSession) -> None:
    assert s.get("/margin/exchange/status").json()["trading_active"] is True
    margin_of(ex).maintenance = True
    assert s.get("/margin/exchange/status").json()["trading_active"] is False
    assert s.get(f"/margin/markets/{BTC}").json()["market"]["status"] == "paused"


# --- orders -------------------------------------------------------------------------------


def test_a_crossing_order_fills_at_resting_prices_and_is_traded(s: KalshiSession) -> None:
    r = s.post(ORDERS, json=order(price="97010", count="0.25", time_in_force="immediate_or_cancel"))
    assert r.status_code == 201
    answer = r.json()
    assert answer["client_order_id"] == "bot-1"
    assert answer["fill_count"] == "0.25"
    assert answer["remaining_count"] == "0.00"
    # 0.10 at 97005 and 0.15 at 97010
    assert parse_dollars(answer["average_fill_price"]) == Decimal("97008")
    trades = s.get(f"/margin/markets/{BTC}/trades").json()["trades"]
    assert [(t["price_dollars"], t["count_fp"], t["taker_side"]) for t in trades] == [
        ("97010.0000", "0.15", "bid"),
        ("97005.0000", "0.10", "bid"),
    ]
    market = s.get(f"/margin/markets/{BTC}").json()["market"]
    assert market["ask_dollars"] == "97010.0000"
    assert market["last_price_dollars"] == "97010.0000"
    assert market["volume_fp"] == "0.25"
    assert market["open_interest_fp"] == "0.25"


def test_a_resting_order_is_listed_and_cancelled(s: KalshiSession) -> None:
    placed = s.post(ORDERS, json=order()).json()
    assert placed["remaining_count"] == "0.10"
    book = s.get(f"/margin/markets/{BTC}/orderbook").json()["orderbook_fp"]
    assert ["96000.0000", "0.10"] in book["bid_dollars"]
    (listed,) = s.get(ORDERS, params={"status": "resting"}).json()["orders"]
    assert listed["order_id"] == placed["order_id"]
    assert listed["type"] == "limit"
    shown = s.get(f"{ORDERS}/{placed['order_id']}").json()["order"]
    assert shown["status"] == "resting"
    r = s.delete(f"{ORDERS}/{placed['order_id']}")
    assert r.status_code == 200
    assert r.json()["reduced_by"] == "0.10"
    assert s.get(f"{ORDERS}/{placed['order_id']}").json()["order"]["status"] == "canceled"
    assert s.get(ORDERS, params={"ticker": "KXETHPERP"}).json()["orders"] == []
    assert error_of(s.delete(f"{ORDERS}/{placed['order_id']}"))[:2] == (404, "not_found")
    assert error_of(s.get(f"{ORDERS}/nope"))[:2] == (404, "not_found")


def test_client_order_id_is_required_and_never_reused(s: KalshiSession) -> None:
    assert error_of(s.post(ORDERS, json=order(client_order_id=None))) == (
        400,
        "invalid_order",
        "client_order_id is required",
    )
    first = s.post(ORDERS, json=order())
    assert first.status_code == 201
    s.delete(f"{ORDERS}/{first.json()['order_id']}")
    assert error_of(s.post(ORDERS, json=order()))[:2] == (409, "order_already_exists")


@pytest.mark.parametrize(
    ("fields", "status", "code", "details"),
    [
        ({"self_trade_prevention_type": None}, 400, "invalid_order", "is required"),
        ({"type": "market"}, 400, "invalid_order", "limit orders only"),
        ({"side": "buy"}, 400, "invalid_order", "side must be"),
        ({"time_in_force": "day"}, 400, "invalid_order", "time_in_force must be"),
        ({"self_trade_prevention_type": "none"}, 400, "invalid_order", "must be one of"),
        ({"reduce_only": True}, 400, "invalid_order", "immediate_or_cancel or fill_or_kill"),
        ({"count": "0.001"}, 400, "invalid_order", "count"),
        ({"price": "97000.12345"}, 400, "invalid_order", "up to 4 decimals"),
        ({"price": "0"}, 400, "invalid_order", "above 0"),
        ({"price": "96000.25"}, 400, "invalid_order", "multiple of 0.5"),
        ({"count": 1}, 400, "bad_request", "count must be a string"),
        ({"post_only": "yes"}, 400, "bad_request", "true or false"),
        ({"ticker": "NOPE"}, 404, "not_found", "NOPE"),
        ({"price": "97010", "post_only": True}, 400, "invalid_order", "post only cross"),
        ({"count": "1000"}, 400, "insufficient_balance", ""),
        (
            {"price": "97010", "count": "5", "time_in_force": "fill_or_kill"},
            409,
            "fill_or_kill_insufficient_resting_volume",
            "",
        ),
        (
            {"side": "ask", "price": "90000", "reduce_only": True, "time_in_force": "fill_or_kill"},
            400,
            "invalid_order",
            "would not reduce",
        ),
    ],
)
def test_refused_orders(
    s: KalshiSession, fields: dict[str, Any], status: int, code: str, details: str
) -> None:
    got = error_of(s.post(ORDERS, json=order(**fields)))
    assert got[:2] == (status, code)
    assert details in got[2]
    assert s.get(ORDERS).json()["orders"] == []


def test_a_body_that_is_not_an_object_is_refused(s: KalshiSession) -> None:
    r = s.post(ORDERS, json=["not", "an", "order"])
    assert r.status_code == 400
    assert r.json()["code"] == "bad_request"


def test_reduce_only_closes_at_most_the_position(s: KalshiSession) -> None:
    s.post(ORDERS, json=order(price="97005", time_in_force="immediate_or_cancel"))
    r = s.post(
        ORDERS,
        json=order(
            client_order_id="exit",
            side="ask",
            price="96990",
            count="1.00",
            reduce_only=True,
            time_in_force="immediate_or_cancel",
        ),
    )
    assert r.json()["fill_count"] == "0.10"
    (position,) = s.get("/margin/positions").json()["positions"]
    assert position["position_fp"] == "0.00"
    # bought at 97005, sold at 96995: −$1.00 on 0.10
    assert parse_dollars(position["realized_pnl_dollars"]) == Decimal("-1")


def test_self_trade_prevention(s: KalshiSession) -> None:
    resting = s.post(ORDERS, json=order(side="ask", price="97000", client_order_id="a")).json()
    taker = s.post(ORDERS, json=order(price="97005", client_order_id="b")).json()
    assert taker["fill_count"] == "0.00"  # taker_at_cross: the incoming order is cancelled
    assert s.get(f"{ORDERS}/{taker['order_id']}").json()["order"]["status"] == "canceled"
    maker = s.post(
        ORDERS,
        json=order(
            price="97005",
            client_order_id="c",
            self_trade_prevention_type="maker",
            time_in_force="immediate_or_cancel",
        ),
    ).json()
    assert maker["fill_count"] == "0.10"  # the resting own order went, then it traded at 97005
    assert s.get(f"{ORDERS}/{resting['order_id']}").json()["order"]["status"] == "canceled"


def test_maintenance_refuses_new_orders_and_allows_cancels(
    ex: LocalExchange, s: KalshiSession
) -> None:
    resting = s.post(ORDERS, json=order()).json()
    margin_of(ex).maintenance = True
    refused = s.post(ORDERS, json=order(client_order_id="during"))
    assert error_of(refused)[:2] == (503, "exchange_under_maintenance")
    posts = [r for r in ex.requests if r.method == "POST" and r.path.endswith(ORDERS)]
    assert [r.status for r in posts] == [201, 503]
    assert s.delete(f"{ORDERS}/{resting['order_id']}").json()["reduced_by"] == "0.10"
    margin_of(ex).maintenance = False
    assert s.post(ORDERS, json=order(client_order_id="during")).status_code == 201


# --- account ------------------------------------------------------------------------------


def test_positions_and_balance_follow_fills_and_the_mark(s: KalshiSession) -> None:
    before = s.get("/margin/balance").json()
    assert before["balance_dollars"] == "10000.0000"
    assert before["available_dollars"] == "10000.0000"
    s.post(ORDERS, json=order(side="ask", price="96995", time_in_force="immediate_or_cancel"))
    (position,) = s.get("/margin/positions").json()["positions"]
    assert position["position_fp"] == "-0.10"
    assert position["average_entry_price_dollars"] == "96995.0000"
    assert position["mark_price_dollars"] == "97000.0000"  # median of 96990, 97005, 97000
    assert parse_dollars(position["unrealized_pnl_dollars"]) == Decimal("-0.5")
    fee = parse_dollars(position["fees_paid_dollars"])
    assert fee == Decimal("0.10") * 96995 * Decimal("0.0005")
    after = s.get("/margin/balance").json()
    assert parse_dollars(after["balance_dollars"]) == 10000 - fee
    assert parse_dollars(after["initial_margin_dollars"]) == Decimal("970")
    assert parse_dollars(after["equity_dollars"]) == 10000 - fee - Decimal("0.5")


def test_funding_is_paid_each_interval_of_the_exchange_clock(
    ex: LocalExchange, s: KalshiSession
) -> None:
    s.post(ORDERS, json=order(price="97005", time_in_force="immediate_or_cancel"))
    margin = margin_of(ex)
    margin.set_index(BTC, "96000")  # mark 96995 (best bid): premium clamped to +0.5 %
    assert s.get(f"/margin/markets/{BTC}").json()["market"]["funding_rate"] == "0.005000"
    assert s.get("/margin/funding_history").json()["funding"] == []
    cash = parse_dollars(s.get("/margin/balance").json()["balance_dollars"])
    ex.timestamp_window = 3 * 3600  # the clock moves; signatures stay accepted
    ex.clock_offset = margin.next_funding() - ex.now() + 1 + 3600  # two fundings fall due
    history = s.get("/margin/funding_history", params={"ticker": BTC}).json()["funding"]
    assert len(history) == 2
    assert history[0]["funding_time"] > history[1]["funding_time"]  # newest first
    for row in history:
        assert row["funding_rate"] == "0.005000"
        assert row["position_fp"] == "0.10"
        assert parse_dollars(row["payment_dollars"]) == -Decimal("0.10") * 96995 * Decimal("0.005")
    paid = sum(parse_dollars(r["payment_dollars"]) for r in history)
    assert parse_dollars(s.get("/margin/balance").json()["balance_dollars"]) == cash + paid
    (position,) = s.get("/margin/positions").json()["positions"]
    assert parse_dollars(position["funding_dollars"]) == paid
    assert s.get("/margin/funding_history", params={"ticker": "KXETHPERP"}).json()["funding"] == []


def test_a_clock_moved_by_years_pays_a_bounded_number_of_fundings() -> None:
    now = [1_800_000_000.0]
    margin = MarginExchange(lambda: now[0])
    margin.accounts["user"].position(BTC).contracts = parse_count("1.00")
    margin.set_index(BTC, "96000")
    now[0] += 10 * 365 * 86400
    with margin.operation():
        pass
    assert len(margin.funding) == 1001
    assert margin.next_funding() > now[0]


def test_perps_limits_are_keyed(ex: LocalExchange, s: KalshiSession) -> None:
    assert requests.get(ex.url + "/account/limits/perps", timeout=5).status_code == 401
    limits = s.get("/account/limits/perps").json()
    assert limits["read"] == {"refill_rate": 200, "bucket_capacity": 200}
    assert limits["write"]["refill_rate"] == 100
    for path in ("/margin/balance", "/margin/positions", "/margin/funding_history", ORDERS):
        assert requests.get(ex.url + path, timeout=5).status_code == 401


def test_the_exchange_meters_margin_in_buckets_of_its_own() -> None:
    limit = RateLimit(read_per_second=20, write_per_second=10, read_burst=20, write_burst=10)
    with (
        # a clock that stands still: no token comes back between the requests
        LocalExchange(key_type="ed25519", rate_limit=limit, clock=lambda: 1.8e9) as exchange,
        exchange.session(retries=0) as k,
    ):
        assert [k.get("/markets").status_code for _ in range(3)] == [200, 200, 429]
        margin = [k.get("/margin/markets").status_code for _ in range(3)]
        assert margin == [200, 200, 429]
        assert k.get("/margin/markets").json() == {"error": "too many requests"}
