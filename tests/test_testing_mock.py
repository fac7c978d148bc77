"""KalshiMock: the same exchange behind ``responses``, checking signatures in unit tests."""

from __future__ import annotations

import sys
import time

import pytest
import requests
import responses
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from requests_kalshi import DEMO, PRODUCTION, ConfigurationError, session
from requests_kalshi.signing import sign_message
from requests_kalshi.testing import KalshiMock

from .conftest import KEY_ID

Key = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


def test_users_own_key_is_verified(any_key: Key) -> None:
    with KalshiMock(key_type="ed25519") as kalshi:
        kalshi.register_key(KEY_ID, any_key.public_key())
        with session("demo", key_id=KEY_ID, private_key=any_key) as s:
            r = s.get("/portfolio/balance", params={"limit": 1})
    assert r.status_code == 200, r.text
    assert r.json()["balance"] == 100000
    assert kalshi.requests[-1].auth == "ok"


def test_wrong_signing_fails_the_unit_test(any_key: Key) -> None:
    """A signer that includes the query string is caught, as Kalshi would catch it."""

    def bad_signer(r: requests.PreparedRequest) -> requests.PreparedRequest:
        ms = str(int(time.time() * 1000))
        r.headers["KALSHI-ACCESS-KEY"] = KEY_ID
        r.headers["KALSHI-ACCESS-TIMESTAMP"] = ms
        r.headers["KALSHI-ACCESS-SIGNATURE"] = sign_message(any_key, f"{ms}GET{r.path_url}")
        return r

    with KalshiMock(key_type="ed25519") as kalshi:
        kalshi.register_key(KEY_ID, any_key.public_key())
        r = requests.get(DEMO.rest_url + "/portfolio/orders?limit=1", auth=bad_signer)
    assert r.status_code == 401
    assert r.json()["error"]["details"] == "INCORRECT_API_KEY_SIGNATURE"


def test_unregistered_key_is_not_found(ed_key: ed25519.Ed25519PrivateKey) -> None:
    with KalshiMock(key_type="ed25519"), session("demo", key_id=KEY_ID, private_key=ed_key) as s:
        r = s.get("/portfolio/balance")
    assert r.status_code == 401
    assert r.json()["error"]["details"] == "NOT_FOUND"


def test_state_faults_and_drop() -> None:
    with (
        KalshiMock(key_type="ed25519", base_url="production") as kalshi,
        kalshi.session(retries=0) as s,
    ):
        assert kalshi.url == PRODUCTION.rest_url
        order = {
            "ticker": "KXFED-26DEC-T4.25",
            "side": "bid",
            "count": "1",
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross",
        }
        r = s.post("/portfolio/events/orders", json=dict(order, price="0.10", client_order_id="a"))
        assert r.status_code == 201
        assert kalshi.balance == 100000 - 10 - 2  # the cost and the largest fee, reserved
        kalshi.fail_next(status=429)
        assert s.get("/markets").json() == {"error": "too many requests"}
        kalshi.drop_next()
        with pytest.raises(requests.ConnectionError):
            s.get("/markets")
        kalshi.delay_next(seconds=0.001)
        assert s.get("/exchange/status").ok
        balance = s.get("/portfolio/balance", headers={"X": "y"}).json()
        assert balance["portfolio_value"] == 0  # positions only: nothing filled yet


def test_registers_on_a_mock_you_own() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, "https://example.invalid/other", json={"mine": True})
        kalshi = KalshiMock(key_type="ed25519", rsps=rsps).start()
        assert kalshi.mock is rsps
        registered = len(rsps.registered())
        assert kalshi.start() is kalshi
        assert len(rsps.registered()) == registered
        with kalshi.session() as s:
            market = s.get("/markets/KXFED-26DEC-T4.25").json()["market"]
            assert market["yes_ask_dollars"] == "0.2400"
        assert requests.get("https://example.invalid/other").json() == {"mine": True}
        kalshi.stop()  # leaves your mock alone
        with kalshi.session() as s:
            assert s.get("/exchange/status").ok


def test_custom_host_is_trusted_for_its_own_auth() -> None:
    with KalshiMock(key_type="ed25519", base_url="https://kalshi-proxy.example") as kalshi:
        assert kalshi.url == "https://kalshi-proxy.example/trade-api/v2"
        with kalshi.session() as s:
            assert s.get("/portfolio/balance").status_code == 200


def test_missing_responses_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "responses", None)
    with pytest.raises(ConfigurationError, match=r"pip install 'requests-kalshi\[testing\]'"):
        KalshiMock()


def test_stop_is_idempotent() -> None:
    kalshi = KalshiMock(key_type="ed25519").start()
    assert kalshi.mock.registered()
    kalshi.stop()
    kalshi.stop()
    assert kalshi.mock.registered() == []


def test_faults_after_processing_through_responses() -> None:
    with KalshiMock(key_type="ed25519") as kalshi, kalshi.session(retries=0) as s:
        kalshi.fail_next(status=503, after_processing=True)
        assert s.get("/portfolio/balance").status_code == 503
        kalshi.delay_next(seconds=0.001, after_processing=True)
        assert s.get("/portfolio/balance").status_code == 200
        kalshi.drop_next(after_processing=True)
        with pytest.raises(requests.ConnectionError):
            s.get("/portfolio/balance")
        records = [(x.auth, x.status, x.fault) for x in kalshi.requests]
        assert records == [
            ("ok", 503, "fail_after"),  # processed (authenticated), then failed
            ("ok", 200, "delay_after"),
            ("ok", None, "drop_after"),
        ]


def test_bad_bodies_are_refused_through_responses_too() -> None:
    with KalshiMock(key_type="ed25519") as kalshi, kalshi.session(retries=0) as s:
        r = s.post("/portfolio/events/orders", data=b'{"count": 1e999}')
        assert (r.status_code, r.json()["code"]) == (400, "bad_request")
        assert "out of range" in r.json()["details"]
        unsigned = requests.post(kalshi.url + "/portfolio/events/orders", data=b"[")
        assert unsigned.status_code == 401  # authentication comes first
