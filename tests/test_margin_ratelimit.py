"""Margin's own token buckets: routing by path, costs, configuration, ``/account/limits/perps``."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from requests_kalshi import ConfigurationError, KalshiSession, RateLimiter, RetryPolicy
from requests_kalshi.ratelimit import MARGIN_COSTS, is_margin_path, resolve_rate_limit

from .test_ratelimit import BASE, FakeClock, limiter


@pytest.mark.parametrize(
    ("path", "margin"),
    [
        ("/trade-api/v2/margin/orders", True),
        ("/margin/markets/KXBTCPERP/orderbook?depth=5", True),
        ("/margin", True),
        ("margin/balance", True),
        ("/marginal", False),
        ("/markets", False),
        ("/portfolio/margin", False),
        ("/account/limits/perps", False),
    ],
)
def test_margin_paths(path: str, margin: bool) -> None:
    assert is_margin_path(path) is margin


def test_margin_requests_draw_from_their_own_buckets() -> None:
    clock = FakeClock()
    lim = limiter(clock)  # writes: 50 tokens/s, burst 100, cost 10
    assert lim.margin is not None
    for _ in range(10):
        assert lim.try_acquire("POST", "/trade-api/v2/portfolio/events/orders")
    assert not lim.try_acquire("POST", "/portfolio/events/orders")
    assert lim.available("POST") == pytest.approx(0)
    assert lim.available("POST", "/margin/orders") == pytest.approx(100)
    for _ in range(10):
        assert lim.try_acquire("POST", "/trade-api/v2/margin/orders")
    assert not lim.try_acquire("POST", "/margin/orders")
    assert lim.available("GET", "/margin/markets") == pytest.approx(100)


def test_a_margin_request_waits_for_margin_tokens_only() -> None:
    clock = FakeClock()
    lim = limiter(clock)
    for _ in range(10):
        lim.acquire("POST", "/margin/orders")
    assert clock.sleeps == []
    lim.acquire("POST", "/portfolio/events/orders")  # event buckets are still full
    assert clock.sleeps == []
    lim.acquire("POST", "/margin/orders")  # 10 tokens at 50/s
    assert clock.sleeps == [pytest.approx(0.2)]


def test_margin_cancels_cost_one_token_and_others_the_default() -> None:
    lim = RateLimiter.for_tier("basic")
    assert MARGIN_COSTS == {"DELETE /margin/orders/{order_id}": 1.0}
    assert lim.cost_of("DELETE", "/trade-api/v2/margin/orders/7f0c") == 1
    assert lim.cost_of("POST", "/trade-api/v2/margin/orders") == 10
    assert lim.cost_of("GET", "/margin/markets") == 10
    assert lim.cost_of("DELETE", "/portfolio/events/orders/7f0c") == 10
    assert lim.margin is not None
    assert (lim.margin.read_per_second, lim.margin.write_per_second) == (200, 100)


def test_costs_under_margin_apply_to_the_margin_buckets() -> None:
    lim = RateLimiter(
        read_per_second=100,
        write_per_second=50,
        costs={"GET /margin/markets/{ticker}/orderbook": 3, "DELETE /margin/orders/{id}": 2},
    )
    assert lim.cost_of("GET", "/margin/markets/KXBTCPERP/orderbook") == 3
    assert lim.cost_of("DELETE", "/margin/orders/x") == 2


def test_margin_false_shares_the_event_buckets() -> None:
    clock = FakeClock()
    lim = limiter(clock, margin=False)
    assert lim.margin is None
    for _ in range(10):
        assert lim.try_acquire("POST", "/margin/orders")
    assert not lim.try_acquire("POST", "/portfolio/events/orders")
    assert lim.cost_of("DELETE", "/margin/orders/x") == 10


def test_margin_mapping_sets_its_own_figures() -> None:
    clock = FakeClock()
    lim = limiter(clock, margin={"write_per_second": 20, "default_cost": 5})
    margin = lim.margin
    assert margin is not None
    assert (margin.read_per_second, margin.read_burst) == (100, 100)
    assert (margin.write_per_second, margin.write_burst) == (20, 40)  # burst follows the budget
    assert margin.cost_of("POST", "/margin/orders") == 5
    assert margin.margin is None
    for _ in range(8):
        assert lim.try_acquire("POST", "/margin/orders")
    assert not lim.try_acquire("POST", "/margin/orders")
    clock.advance(0.25)
    assert lim.try_acquire("POST", "/margin/orders")


def test_a_margin_limiter_is_used_as_is() -> None:
    mine = RateLimiter(read_per_second=70, write_per_second=70, margin=False)
    lim = RateLimiter(read_per_second=100, write_per_second=50, margin=mine)
    assert lim.margin is mine


@pytest.mark.parametrize(
    ("margin", "message"),
    [
        ("basic", "margin must be None"),
        (42, "margin must be None"),
        ({"write_per_second": 0}, "write_per_second must be"),
        ({"burst": 3}, "bad margin rate limit mapping: .*'burst'"),
        ({"costs": {"POST /margin/orders": 500}}, "more than the write bucket holds"),
    ],
)
def test_bad_margin_options_raise(margin: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        RateLimiter(read_per_second=100, write_per_second=50, margin=margin)


def test_a_tier_mapping_may_set_margin() -> None:
    lim = resolve_rate_limit(
        {"read_per_second": 100, "write_per_second": 50, "margin": {"read_per_second": 1000}},
        None,
    )
    assert lim is not None
    assert lim.margin is not None
    assert lim.margin.read_per_second == 1000


# --- /account/limits/perps --------------------------------------------------------------------

EVENT_LIMITS = {
    "usage_tier": "basic",
    "read": {"refill_rate": 200, "bucket_capacity": 200},
    "write": {"refill_rate": 100, "bucket_capacity": 200},
}


@responses.activate
def test_auto_reads_margin_buckets_from_the_perps_limits() -> None:
    responses.get(BASE + "/account/limits", json=EVENT_LIMITS)
    responses.get(
        BASE + "/account/endpoint_costs",
        json={
            "default_cost": 10,
            "endpoint_costs": [
                {"method": "GET", "path": "/trade-api/v2/margin/markets", "cost": 4},
                {"method": "POST", "path": "/trade-api/v2/margin/orders", "cost": 9000},
                {"method": "GET", "path": "/markets", "cost": 2},
            ],
        },
    )
    responses.get(
        BASE + "/account/limits/perps",
        json={
            "usage_tier": "advanced",
            "read": {"refill_rate": 300, "bucket_capacity": 300},
            "write": {"refill_rate": 300, "bucket_capacity": 600},
        },
    )
    lim = resolve_rate_limit("auto", KalshiSession("demo", retry=RetryPolicy(total=0)))
    assert lim is not None
    assert lim.margin is not None
    assert (lim.read_per_second, lim.write_burst) == (200, 200)
    assert (lim.margin.read_per_second, lim.margin.write_per_second) == (300, 300)
    assert lim.margin.write_burst == 600
    assert lim.cost_of("GET", "/margin/markets") == 4
    assert lim.cost_of("POST", "/margin/orders") == 600  # lowered to margin's write burst
    assert lim.cost_of("DELETE", "/margin/orders/x") == 1
    assert lim.cost_of("GET", "/markets") == 2


@pytest.mark.parametrize("perps", [{"status": 404}, {"json": {"nothing": "useful"}}])
@responses.activate
def test_unreadable_perps_limits_give_margin_the_event_figures(perps: dict[str, Any]) -> None:
    responses.get(BASE + "/account/limits", json=EVENT_LIMITS)
    responses.get(BASE + "/account/endpoint_costs", status=404)
    responses.get(BASE + "/account/limits/perps", **perps)
    lim = RateLimiter.from_account(KalshiSession("demo", retry=RetryPolicy(total=0)))
    assert lim.margin is not None
    assert (lim.margin.read_per_second, lim.margin.write_per_second) == (200, 100)
    assert lim.margin.write_burst == 200
    assert lim.cost_of("DELETE", "/margin/orders/x") == 1


@responses.activate
def test_a_margin_override_skips_the_perps_request() -> None:
    responses.get(BASE + "/account/limits", json=EVENT_LIMITS)
    responses.get(BASE + "/account/endpoint_costs", status=404)
    lim = RateLimiter.from_account(KalshiSession("demo", retry=RetryPolicy(total=0)), margin=False)
    assert lim.margin is None
    assert [call.request.url for call in responses.calls] == [
        BASE + "/account/limits",
        BASE + "/account/endpoint_costs",
    ]
