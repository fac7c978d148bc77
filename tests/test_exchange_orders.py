"""V2 orders, the portfolio and the testing API of the local exchange, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from requests_kalshi import ConfigurationError, KalshiSession
from requests_kalshi.testing import LocalExchange, Market

TICKER = "KXFED-26DEC-T4.25"  # seeded: 0.22 bid, 0.24 ask
ORDERS = "/portfolio/events/orders"


@pytest.fixture
def ex() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as exchange:
        yield exchange


@pytest.fixture
def s(ex: LocalExchange) -> Iterator[KalshiSession]:
    with ex.session(retries=0) as session:
        yield session


def order(**fields: Any) -> dict[str, Any]:
    body = {
        "ticker": TICKER,
        "side": "bid",
        "count": "10",
        "price": "0.10",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def test_v1_order_endpoints_answer_deprecated_and_place_nothing(
    ex: LocalExchange, s: KalshiSession
) -> None:
    deprecated = {
        "error": {
            "code": "deprecated_v1_order_endpoint",
            "message": "Please switch to the V2 endpoints",
        }
    }
    old = {"ticker": TICKER, "side": "yes", "action": "buy", "count": 1, "yes_price": 10}
    r = s.post("/portfolio/orders", json=old)
    assert (r.status_code, r.json()) == (200, deprecated)
    placed = s.post(ORDERS, json=order()).json()
    r = s.delete(f"/portfolio/orders/{placed['order_id']}")
    assert (r.status_code, r.json()) == (200, deprecated)
    orders = s.get("/portfolio/orders").json()["orders"]
    assert [(o["order_id"], o["status"]) for o in orders] == [(placed["order_id"], "resting")]
    assert ex.balance == 100000 - 100 - 18  # the V2 order only: $1, and the largest fee $0.18


def test_create_rests_and_cancel_of_an_unmatched_order_reports_no_fill(
    ex: LocalExchange, s: KalshiSession
) -> None:
    r = s.post(ORDERS, json=order(count="3", client_order_id="c1"))
    assert r.status_code == 201
    created = r.json()
    assert (created["fill_count"], created["remaining_count"]) == ("0.00", "3.00")
    assert created["client_order_id"] == "c1"
    assert "average_fill_price" not in created
    cancelled = s.delete(f"{ORDERS}/{created['order_id']}").json()
    assert cancelled["reduced_by"] == "3.00"
    after = s.get(f"/portfolio/orders/{created['order_id']}").json()["order"]
    assert (after["status"], after["fill_count_fp"], after["initial_count_fp"]) == (
        "canceled",
        "0.00",
        "3.00",
    )
    assert ex.balance == 100000
    again = s.delete(f"{ORDERS}/{created['order_id']}")
    assert (again.status_code, again.json()["error"]["code"]) == (404, "not_found")


def test_a_crossing_order_reports_its_fills(s: KalshiSession) -> None:
    created = s.post(ORDERS, json=order(price="0.30", count="5")).json()
    assert (created["fill_count"], created["remaining_count"]) == ("5.00", "0.00")
    assert created["average_fill_price"] == "0.2400"
    assert Decimal(created["average_fee_paid"]) > 0
    listed = s.get("/portfolio/orders", params={"status": "executed"}).json()["orders"]
    assert listed[0]["taker_fill_cost_dollars"] == "1.2000"
    market = s.get(f"/markets/{TICKER}").json()["market"]
    assert market["last_price_dollars"] == "0.2400"
    query: dict[str, str | int] = {"ticker": TICKER, "limit": 1}
    trades = s.get("/markets/trades", params=query).json()["trades"]
    assert (trades[0]["count_fp"], trades[0]["taker_book_side"]) == ("5.00", "bid")
    position = s.get("/portfolio/positions").json()["market_positions"][0]
    assert (position["position_fp"], position["market_exposure_dollars"]) == ("5.00", "1.2000")


def test_an_ask_is_a_no_order(s: KalshiSession) -> None:
    created = s.post(ORDERS, json=order(side="ask", price="0.20", count="2")).json()
    assert created["fill_count"] == "2.00"
    listed = s.get(f"/portfolio/orders/{created['order_id']}").json()["order"]
    assert (listed["outcome_side"], listed["book_side"]) == ("no", "ask")
    assert (listed["yes_price_dollars"], listed["no_price_dollars"]) == ("0.2000", "0.8000")
    assert listed["user_id"] == "5e3c1a2b-7d4f-4e8a-9b6c-0d1e2f3a4b5c"
    position = s.get("/portfolio/positions", params={"ticker": TICKER}).json()
    assert position["market_positions"][0]["position_fp"] == "-2.00"
    fill = s.get("/portfolio/fills").json()["fills"][0]
    assert (fill["yes_price_dollars"], fill["outcome_side"]) == ("0.2200", "no")


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"ticker": None}, 400, "missing_parameters"),
        ({"ticker": "KXNOPE"}, 404, "not_found"),
        ({"side": "yes"}, 400, "invalid_order"),
        ({"count": 10}, 400, "invalid_order"),
        ({"count": "0"}, 400, "invalid_order"),
        ({"price": "0.505"}, 400, "invalid_order"),
        ({"price": "1.00"}, 400, "invalid_order"),
        ({"price": 0.5}, 400, "invalid_order"),
        ({"count": "100000"}, 400, "insufficient_balance"),
        ({"ticker": "KXHIGHNY-26NOV30-T38"}, 400, "market_closed"),
        ({"post_only": True, "price": "0.30"}, 400, "invalid_order"),
        ({"reduce_only": True, "time_in_force": "immediate_or_cancel"}, 400, "invalid_order"),
        ({"client_order_id": 7}, 400, "bad_request"),
    ],
)
def test_refused_orders(
    s: KalshiSession, ex: LocalExchange, fields: dict[str, Any], status: int, code: str
) -> None:
    r = s.post(ORDERS, json=order(**fields))
    assert r.status_code == status, r.text
    body = r.json()
    assert (body["error"]["code"] if "error" in body else body["code"]) == code
    assert ex.balance == 100000
    assert s.get("/portfolio/orders").json()["orders"] == []


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b""])
def test_unreadable_bodies_get_kalshis_flat_bad_request(s: KalshiSession, body: bytes) -> None:
    r = s.post(ORDERS, data=body)
    assert r.status_code == 400
    assert r.json()["code"] == "bad_request"


def test_paused_exchange_refuses_orders(ex: LocalExchange, s: KalshiSession) -> None:
    ex.pause_trading()
    assert s.get("/exchange/status").json()["trading_active"] is False
    r = s.post(ORDERS, json=order())
    assert (r.status_code, r.json()["error"]["code"]) == (400, "trading_is_paused")
    ex.pause_trading(paused=False)
    assert s.post(ORDERS, json=order()).status_code == 201


def test_client_order_id_is_deduplicated_even_after_cancel(
    ex: LocalExchange, s: KalshiSession
) -> None:
    first = s.post(ORDERS, json=order(client_order_id="dup")).json()
    s.delete(f"{ORDERS}/{first['order_id']}")
    r = s.post(ORDERS, json=order(client_order_id="dup"))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "order_already_exists")
    assert len(s.get("/portfolio/orders").json()["orders"]) == 1


def test_batched_create_answers_each_order_alone(ex: LocalExchange, s: KalshiSession) -> None:
    batch = [
        order(client_order_id="a"),
        order(client_order_id="b", price="0.001"),
        order(client_order_id="a"),
        "not an order",
        order(client_order_id="c", count="2"),
    ]
    r = s.post(f"{ORDERS}/batched", json={"orders": batch})
    assert r.status_code == 201
    items = r.json()["orders"]
    assert [i.get("error", {}).get("code") for i in items] == [
        None,
        "invalid_order",
        "order_already_exists",
        "bad_request",
        None,
    ]
    assert items[1] == {
        "client_order_id": "b",
        "error": {
            "code": "invalid_order",
            "message": "invalid order",
            "details": items[1]["error"]["details"],
        },
    }
    assert all(isinstance(i["error"]["details"], str) for i in items if "error" in i)
    assert [i["remaining_count"] for i in items if "error" not in i] == ["10.00", "2.00"]
    assert len(s.get("/portfolio/orders").json()["orders"]) == 2


@pytest.mark.parametrize("body", [{"orders": []}, {"orders": "x"}, {}, {"orders": [{}] * 21}])
def test_batch_size_is_checked(s: KalshiSession, body: dict[str, Any]) -> None:
    for method in ("POST", "DELETE"):
        r = s.request(method, f"{ORDERS}/batched", json=body)
        assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_parameters")


def test_batched_cancel_and_cancel_all(s: KalshiSession) -> None:
    ids = [s.post(ORDERS, json=order(count="1")).json()["order_id"] for _ in range(3)]
    other = s.post(ORDERS, json=order(ticker="KXFED-26DEC-T4.00", count="1")).json()["order_id"]
    body = {"orders": [{"order_id": ids[0]}, {"order_id": "nope"}, {"oops": 1}]}
    items = s.delete(f"{ORDERS}/batched", json=body).json()["orders"]
    assert items[0]["reduced_by"] == "1.00"
    assert [i.get("error", {}).get("code") for i in items] == [
        None,
        "not_found",
        "invalid_parameters",
    ]
    only = s.delete(ORDERS, params={"ticker": TICKER}).json()["orders"]
    assert sorted(i["order_id"] for i in only) == sorted(ids[1:])
    rest = s.delete(ORDERS).json()["orders"]
    assert [i["order_id"] for i in rest] == [other]
    assert s.get("/portfolio/orders", params={"status": "resting"}).json()["orders"] == []


def test_amend_and_decrease_over_http(s: KalshiSession) -> None:
    oid = s.post(ORDERS, json=order(client_order_id="x1")).json()["order_id"]
    amend = {"ticker": TICKER, "side": "bid", "price": "0.12", "count": "8"}
    r = s.post(f"{ORDERS}/{oid}/amend", json={**amend, "updated_client_order_id": "x2"})
    assert r.status_code == 200
    assert (r.json()["remaining_count"], r.json()["client_order_id"]) == ("8.00", "x2")
    r = s.post(f"{ORDERS}/{oid}/decrease", json={"reduce_to": "5"})
    assert (r.status_code, r.json()["remaining_count"]) == (200, "5.00")
    for body in ({}, {"reduce_by": "1", "reduce_to": "1"}, {"reduce_by": "0"}, {"reduce_to": "9"}):
        r = s.post(f"{ORDERS}/{oid}/decrease", json=body)
        assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_order")
    crossed = s.post(f"{ORDERS}/{oid}/amend", json={**amend, "price": "0.30", "count": "5"})
    assert (crossed.json()["fill_count"], crossed.json()["average_fill_price"]) == (
        "5.00",
        "0.2400",
    )
    r = s.post(f"{ORDERS}/{oid}/decrease", json={"reduce_by": "1"})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found")
    r = s.post(f"{ORDERS}/{oid}/amend", data=b"{")
    assert r.json()["code"] == "bad_request"


def test_settlement_over_http(ex: LocalExchange, s: KalshiSession) -> None:
    s.post(ORDERS, json=order(price="0.30", count="4"))  # buys 4 YES at 0.24
    before = s.get("/portfolio/balance").json()
    assert before["portfolio_value"] == 96  # 4 contracts at the last price, $0.24
    ex.settle_market(TICKER, "yes")
    after = s.get("/portfolio/balance").json()
    assert after["balance"] == before["balance"] + 400
    settled = s.get("/portfolio/settlements").json()["settlements"]
    assert [(x["ticker"], x["revenue"], x["yes_count_fp"]) for x in settled] == [
        (TICKER, 400, "4.00")
    ]
    market = s.get(f"/markets/{TICKER}").json()["market"]
    assert (market["status"], market["result"], market["settlement_value_dollars"]) == (
        "finalized",
        "yes",
        "1.0000",
    )
    position = s.get("/portfolio/positions").json()["market_positions"][0]
    assert (position["position_fp"], position["realized_pnl_dollars"]) == ("0.00", "3.0400")
    r = s.post(ORDERS, json=order())
    assert r.json()["error"]["code"] == "market_closed"


def test_testing_api_refuses_bad_input_with_configuration_errors(ex: LocalExchange) -> None:
    with pytest.raises(ConfigurationError, match="side must be"):
        ex.put_liquidity(TICKER, "buy", "0.20", "1")
    with pytest.raises(ConfigurationError, match="not_found"):
        ex.put_liquidity("KXNOPE", "bid", "0.20", "1")
    with pytest.raises(ConfigurationError, match="decimal places"):
        ex.move_market(TICKER, "0.2")
    with pytest.raises(ConfigurationError, match="above 0"):
        ex.put_liquidity(TICKER, "bid", "0.20", "0")
    with pytest.raises(ConfigurationError, match="result"):
        ex.settle_market(TICKER, "maybe")
    with pytest.raises(ConfigurationError, match="not_found"):
        ex.close_market("KXNOPE")
    with pytest.raises(ConfigurationError, match="not_found"):
        ex.pause_trading("KXNOPE")
    ex.close_market(TICKER)
    with pytest.raises(ConfigurationError, match="market_closed"):
        ex.move_market(TICKER, Decimal("0.5"))
    assert ex.engine.markets[TICKER].status == "closed"


def test_custom_markets_with_dollar_prices() -> None:
    markets = [Market("KXA-1", yes_bid="0.10", yes_ask="0.12"), Market("KXB-1", status="paused")]
    with LocalExchange(key_type="ed25519", markets=markets, balance=500) as ex, ex.session() as s:
        listed = s.get("/markets").json()["markets"]
        assert [(m["ticker"], m["status"]) for m in listed] == [
            ("KXA-1", "active"),
            ("KXB-1", "inactive"),
        ]
        assert (listed[0]["yes_bid_dollars"], listed[0]["yes_ask_dollars"]) == ("0.1000", "0.1200")
        # made up for them: the default event KXLOCAL, in a series of the same name
        assert s.get("/series/KXLOCAL").json()["series"]["fee_type"] == "quadratic"
        event = s.get("/events/KXLOCAL").json()
        assert [m["ticker"] for m in event["markets"]] == ["KXA-1", "KXB-1"]
        assert s.get("/portfolio/balance").json()["balance_dollars"] == "5.0000"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ticker": ""},
        {"ticker": "KX", "yes_bid": "0"},
        {"ticker": "KX", "yes_ask": "1.00"},
        {"ticker": "KX", "yes_bid": "0.60", "yes_ask": "0.50"},
        {"ticker": "KX", "yes_bid": 0.4},
        {"ticker": "KX", "status": "active"},
        {"ticker": "KX", "status": "settled"},
        {"ticker": "KX", "result": "yes"},
        {"ticker": "KX", "price_level_structure": "deci"},
    ],
)
def test_market_rejects_bad_fields(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        Market(**kwargs)
