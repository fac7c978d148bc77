"""Fault injection on the local exchange: failures, delays, drops, clock offset, rate limit."""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from requests_kalshi import (
    ConfigurationError,
    KalshiSession,
    RateLimiter,
    TimestampExpiredError,
)
from requests_kalshi.api_errors import error_for_response
from requests_kalshi.testing import LocalExchange, RateLimit

ORDER = {
    "ticker": "KXFED-26DEC-T4.25",
    "side": "bid",
    "count": "2",
    "price": "0.05",
    "time_in_force": "good_till_canceled",
    "self_trade_prevention_type": "taker_at_cross",
    "client_order_id": "retry-me",
}
RESERVED = 10 + 4  # cents: 2 x $0.05, and the largest fee 2 x 0.07 x 0.25 rounded up


def placed(ex: LocalExchange) -> list[str]:
    """The client_order_id of every order the exchange holds, looked up over the wire."""
    with ex.session(retries=0) as s:
        orders = s.get("/portfolio/orders", timeout=5).json()["orders"]
        return sorted(o["client_order_id"] for o in orders)


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ex() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as exchange:
        yield exchange


@pytest.fixture
def s(ex: LocalExchange) -> Iterator[KalshiSession]:
    with ex.session(retries=0, correct_clock=False) as session:
        yield session


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (429, {"error": "too many requests"}),
        (500, {"error": {"code": "internal_server_error", "message": "internal server error"}}),
        (503, {"error": {"code": "service_unavailable", "message": "service unavailable"}}),
        (418, {"error": {"code": "injected_failure", "message": "injected failure 418"}}),
    ],
)
def test_fail_next_answers_the_status_then_recovers(
    ex: LocalExchange, s: KalshiSession, status: int, body: dict[str, Any]
) -> None:
    ex.fail_next(2, status=status)
    for _ in range(2):
        r = s.get("/portfolio/balance", timeout=5)
        assert (r.status_code, r.json()) == (status, body)
        assert "Retry-After" not in r.headers
        assert "Date" in r.headers
    assert s.get("/portfolio/balance", timeout=5).status_code == 200
    assert [x.auth for x in ex.requests] == ["skipped", "skipped", "ok"]


def test_fail_next_matches_path_and_method(ex: LocalExchange, s: KalshiSession) -> None:
    ex.fail_next(status=503, path="/portfolio/events/orders", method="post", body={"custom": True})
    assert s.get("/portfolio/orders", timeout=5).status_code == 200
    assert s.post("/portfolio/events/orders/batched", json={"orders": [ORDER]}).status_code == 201
    r = s.post(
        "/trade-api/v2/portfolio/events/orders", json=dict(ORDER, client_order_id="x"), timeout=5
    )
    assert (r.status_code, r.json()) == (503, {"custom": True})
    ex.fail_next(status=500, path="/trade-api/v2/markets")
    assert s.get("/markets", timeout=5).status_code == 500
    ex.fail_next(status=500)
    ex.clear_faults()
    assert s.get("/markets", timeout=5).status_code == 200


def test_a_failed_order_was_not_placed(ex: LocalExchange, s: KalshiSession) -> None:
    ex.fail_next(status=500, method="POST")
    assert s.post("/portfolio/events/orders", json=ORDER, timeout=5).status_code == 500
    assert s.post("/portfolio/events/orders", json=ORDER, timeout=5).status_code == 201
    assert ex.balance == 100000 - RESERVED


def test_drop_next_closes_without_answer(ex: LocalExchange, s: KalshiSession) -> None:
    ex.drop_next(path="/portfolio/balance")
    with pytest.raises(requests.ConnectionError):
        s.get("/portfolio/balance", timeout=5)
    assert s.get("/portfolio/balance", timeout=5).status_code == 200
    assert [x.status for x in ex.requests] == [None, 200]


def test_drop_after_processing_then_retry_with_same_client_order_id(
    ex: LocalExchange, s: KalshiSession
) -> None:
    ex.drop_next(method="POST", after_processing=True)
    with pytest.raises(requests.ConnectionError):
        s.post("/portfolio/events/orders", json=ORDER, timeout=5)
    retry = s.post("/portfolio/events/orders", json=ORDER, timeout=5)
    assert retry.status_code == 409
    assert retry.json()["error"]["code"] == "order_already_exists"
    assert ex.balance == 100000 - RESERVED  # charged once
    assert len(s.get("/portfolio/orders", timeout=5).json()["orders"]) == 1


