"""``POST /margin/orders`` under the never-repeat-what-may-have-landed rule, and the safe
recovery: the same ``client_order_id`` sent again is refused with 409 if the order landed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519

from requests_kalshi import KalshiAuth, KalshiSession
from requests_kalshi.retry import RetryPolicy
from requests_kalshi.testing import LocalExchange

from .conftest import KEY_ID
from .loopback import json_reply
from .scripted import ScriptedServer, slow, ticking_clock

ORDERS = "/margin/orders"
BODY = {
    "ticker": "KXBTCPERP",
    "side": "bid",
    "count": "0.10",
    "price": "97005",
    "time_in_force": "immediate_or_cancel",
    "client_order_id": "perp-7",
    "self_trade_prevention_type": "taker_at_cross",
}


@pytest.fixture
def auth(ed_key: ed25519.Ed25519PrivateKey) -> KalshiAuth:
    return KalshiAuth(KEY_ID, ed_key, clock=ticking_clock())


def scripted_session(url: str, auth: KalshiAuth, sleeps: list[float]) -> KalshiSession:
    return KalshiSession(url, auth=auth, sleep=sleeps.append, jitter=lambda: 0.5)


def test_the_policy_never_repeats_a_margin_order_post_that_may_have_landed() -> None:
    policy = RetryPolicy()
    assert "POST" not in policy.idempotent_methods
    assert not policy.retries_response("POST", 503)
    assert not policy.retries_error("POST", requests.ReadTimeout())
    assert policy.retries_response("POST", 429)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_margin_order_answered_5xx_is_sent_once(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth, status: int
) -> None:
    sleeps: list[float] = []
    reply = json_reply(status, {"error": {"code": "internal_error", "message": "x"}})
    with ScriptedServer(ed_key.public_key(), KEY_ID, [reply]).running() as server:
        r = scripted_session(server.url, auth, sleeps).post(ORDERS, json=BODY)
        assert r.status_code == status
    assert [x.path for x in server.received] == ["/trade-api/v2/margin/orders"]
    assert sleeps == []


def test_a_margin_order_that_timed_out_is_not_sent_again(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    server = ScriptedServer(ed_key.public_key(), KEY_ID, [slow(0.5)])
    with server.running(), pytest.raises(requests.ReadTimeout):
        scripted_session(server.url, auth, []).post(ORDERS, json=BODY, timeout=(2, 0.1))
    assert len(server.received) == 1


def test_a_margin_order_refused_with_429_is_sent_again_with_the_same_id(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    too_many = json_reply(429, {"error": "too many requests"})
    with ScriptedServer(ed_key.public_key(), KEY_ID, [too_many]).running() as server:
        r = scripted_session(server.url, auth, []).post(ORDERS, json=BODY)
        assert r.status_code == 200
    bodies = [x.body for x in server.received]
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    assert b'"client_order_id": "perp-7"' in bodies[0]
    assert None not in server.timestamps()


@pytest.fixture
def ex() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as exchange:
        yield exchange


def mine(s: KalshiSession, client_order_id: str) -> list[dict[str, Any]]:
    orders: list[dict[str, Any]] = s.get(ORDERS).json()["orders"]
    return [o for o in orders if o["client_order_id"] == client_order_id]


def test_repeating_the_same_client_order_id_is_the_safe_recovery(ex: LocalExchange) -> None:
    ex.drop_next(path="/trade-api/v2/margin/orders", method="POST", after_processing=True)
    with ex.session() as s:  # default retries: the lost answer is not retried
        with pytest.raises(requests.ConnectionError):
            s.post(ORDERS, json=BODY)
        assert len(mine(s, "perp-7")) == 1  # it landed
        again = s.post(ORDERS, json=BODY)
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "order_already_exists"
        (order,) = mine(s, "perp-7")
        assert order["fill_count_fp"] == "0.10"
        (position,) = s.get("/margin/positions").json()["positions"]
        assert position["position_fp"] == "0.10"  # one position, not two
    posts = [r for r in ex.requests if r.method == "POST" and r.path.endswith(ORDERS)]
    assert len(posts) == 2


def test_repeating_an_order_that_never_landed_places_it(ex: LocalExchange) -> None:
    ex.drop_next(path="/trade-api/v2/margin/orders", method="POST")
    with ex.session() as s:
        with pytest.raises(requests.ConnectionError):
            s.post(ORDERS, json=BODY)
        assert mine(s, "perp-7") == []
        assert s.post(ORDERS, json=BODY).status_code == 201
        assert len(mine(s, "perp-7")) == 1
