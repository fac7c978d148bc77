"""The local exchange's API slice: markets, pagination, orders, balance, limits, records."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from requests_kalshi import ConfigurationError, KalshiSession
from requests_kalshi.testing import ExchangeNotRunningError, LocalExchange, Market, RateLimit

TICKER = "KXLOCAL-26JAN01-T05"  # seeded: yes_bid 30, yes_ask 32


@pytest.fixture
def ex() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as exchange:
        yield exchange


@pytest.fixture
def s(ex: LocalExchange) -> Iterator[KalshiSession]:
    with ex.session() as session:
        yield session


def order(**fields: Any) -> dict[str, Any]:
    body = {"ticker": TICKER, "side": "yes", "action": "buy", "count": 10, "yes_price": 40}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def test_session_points_at_the_exchange(ex: LocalExchange, s: KalshiSession) -> None:
    assert ex.url.startswith("http://127.0.0.1:")
    assert ex.url.endswith("/trade-api/v2")
    assert s.base_url == ex.url
    assert str(ex.port) in ex.url
    assert s.auth is ex.auth
    assert repr(ex).startswith("<LocalExchange http://127.0.0.1:")


def test_markets_paginate_over_every_seeded_market(s: KalshiSession) -> None:
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        params = {"limit": 40, **({"cursor": cursor} if cursor else {})}
        r = s.get("/markets", params=params, timeout=5)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["markets"]) <= 40
        seen += [m["ticker"] for m in page["markets"]]
        pages += 1
        cursor = page["cursor"]
        if not cursor:
            break
    assert pages == 4  # 150 markets, 40 a page
    assert len(seen) == len(set(seen)) == 150


def test_markets_default_limit_is_100(s: KalshiSession) -> None:
    page = s.get("/markets", timeout=5).json()
    assert len(page["markets"]) == 100
    assert page["cursor"]
    rest = s.get("/markets", params={"cursor": page["cursor"]}, timeout=5).json()
    assert len(rest["markets"]) == 50
    assert rest["cursor"] == ""


def test_markets_limit_1000_is_accepted(s: KalshiSession) -> None:
    assert len(s.get("/markets", params={"limit": 1000}, timeout=5).json()["markets"]) == 150


@pytest.mark.parametrize("limit", ["1001", "0", "-1", "ten"])
def test_bad_limit_answers_bare_msg(s: KalshiSession, limit: str) -> None:
    r = s.get("/markets", params={"limit": limit}, timeout=5)
    assert r.status_code == 400
    assert r.json() == {"msg": "limit must be between 1 and 1000"}


@pytest.mark.parametrize("cursor", ["garbage", "b2Zmc2V0Ong=", "%%%"])
def test_bad_cursor(s: KalshiSession, cursor: str) -> None:
    r = s.get("/markets", params={"cursor": cursor}, timeout=5)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_parameters"


def test_market_filters(s: KalshiSession) -> None:
    by_event = s.get("/markets", params={"event_ticker": "KXLOCAL-26JAN02"}, timeout=5).json()
    assert len(by_event["markets"]) == 30
    assert {m["event_ticker"] for m in by_event["markets"]} == {"KXLOCAL-26JAN02"}
    wanted = f"{TICKER},KXLOCAL-26JAN03-T01"
    by_ticker = s.get("/markets", params={"tickers": wanted}, timeout=5).json()
    assert [m["ticker"] for m in by_ticker["markets"]] == [TICKER, "KXLOCAL-26JAN03-T01"]
    assert s.get("/markets", params={"status": "settled"}, timeout=5).json()["markets"] == []


def test_market_by_ticker(s: KalshiSession) -> None:
    market = s.get(f"/markets/{TICKER}", timeout=5).json()["market"]
    assert market["ticker"] == TICKER
    assert (market["yes_bid"], market["yes_ask"]) == (30, 32)
    assert (market["no_bid"], market["no_ask"]) == (68, 70)
    r = s.get("/markets/KXNOPE", timeout=5)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_custom_markets() -> None:
    markets = [Market("KXA-1", yes_bid=10, yes_ask=12), Market("KXB-1")]
    with LocalExchange(key_type="ed25519", markets=markets) as ex, ex.session() as s:
        tickers = [m["ticker"] for m in s.get("/markets", timeout=5).json()["markets"]]
    assert tickers == ["KXA-1", "KXB-1"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ticker": ""},
        {"ticker": "KX", "yes_bid": 0},
        {"ticker": "KX", "yes_ask": 100},
        {"ticker": "KX", "yes_bid": 60, "yes_ask": 50},
        {"ticker": "KX", "yes_bid": True},
    ],
)
def test_market_rejects_bad_fields(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        Market(**kwargs)


@pytest.mark.parametrize("path", ["/portfolio/orders", "/portfolio/events/orders"])
def test_limit_buy_reserves_and_cancel_refunds(
    s: KalshiSession, ex: LocalExchange, path: str
) -> None:
    r = s.post(path, json=order(client_order_id="c1"), timeout=5)
    assert r.status_code == 201, r.text
    placed = r.json()["order"]
    assert placed["status"] == "resting"
    assert placed["client_order_id"] == "c1"
    assert (placed["yes_price"], placed["no_price"]) == (40, 60)
    assert s.get("/portfolio/balance", timeout=5).json() == {
        "balance": 100000 - 400,
        "portfolio_value": 400,
    }
    r = s.delete(f"/portfolio/orders/{placed['order_id']}", timeout=5)
    assert r.status_code == 200, r.text
    assert r.json()["order"]["status"] == "canceled"
    assert r.json()["reduced_by"] == 10
    assert ex.balance == 100000
    again = s.delete(f"/portfolio/orders/{placed['order_id']}", timeout=5)
    assert again.status_code == 404


def test_no_side_costs_the_no_price(s: KalshiSession, ex: LocalExchange) -> None:
    r = s.post("/portfolio/orders", json=order(side="no", yes_price=None, no_price=25), timeout=5)
    assert r.status_code == 201, r.text
    assert r.json()["order"]["yes_price"] == 75
    assert ex.balance == 100000 - 250


def test_market_buy_executes_at_the_ask(s: KalshiSession, ex: LocalExchange) -> None:
    yes = s.post("/portfolio/orders", json=order(type="market", yes_price=None), timeout=5)
    assert yes.json()["order"]["status"] == "executed"
    assert yes.json()["order"]["fill_count"] == 10
    no = s.post(
        "/portfolio/orders", json=order(type="market", side="no", yes_price=None), timeout=5
    )
    assert no.status_code == 201
    assert ex.balance == 100000 - 10 * 32 - 10 * 70
    executed = yes.json()["order"]["order_id"]
    assert s.delete(f"/portfolio/orders/{executed}", timeout=5).status_code == 404


def test_sell_does_not_touch_the_balance(s: KalshiSession, ex: LocalExchange) -> None:
    assert s.post("/portfolio/orders", json=order(action="sell"), timeout=5).status_code == 201
    assert ex.balance == 100000


@pytest.mark.parametrize("path", ["/portfolio/orders", "/portfolio/events/orders"])
def test_client_order_id_is_deduplicated_even_after_cancel(
    s: KalshiSession, ex: LocalExchange, path: str
) -> None:
    first = s.post(path, json=order(client_order_id="dup"), timeout=5).json()["order"]
    s.delete(f"/portfolio/orders/{first['order_id']}", timeout=5)
    for where in ("/portfolio/orders", "/portfolio/events/orders"):
        r = s.post(where, json=order(client_order_id="dup"), timeout=5)
        assert r.status_code == 409
        assert r.json() == {
            "error": {"code": "order_already_exists", "message": "order already exists"}
        }
    assert len(s.get("/portfolio/orders", timeout=5).json()["orders"]) == 1
    assert ex.balance == 100000


def test_insufficient_balance() -> None:
    with LocalExchange(key_type="ed25519", balance=100) as ex, ex.session() as s:
        r = s.post("/portfolio/orders", json=order(count=3, yes_price=40), timeout=5)
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "insufficient_balance"
        assert ex.balance == 100
        assert s.get("/portfolio/orders", timeout=5).json()["orders"] == []


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"ticker": None}, 400),
        ({"ticker": 5}, 400),
        ({"ticker": "KXNOPE"}, 404),
        ({"side": "maybe"}, 400),
        ({"action": "hold"}, 400),
        ({"type": "stop"}, 400),
        ({"count": 0}, 400),
        ({"count": "3"}, 400),
        ({"count": True}, 400),
        ({"yes_price": None}, 400),
        ({"yes_price": 100}, 400),
        ({"yes_price": 40, "no_price": 40}, 400),
        ({"client_order_id": 7}, 400),
    ],
)
def test_invalid_orders_are_rejected(
    s: KalshiSession, ex: LocalExchange, fields: dict[str, Any], status: int
) -> None:
    r = s.post("/portfolio/orders", json=order(**fields), timeout=5)
    assert r.status_code == status, r.text
    assert ex.balance == 100000


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b""])
def test_order_body_must_be_a_json_object(s: KalshiSession, ex: LocalExchange, body: bytes) -> None:
    r = s.post("/portfolio/orders", data=body, timeout=5)
    assert r.status_code == 400
    answer = r.json()
    assert (answer["code"] if body else answer["error"]["code"]) == (
        "bad_request" if body else "invalid_parameters"  # unreadable, or read and refused
    )
    assert ex.requests[-1].body == body
    assert ex.requests[-1].json == (None if body != b"[1, 2]" else [1, 2])


def test_malformed_http_gets_400_and_the_exchange_keeps_serving(
    ex: LocalExchange, s: KalshiSession
) -> None:
    with socket.create_connection(("127.0.0.1", ex.port), timeout=5) as raw:
        raw.sendall(b"NOT-HTTP\r\n\r\n")
        answer = b"".join(iter(lambda: raw.recv(500), b""))  # until the exchange closes
        assert b'{"error": {"code": "bad_request"' in answer
    assert s.get("/exchange/status", timeout=5).status_code == 200


def test_orders_list_paginates_and_filters(s: KalshiSession) -> None:
    ids = [
        s.post("/portfolio/orders", json=order(count=1), timeout=5).json()["order"]["order_id"]
        for _ in range(5)
    ]
    s.post("/portfolio/orders", json=order(ticker="KXLOCAL-26JAN01-T06", count=1), timeout=5)
    s.delete(f"/portfolio/orders/{ids[0]}", timeout=5)
    first = s.get("/portfolio/orders", params={"limit": 4}, timeout=5).json()
    second = s.get(
        "/portfolio/orders", params={"limit": 4, "cursor": first["cursor"]}, timeout=5
    ).json()
    assert second["cursor"] == ""
    listed = [o["order_id"] for o in first["orders"] + second["orders"]]
    assert listed[:5] == ids
    assert len(listed) == 6
    mine = s.get("/portfolio/orders", params={"ticker": TICKER, "status": "resting"}, timeout=5)
    assert [o["order_id"] for o in mine.json()["orders"]] == ids[1:]
    one = s.get(f"/portfolio/orders/{ids[0]}", timeout=5).json()["order"]
    assert one["status"] == "canceled"
    assert s.get("/portfolio/orders/nope", timeout=5).status_code == 404


def test_account_limits_follow_the_rate_limit(ex: LocalExchange, s: KalshiSession) -> None:
    assert s.get("/account/limits", timeout=5).json() == {
        "usage_tier": "basic",
        "read": {"refill_rate": 200, "bucket_capacity": 200},
        "write": {"refill_rate": 100, "bucket_capacity": 100},
        "grants": [{"exchange_instance": "event_contract", "level": "basic", "source": "default"}],
    }
    ex.set_rate_limit(RateLimit(tier="advanced"))
    limits = s.get("/account/limits", timeout=5).json()
    assert limits["usage_tier"] == "advanced"
    assert limits["write"] == {"refill_rate": 300, "bucket_capacity": 600}


def test_unknown_paths_and_methods(s: KalshiSession, ex: LocalExchange) -> None:
    assert s.get("/portfolio/positions", timeout=5).status_code == 404
    assert s.put("/portfolio/balance", timeout=5).status_code == 405
    elsewhere = ex.url.removesuffix("/trade-api/v2") + "/elsewhere"
    assert s.get(elsewhere, timeout=5).status_code == 404
    assert requests.get(elsewhere, timeout=5).status_code == 401  # auth first, as Kalshi
    assert s.head("/markets", timeout=5).status_code == 405


def test_requests_are_recorded_for_assertions(ex: LocalExchange, s: KalshiSession) -> None:
    s.post(
        "/portfolio/events/orders", params={"x": "1"}, json=order(client_order_id="r1"), timeout=5
    )
    s.get("/portfolio/balance", timeout=5)
    first, second = ex.requests
    assert (first.method, first.path, first.query) == (
        "POST",
        "/trade-api/v2/portfolio/events/orders",
        {"x": "1"},
    )
    assert first.json["client_order_id"] == "r1"
    assert first.auth == "ok"
    assert first.status == 201
    assert first.headers["KALSHI-ACCESS-KEY"] == ex.key_id
    assert second.json is None
    ex.clear_requests()
    assert ex.requests == []


def test_private_key_pem_round_trips(ex: LocalExchange) -> None:
    from requests_kalshi import KalshiAuth

    auth = KalshiAuth(ex.key_id, ex.private_key_pem())
    assert auth.fingerprint == ex.auth.fingerprint


def test_not_running() -> None:
    ex = LocalExchange(key_type="ed25519")
    with pytest.raises(ExchangeNotRunningError, match="not running"):
        ex.url  # noqa: B018
    assert "not running" in repr(ex)
    ex.stop()  # harmless
    with ex, pytest.raises(ExchangeNotRunningError, match="already running"):
        ex.start()
    with pytest.raises(ExchangeNotRunningError):
        ex.session()


def test_fixed_port_and_restart() -> None:
    ex = LocalExchange(key_type="ed25519")
    with ex:
        port = ex.port
    with LocalExchange(key_type="ed25519", port=port) as again, again.session() as s:
        assert again.port == port
        assert s.get("/exchange/status", timeout=5).status_code == 200


@pytest.mark.parametrize(
    "kwargs",
    [
        {"port": -1},
        {"port": 70000},
        {"port": True},
        {"key_type": "dsa"},
        {"balance": -5},
        {"balance": 1.5},
        {"timestamp_window": 0},
        {"timestamp_window": "5"},
        {"clock": 5},
        {"markets": ["KX"]},
    ],
)
def test_bad_options_raise_configuration_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        LocalExchange(**kwargs)