def test_delay_next_trips_a_client_timeout(ex: LocalExchange, s: KalshiSession) -> None:
    ex.delay_next(seconds=2.0, path="/markets")
    with pytest.raises(requests.ReadTimeout):
        s.get("/markets", timeout=0.05)
    # The next request is not delayed; stopping the exchange cuts the pending delay short.
    assert s.get("/markets", params={"limit": 1}, timeout=5).status_code == 200


def test_delay_then_answers_normally(ex: LocalExchange, s: KalshiSession) -> None:
    ex.delay_next(seconds=0.01)
    r = s.get("/portfolio/balance", timeout=5)
    assert r.status_code == 200
    assert ex.requests[-1].auth == "ok"


def test_server_clock_offset_expires_signatures_and_date_tells_by_how_much(
    ex: LocalExchange, s: KalshiSession
) -> None:
    ex.clock_offset = 120
    r = s.get("/portfolio/balance", timeout=5)
    assert r.status_code == 401
    error = error_for_response(r)
    assert isinstance(error, TimestampExpiredError)
    assert error.clock_offset is not None
    assert 118 < error.clock_offset < 122
    ex.auth.clock_offset = error.clock_offset
    assert s.get("/portfolio/balance", timeout=5).status_code == 200


def test_rate_limit_answers_429_like_kalshi() -> None:
    clock = FakeClock()
    with LocalExchange(key_type="ed25519", clock=clock) as ex, ex.session(retries=0) as s:
        ex.set_rate_limit(RateLimit(read_per_second=30, write_per_second=10, write_burst=20))
        statuses = [s.get("/markets", params={"limit": 1}, timeout=5).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]  # 30 tokens, 10 a read
        r = s.get("/markets", timeout=5)
        assert r.json() == {"error": "too many requests"}
        assert "Retry-After" not in r.headers
        writes = [
            s.post(V2_ORDER, json=dict(ORDER, client_order_id=str(n)), timeout=5) for n in range(3)
        ]
        assert [w.status_code for w in writes] == [201, 201, 429]  # 20 tokens of burst
        clock.now += 1.0
        assert s.get("/markets", params={"limit": 1}, timeout=5).status_code == 200
        ex.set_rate_limit(None)
        assert ex.rate_limit is None
        assert placed(ex) == ["0", "1"]
        assert all(s.get("/exchange/status", timeout=5).ok for _ in range(10))


def test_rate_limit_costs_tokens_per_endpoint_and_per_batch_item() -> None:
    clock = FakeClock()
    with LocalExchange(key_type="ed25519", clock=clock) as ex, ex.session(retries=0) as s:
        ex.set_rate_limit(RateLimit(read_per_second=100, write_per_second=20, write_burst=20))
        cancels = [s.delete(f"{V2_ORDER}/no-such-order", timeout=5).status_code for _ in range(11)]
        assert 429 not in cancels[:10]  # 2 tokens a cancel: ten fit in 20 tokens
        assert cancels[10] == 429
        clock.now += 1.0  # 20 tokens
        batch = {"orders": [dict(ORDER, client_order_id=f"b{n}") for n in range(3)]}
        # 30 tokens, more than the bucket holds: charged a full bucket, as the client's
        # limiter charges it (the batch endpoint itself is not served here: 404)
        assert s.post(V2_ORDER + "/batched", json=batch, timeout=5).status_code != 429
        assert s.post(V2_ORDER, json=ORDER, timeout=5).status_code == 429  # bucket empty
        clock.now += 0.5  # 10 tokens
        two = {"orders": batch["orders"][:2]}
        assert s.post(V2_ORDER + "/batched", json=two, timeout=5).status_code == 429  # 20
        assert s.post(V2_ORDER + "/batched", data=b"{", timeout=5).status_code != 429  # 10
        assert ex.core.rate_limit is not None


def test_endpoint_costs_report_what_the_exchange_charges(
    ex: LocalExchange, s: KalshiSession
) -> None:
    assert s.get("/account/endpoint_costs", timeout=5).json() == {
        "default_cost": 10,
        "endpoint_costs": [
            {
                "method": "DELETE",
                "path": "/trade-api/v2/portfolio/events/orders/{order_id}",
                "cost": 2,
            },
            {
                "method": "DELETE",
                "path": "/trade-api/v2/portfolio/events/orders/batched",
                "cost": 2,
            },
            {"method": "GET", "path": "/trade-api/v2/account/limits", "cost": 0},
            {"method": "GET", "path": "/trade-api/v2/account/endpoint_costs", "cost": 0},
            {"method": "GET", "path": "/trade-api/v2/account/limits/perps", "cost": 0},
        ],
    }
    ex.set_rate_limit(RateLimit(default_cost=5, costs={"GET /markets": 1, "GET /series": 5}))
    assert s.get("/account/endpoint_costs", timeout=5).json() == {
        "default_cost": 5,
        "endpoint_costs": [{"method": "GET", "path": "/trade-api/v2/markets", "cost": 1}],
    }


