"""The local exchange as a server: sessions, limits and cursors, records, options, lifecycle.

Market data, orders and the portfolio have their own files (test_exchange_market_data.py,
test_exchange_orders.py, test_exchange_shapes.py).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from requests_kalshi import ConfigurationError, KalshiSession
from requests_kalshi.testing import (
    ExchangeNotRunningError,
    LocalExchange,
    RateLimit,
    SimulatedExchange,
)

TICKER = "KXFED-26DEC-T4.25"  # seeded: yes_bid 0.22, yes_ask 0.24


@pytest.fixture
def ex() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as exchange:
        yield exchange


@pytest.fixture
def s(ex: LocalExchange) -> Iterator[KalshiSession]:
    with ex.session() as session:
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


def test_session_points_at_the_exchange(ex: LocalExchange, s: KalshiSession) -> None:
    assert ex.url.startswith("http://127.0.0.1:")
    assert ex.url.endswith("/trade-api/v2")
    assert s.base_url == ex.url
    assert str(ex.port) in ex.url
    assert s.auth is ex.auth
    assert repr(ex).startswith("<LocalExchange http://127.0.0.1:")


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


def test_malformed_http_gets_400_and_the_exchange_keeps_serving(
    ex: LocalExchange, s: KalshiSession
) -> None:
    with socket.create_connection(("127.0.0.1", ex.port), timeout=5) as raw:
        raw.sendall(b"NOT-HTTP\r\n\r\n")
        answer = b""
        while chunk := raw.recv(500):  # headers and body may come in separate segments
            answer += chunk
        assert b'{"error": {"code": "bad_request"' in answer
    assert s.get("/exchange/status", timeout=5).status_code == 200


def test_account_limits_follow_the_rate_limit(ex: LocalExchange, s: KalshiSession) -> None:
    assert s.get("/account/limits", timeout=5).json() == {
        "usage_tier": "basic",
        "read_limit": 20,
        "write_limit": 10,
    }
    ex.set_rate_limit(RateLimit(reads_per_second=300, writes_per_second=300, tier="advanced"))
    assert s.get("/account/limits", timeout=5).json()["usage_tier"] == "advanced"


def test_unknown_paths_and_methods(s: KalshiSession, ex: LocalExchange) -> None:
    assert s.get("/portfolio/nothing", timeout=5).status_code == 404
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


@pytest.mark.parametrize("seed", ["1", True, 1.5])
def test_seed_must_be_a_whole_number(seed: Any) -> None:
    with pytest.raises(ConfigurationError, match="seed must be a whole number"):
        SimulatedExchange(key_type="ed25519", seed=seed)