def test_rate_limit_by_tier_name() -> None:
    ex = LocalExchange(key_type="ed25519", rate_limit="premier")
    assert ex.core.rate_limit == RateLimit(tier="premier")
    assert RateLimit(tier="premier").figures() == (1000, 1000, 1000, 2000)
    assert RateLimit(tier="basic", write_per_second=50).figures() == (200, 50, 200, 50)
    gold = RateLimit(tier="gold", read_per_second=50, write_per_second=70)
    assert gold.figures() == (50, 70, 50, 140)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 0},
        {"n": True},
        {"status": 200},
        {"status": 600},
        {"path": "markets"},
        {"method": "G E T"},
    ],
)
def test_fail_next_rejects_bad_arguments(kwargs: dict[str, Any]) -> None:
    ex = LocalExchange(key_type="ed25519")
    with pytest.raises(ConfigurationError):
        ex.fail_next(**kwargs)


@pytest.mark.parametrize("seconds", [-1, "1", True])
def test_delay_next_rejects_bad_seconds(seconds: Any) -> None:
    with pytest.raises(ConfigurationError):
        LocalExchange(key_type="ed25519").delay_next(seconds=seconds)


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ({"read_per_second": 0}, "read_per_second must be a whole number > 0"),
        ({"write_per_second": -1}, "write_per_second must be a whole number > 0"),
        ({"read_per_second": "9"}, "read_per_second must be a whole number > 0"),
        ({"write_burst": 2.5}, "write_burst must be a whole number > 0"),
        ({"tier": "gold"}, "not one of Kalshi's tiers"),
        ({"tier": ""}, "tier must be a tier name"),
        ({"default_cost": 500}, "more than the read bucket holds"),
        ({"costs": {"POST /x": 101}}, "more than the write bucket holds"),
        ({"costs": {"/x": 1}}, "cost keys must name a method"),
    ],
)
def test_rate_limit_rejects_bad_budgets(limit: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        RateLimit(**limit)


def test_set_rate_limit_rejects_other_types() -> None:
    with pytest.raises(ConfigurationError):
        LocalExchange(key_type="ed25519").set_rate_limit(20)  # type: ignore[arg-type]


def test_rate_limit_given_to_the_constructor() -> None:
    limit = RateLimit(read_per_second=10, write_per_second=10)
    ex = LocalExchange(key_type="ed25519", rate_limit=limit, clock=FakeClock())
    with ex, ex.session(retries=0) as s:
        assert s.get("/markets", timeout=5).ok
        assert s.get("/markets", timeout=5).status_code == 429


V2_ORDER = "/portfolio/events/orders"


def test_post_processed_then_answered_503_is_not_retried_and_the_order_exists(
    ex: LocalExchange,
) -> None:
    ex.fail_next(status=503, method="POST", path=V2_ORDER, after_processing=True)
    with ex.session() as s:  # the default retry policy
        r = s.post(V2_ORDER, json=ORDER, timeout=5)
        assert r.status_code == 503
        posts = [x for x in ex.requests if x.method == "POST"]
        assert [(x.status, x.auth, x.fault) for x in posts] == [(503, "ok", "fail_after")]
        assert placed(ex) == ["retry-me"]
        again = s.post(V2_ORDER, json=ORDER, timeout=5)
        assert again.json()["error"]["code"] == "order_already_exists"
    assert ex.balance == 100000 - RESERVED


def test_a_fault_before_processing_places_nothing(ex: LocalExchange, s: KalshiSession) -> None:
    ex.fail_next(status=503, method="POST")
    assert s.post(V2_ORDER, json=ORDER, timeout=5).status_code == 503
    assert (ex.requests[-1].auth, ex.requests[-1].fault) == ("skipped", "fail")
    assert placed(ex) == []


def test_drop_after_processing_is_recorded(ex: LocalExchange, s: KalshiSession) -> None:
    ex.drop_next(method="POST", after_processing=True)
    with pytest.raises(requests.ConnectionError):
        s.post(V2_ORDER, json=ORDER, timeout=5)
    last = ex.requests[-1]
    assert (last.status, last.auth, last.fault) == (None, "ok", "drop_after")
    assert placed(ex) == ["retry-me"]


def test_delay_after_processing_places_the_order_before_the_client_gives_up(
    ex: LocalExchange, s: KalshiSession
) -> None:
    ex.delay_next(seconds=2.0, method="POST", after_processing=True)
    with pytest.raises(requests.ReadTimeout):
        s.post(V2_ORDER, json=ORDER, timeout=0.2)
    assert placed(ex) == ["retry-me"]


def test_delay_before_processing_checks_the_timestamp_late() -> None:
    """A request held in transit longer than the window reaches the exchange expired."""
    with (
        LocalExchange(key_type="ed25519", timestamp_window=0.2) as ex,
        ex.session(retries=0, correct_clock=False) as s,
    ):
        ex.delay_next(seconds=0.5, method="POST")
        r = s.post(V2_ORDER, json=ORDER, timeout=5)
        assert r.json()["error"]["code"] == "header_timestamp_expired"
        assert (ex.requests[-1].auth, ex.requests[-1].fault) == ("expired", "delay")
        assert placed(ex) == []
        error = error_for_response(r)
        assert "long after it was signed" in str(error)


def test_stopping_cuts_a_held_request_short() -> None:
    ex = LocalExchange(key_type="ed25519").start()
    ex.delay_next(seconds=30)
    s = ex.session(retries=0)
    failures: list[BaseException] = []

    def call() -> None:
        try:
            s.get("/exchange/status", timeout=10)
        except requests.ConnectionError as error:
            failures.append(error)

    thread = threading.Thread(target=call)
    thread.start()
    deadline = time.monotonic() + 5
    while ex.core._faults._faults and time.monotonic() < deadline:
        time.sleep(0.01)  # until the request arrived and its delay began
    ex.stop()
    thread.join(5)
    assert not thread.is_alive()
    assert failures
    assert ex.requests[-1].status is None


def test_clock_offset_option_moves_the_date_header_and_the_window() -> None:
    with (
        LocalExchange(key_type="ed25519", clock_offset=3600) as ex,
        ex.session(retries=0, correct_clock=False) as s,
    ):
        r = s.get("/exchange/status", timeout=5)
        served = email.utils.parsedate_to_datetime(r.headers["Date"]).timestamp()
        assert 3590 < served - time.time() < 3610
        assert s.get("/portfolio/balance", timeout=5).status_code == 401
        ex.clock_offset = 0
        assert s.get("/portfolio/balance", timeout=5).status_code == 200


@pytest.mark.parametrize("offset", [float("nan"), float("inf"), "60", True])
def test_clock_offset_option_rejects_non_numbers(offset: Any) -> None:
    with pytest.raises(ConfigurationError, match="clock_offset"):
        LocalExchange(key_type="ed25519", clock_offset=offset)


@pytest.mark.parametrize("seconds", [float("nan"), float("inf")])
def test_delay_next_rejects_endless_delays(seconds: float) -> None:
    with pytest.raises(ConfigurationError, match="finite"):
        LocalExchange(key_type="ed25519").delay_next(seconds=seconds)


def test_fault_plan_refuses_unknown_kinds() -> None:
    from requests_kalshi.testing.faults import FaultPlan

    with pytest.raises(ConfigurationError, match="fault kind"):
        FaultPlan().add("explode", 1, path=None, method=None)


def test_the_client_paces_with_the_arithmetic_the_exchange_refuses_with() -> None:
    """On one clock, a limiter built from the account's figures never meets a 429."""
    clock = FakeClock()

    def sleep(seconds: float) -> None:
        clock.now += seconds

    with LocalExchange(key_type="ed25519", rate_limit="basic", clock=clock) as ex:
        with ex.session(retries=0) as s:
            limiter = RateLimiter.from_account(s, clock=clock, sleep=sleep)
        assert limiter.cost_of("GET", "/account/limits") == 0  # free on both sides
        with ex.session(rate_limit=limiter, retries=0) as paced:
            started = clock.now
            statuses = [paced.get("/exchange/status", timeout=5).status_code for _ in range(40)]
            assert statuses == [200] * 40
            assert clock.now - started == pytest.approx(1.0)  # 20 at once, then 20 a second
            unpaced = ex.session(retries=0)
            assert unpaced.get("/exchange/status", timeout=5).status_code == 429
