"""RateLimiter: token arithmetic on a fake clock, costs, configs, from_account, threads, wire."""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

import pytest
import requests
import responses

from requests_kalshi import ConfigurationError, KalshiSession, RateLimiter, RetryPolicy
from requests_kalshi.ratelimit import TIERS, endpoint_path, resolve_rate_limit

from .loopback import LoopbackServer, Received, Reply, json_reply

BASE = "https://external-api.demo.kalshi.co/trade-api/v2"


class FakeClock:
    """A clock that moves only when someone sleeps on it (thread-safe)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


def limiter(clock: FakeClock, **options: Any) -> RateLimiter:
    settings: dict[str, Any] = {"read_per_second": 100, "write_per_second": 50}
    settings.update(options)
    return RateLimiter(clock=clock, sleep=clock.sleep, **settings)


# --- token arithmetic -------------------------------------------------------------------------


def test_read_bucket_bursts_one_second_then_waits_exactly_for_the_refill() -> None:
    clock = FakeClock()
    lim = limiter(clock)  # reads: 100 tokens/s, burst 100, cost 10
    for _ in range(10):
        lim.acquire("GET", "/markets")
    assert clock.sleeps == []
    assert lim.available("GET") == 0
    lim.acquire("GET", "/markets")
    assert clock.sleeps == [pytest.approx(0.1)]
    lim.acquire("GET", "/markets")
    assert clock.sleeps == [pytest.approx(0.1), pytest.approx(0.1)]


def test_write_bucket_holds_two_seconds_of_budget() -> None:
    clock = FakeClock()
    lim = limiter(clock)  # writes: 50 tokens/s, burst 100
    assert lim.write_burst == 100
    assert lim.read_burst == 100
    for _ in range(10):
        lim.acquire("POST", "/portfolio/orders")
    assert clock.sleeps == []
    lim.acquire("DELETE", "/portfolio/orders/abc")
    assert clock.sleeps == [pytest.approx(0.2)]


def test_refill_is_continuous_and_capped_at_the_burst() -> None:
    clock = FakeClock()
    lim = limiter(clock, read_burst=30)
    for _ in range(3):
        assert lim.try_acquire("GET", "/markets")
    assert not lim.try_acquire("GET", "/markets")
    clock.advance(0.05)
    assert lim.available("GET") == pytest.approx(5)
    assert not lim.try_acquire("GET", "/markets")
    clock.advance(0.05)
    assert lim.try_acquire("GET", "/markets")
    clock.advance(3600)
    assert lim.available("GET") == 30


def test_reads_and_writes_use_separate_buckets() -> None:
    clock = FakeClock()
    lim = limiter(clock)
    for _ in range(10):
        assert lim.try_acquire("POST", "/portfolio/orders")
    assert not lim.try_acquire("PUT", "/x")
    assert lim.available("GET") == 100
    for method in ("GET", "head", "OPTIONS"):
        assert lim.try_acquire(method, "/markets")
    assert lim.available("GET") == 70
    assert lim.available("PATCH") == 0


def test_for_tier_uses_kalshis_budgets() -> None:
    # (read rate, write rate, write capacity): one second of writes on Basic, two above
    expected = {
        "basic": (200, 100, 100),
        "advanced": (300, 300, 600),
        "premier": (1000, 1000, 2000),
        "paragon": (2000, 2000, 4000),
        "prime": (4000, 4000, 8000),
    }
    for name, (read, write, write_cap) in expected.items():
        lim = RateLimiter.for_tier(name.upper())
        assert (lim.read_per_second, lim.write_per_second) == (read, write)
        assert (lim.read_burst, lim.write_burst) == (read, write_cap)
        assert lim.default_cost == 10
    basic = RateLimiter.for_tier("basic", default_cost=20, write_burst=200)
    assert (basic.default_cost, basic.write_burst) == (20, 200)


def test_basic_tier_gives_twenty_reads_a_second_at_the_default_cost() -> None:
    clock = FakeClock()
    lim = RateLimiter.for_tier("basic", clock=clock, sleep=clock.sleep)
    for _ in range(20 + 20):  # one second of burst, then one more second of refill
        lim.acquire("GET", "/markets")
    assert sum(clock.sleeps) == pytest.approx(1.0)
    assert len(clock.sleeps) == 20


# --- costs ------------------------------------------------------------------------------------


def test_costs_match_exact_paths_patterns_and_methods() -> None:
    lim = RateLimiter(
        read_per_second=100,
        write_per_second=100,
        default_cost=10,
        costs={
            "POST /portfolio/orders": 20,
            "/portfolio/orders": 15,
            "DELETE /portfolio/orders/{order_id}": 5,
            "/markets/:ticker/orderbook": 3,
            "GET /markets/*": 2,
            "/markets/*": 4,
            "GET /markets/SPECIAL": 7,
        },
    )
    assert lim.cost_of("POST", "/trade-api/v2/portfolio/orders") == 20
    assert lim.cost_of("post", "/portfolio/orders/") == 20
    assert lim.cost_of("GET", "/trade-api/v2/portfolio/orders?limit=5") == 15
    assert lim.cost_of("DELETE", "/trade-api/v2/portfolio/orders/abc-123") == 5
    assert lim.cost_of("GET", "/portfolio/orders/abc-123") == 10
    assert lim.cost_of("GET", "/markets/KXBTC-25/orderbook") == 3
    assert lim.cost_of("GET", "/markets/KXBTC-25") == 2
    assert lim.cost_of("PUT", "/markets/KXBTC-25") == 4
    assert lim.cost_of("GET", "/markets/SPECIAL") == 7
    assert lim.cost_of("GET", "/markets") == 10
    assert lim.cost_of("GET", "markets/KXBTC-25/orderbook/deeper") == 10


def test_a_path_cost_given_as_a_full_trade_api_path_matches_relative_requests() -> None:
    lim = RateLimiter(
        read_per_second=100,
        write_per_second=100,
        costs={"POST /trade-api/v2/portfolio/orders/batched": 50},
    )
    assert lim.cost_of("POST", "/portfolio/orders/batched") == 50


def test_endpoint_path_normalises() -> None:
    assert endpoint_path("/trade-api/v2") == "/"
    assert endpoint_path("/trade-api/v2/") == "/"
    assert endpoint_path("/trade-api/v22/x#frag") == "/x"
    assert endpoint_path("/trade-api/v2x/y") == "/trade-api/v2x/y"


def test_endpoint_costs_are_charged() -> None:
    clock = FakeClock()
    lim = limiter(clock, costs={"POST /portfolio/orders": 25}, default_cost=5)
    lim.acquire("POST", "/portfolio/orders")
    lim.acquire("POST", "/portfolio/orders/batched")
    assert lim.available("POST") == 100 - 25 - 5
    lim.acquire("POST", "/portfolio/orders/batched", cost=40)
    assert lim.available("POST") == 100 - 25 - 5 - 40
    assert clock.sleeps == []


def test_zero_cost_requests_are_free() -> None:
    clock = FakeClock()
    lim = limiter(clock, costs={"GET /exchange/status": 0})
    for _ in range(1000):
        lim.acquire("GET", "/exchange/status")
    assert clock.sleeps == []
    assert lim.available("GET") == 100


def test_a_cost_given_at_acquire_above_the_burst_is_clamped_to_the_burst() -> None:
    clock = FakeClock()
    lim = limiter(clock)  # writes: 50 tokens/s, burst 100
    lim.acquire("POST", "/portfolio/orders/batched", cost=250)  # takes 100: the full bucket
    assert clock.sleeps == []
    assert lim.available("POST") == 0
    lim.acquire("POST", "/portfolio/orders/batched", cost=250)  # waits for a full bucket
    assert clock.sleeps == [pytest.approx(2.0)]  # 100 / 50
    clock.advance(2.0)
    assert lim.try_acquire("POST", "/x", cost=10**6)  # clamped too: fits a full bucket
    assert lim.available("POST") == pytest.approx(0)
    assert not lim.try_acquire("POST", "/x", cost=10**6)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"default_cost": 101}, r"default_cost is 101 tokens, more than the read bucket"),
        (
            {"default_cost": 20, "write_burst": 15},
            r"default_cost is 20 tokens, more than the write bucket holds \(write_burst=15\)",
        ),
        (
            {"costs": {"POST /portfolio/orders/batched": 101}},
            r"costs\['POST /portfolio/orders/batched'\] is 101 tokens, more than the write",
        ),
        ({"costs": {"GET /markets": 150}, "read_burst": 120}, r"read bucket holds"),
        ({"costs": {"/markets": 101}, "read_burst": 200}, r"write bucket holds"),  # any method
    ],
)
def test_a_known_cost_above_a_burst_is_refused_at_construction(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        limiter(FakeClock(), **options)


def test_a_cost_needs_to_fit_only_the_bucket_its_method_uses() -> None:
    lim = limiter(FakeClock(), read_burst=500, costs={"GET /markets": 400, "POST /x": 100})
    assert lim.cost_of("GET", "/markets") == 400
    assert lim.cost_of("POST", "/x") == 100


# --- waiting: no lock held, reservations in order, logging -------------------------------------


def test_waiting_requests_hold_a_reservation_and_sleep_without_the_lock() -> None:
    clock = FakeClock()
    lim = limiter(clock, read_burst=10)
    seen: list[tuple[float, bool]] = []

    def sleep(seconds: float) -> None:
        # Another thread, while this request sleeps: it must get the lock at once.
        def probe() -> None:
            seen.append((lim.available("GET"), lim.try_acquire("GET", "/markets", cost=0.5)))

        other = threading.Thread(target=probe)
        other.start()
        other.join(timeout=5)
        assert not other.is_alive(), "the limiter's lock was held while sleeping"
        clock.sleep(seconds)

    lim._sleep = sleep
    lim.acquire("GET", "/markets")
    lim.acquire("GET", "/markets")  # must wait 0.1 s
    assert seen == [(-10.0, False)]  # tokens reserved; try_acquire does not jump the queue
    assert clock.now == pytest.approx(1000.1)


def test_a_later_request_queues_behind_an_earlier_reservation() -> None:
    clock = FakeClock()
    lim = limiter(clock, read_burst=10)
    waits: list[tuple[str, float]] = []

    def sleep(seconds: float) -> None:
        waits.append((threading.current_thread().name, seconds))
        if len(waits) == 1:  # while the first request waits, a second one arrives
            second = threading.Thread(target=lim.acquire, args=("GET", "/x"), name="second")
            second.start()
            second.join(timeout=5)
            assert not second.is_alive()
        clock.sleep(seconds)

    lim._sleep = sleep
    lim.acquire("GET", "/x")
    lim.acquire("GET", "/x")  # first to wait: 0.1 s
    assert [name for name, _ in waits] == [threading.current_thread().name, "second"]
    # the second waits behind the first one's reservation
    assert [seconds for _, seconds in waits] == pytest.approx([0.1, 0.2])


def test_a_wait_is_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    lim = limiter(clock, read_burst=10)
    with caplog.at_level(logging.DEBUG, logger="requests_kalshi"):
        lim.acquire("GET", "/trade-api/v2/markets")
        assert caplog.records == []
        lim.acquire("get", "/trade-api/v2/markets")
    (record,) = caplog.records
    assert record.levelno == logging.DEBUG
    assert (
        record.getMessage() == "rate limit: GET /trade-api/v2/markets waits 0.100 s for 10 tokens"
    )


def test_repr_shows_the_budgets() -> None:
    assert repr(RateLimiter.for_tier("basic")) == (
        "RateLimiter(read_per_second=200, write_per_second=100, read_burst=200, "
        "write_burst=100, default_cost=10)"
    )


# --- bad configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"read_per_second": 0}, "read_per_second must be a finite number > 0"),
        ({"read_per_second": -5}, "read_per_second must be a finite number > 0"),
        ({"write_per_second": float("nan")}, "write_per_second must be a finite number > 0"),
        ({"write_per_second": float("inf")}, "write_per_second must be a finite number > 0"),
        ({"read_per_second": True}, "read_per_second must be a number, not True"),
        ({"read_per_second": "200"}, "read_per_second must be a number, not '200'"),
        ({"read_burst": 0}, "read_burst must be a finite number > 0"),
        ({"write_burst": -1}, "write_burst must be a finite number > 0"),
        ({"default_cost": -1}, "default_cost must be a finite number ≥ 0"),
        ({"costs": [("GET /x", 1)]}, "costs must be a mapping"),
        ({"costs": {"markets": 1}}, "cost key 'markets' is not 'METHOD /path'"),
        ({"costs": {"GET/markets": 1}}, "cost key 'GET/markets' is not 'METHOD /path'"),
        ({"costs": {"G3T /markets": 1}}, "cost key 'G3T /markets'"),
        ({"costs": {"GET /markets": -1}}, "costs['GET /markets'] must be a finite number ≥ 0"),
        ({"costs": {"GET /markets": None}}, "costs['GET /markets'] must be a number"),
        ({"costs": {1: 1}}, "cost keys must be strings"),
        ({"clock": 5}, "clock and sleep must be callables"),
    ],
)
def test_bad_configuration_is_a_clear_configuration_error(
    options: dict[str, Any], message: str
) -> None:
    settings: dict[str, Any] = {"read_per_second": 100, "write_per_second": 100}
    settings.update(options)
    with pytest.raises(ConfigurationError, match=re.escape(message)) as info:
        RateLimiter(**settings)
    assert isinstance(info.value, ValueError)


def test_bad_cost_at_acquire_is_a_configuration_error() -> None:
    lim = RateLimiter(read_per_second=100, write_per_second=100)
    with pytest.raises(ConfigurationError, match="cost must be a finite number ≥ 0"):
        lim.acquire("GET", "/markets", cost=-1)
    with pytest.raises(ConfigurationError, match="cost must be a number"):
        lim.try_acquire("GET", "/markets", cost="10")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["gold", "", "basic-plus", 5, None])
def test_unknown_tier_lists_the_valid_names(name: Any) -> None:
    with pytest.raises(ConfigurationError) as info:
        RateLimiter.for_tier(name)
    assert "basic, advanced, premier, paragon, prime" in str(info.value)
    assert repr(name) in str(info.value)


# --- resolve_rate_limit -----------------------------------------------------------------------


def test_resolve_rate_limit_accepts_every_documented_spec() -> None:
    assert resolve_rate_limit(None, None) is None
    assert resolve_rate_limit(False, None) is None
    ready = RateLimiter(read_per_second=10, write_per_second=10)
    assert resolve_rate_limit(ready, None) is ready
    tiered = resolve_rate_limit(" Premier ", None)
    assert tiered is not None
    assert tiered.read_per_second == TIERS["premier"][0]
    explicit = resolve_rate_limit(
        {"read_per_second": 50, "write_per_second": 20, "default_cost": 5}, None
    )
    assert explicit is not None
    assert (explicit.read_per_second, explicit.write_per_second) == (50, 20)
    assert (explicit.write_burst, explicit.default_cost) == (40, 5)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (True, "rate_limit must be None, a tier name"),
        (3, "rate_limit must be None, a tier name"),
        (["basic"], "rate_limit must be None, a tier name"),
        ("gold", "unknown rate-limit tier 'gold'"),
        ({"read_per_second": 5}, "rate_limit mapping lacks write_per_second"),
        ({}, "lacks read_per_second, write_per_second"),
        (
            {"read_per_second": 5, "write_per_second": 5, "burst": 3},
            "bad rate_limit mapping: .*'burst'",
        ),
        ({"read_per_second": 0, "write_per_second": 5}, "read_per_second must be"),
    ],
)
def test_resolve_rate_limit_rejects_anything_else(spec: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        resolve_rate_limit(spec, None)


def test_auto_needs_a_session() -> None:
    with pytest.raises(ConfigurationError, match="needs a session"):
        resolve_rate_limit("auto", None)


# --- from_account -----------------------------------------------------------------------------


@pytest.fixture
def kalshi() -> KalshiSession:
    return KalshiSession("demo", retry=RetryPolicy(total=0))


def mock_account(
    limits: object, costs: object = None, *, limits_status: int = 200, costs_status: int = 404
) -> None:
    for path, body, status in (
        ("/account/limits", limits, limits_status),
        ("/account/endpoint_costs", costs, costs_status if costs is None else 200),
    ):
        if isinstance(body, str):
            responses.get(BASE + path, body=body, status=status)
        else:
            responses.get(BASE + path, json=body, status=status)


@responses.activate
def test_from_account_reads_nested_buckets_and_endpoint_costs(kalshi: KalshiSession) -> None:
    mock_account(
        {
            "usage_tier": "advanced",
            "read": {"refill_rate": 300, "bucket_capacity": 300},
            "write": {"refill_rate": 300, "bucket_capacity": 600},
            "grants": [{"level": "advanced", "source": "volume", "exchange_instance": "x"}],
        },
        {
            "default_cost": 10,
            "endpoint_costs": [
                {"method": "POST", "path": "/trade-api/v2/portfolio/orders", "cost": 100},
                {
                    "method": "delete",
                    "path": "/trade-api/v2/portfolio/orders/{order_id}",
                    "cost": 5,
                },
                {"method": "GET", "path": "/markets/{ticker}/orderbook", "cost": 2},
                {"path": "/no-method", "cost": 1},
                {"method": "GET", "path": "/infinite", "cost": float("inf")},
                {"method": "GET", "path": "no-slash", "cost": 1},
                {"method": "G E T", "path": "/skipped", "cost": 1},
                {"method": "GET", "path": "/bad-cost", "cost": "ten"},
                "not an object",
            ],
        },
    )
    lim = resolve_rate_limit("auto", kalshi)
    assert lim is not None
    assert [call.request.url for call in responses.calls] == [
        BASE + "/account/limits",
        BASE + "/account/endpoint_costs",
        BASE + "/account/limits/perps",  # not mocked: margin keeps these figures
    ]
    assert (lim.read_per_second, lim.write_per_second) == (300, 300)
    assert (lim.read_burst, lim.write_burst) == (300, 600)
    assert lim.cost_of("POST", "/portfolio/orders") == 100
    assert lim.cost_of("DELETE", "/portfolio/orders/o-1") == 5
    assert lim.cost_of("GET", "/markets/T/orderbook") == 2
    assert lim.cost_of("GET", "/bad-cost") == 10
    assert lim.cost_of("GET", "/skipped") == 10
    assert lim.cost_of("GET", "/no-method") == 10
    assert lim.cost_of("GET", "/infinite") == 10


@responses.activate
def test_from_account_converts_the_flat_requests_per_second_shape(
    kalshi: KalshiSession,
) -> None:
    mock_account({"usage_tier": "basic", "read_limit": 20, "write_limit": 10})
    lim = RateLimiter.from_account(kalshi)
    assert (lim.read_per_second, lim.write_per_second) == (200, 100)
    assert lim.default_cost == 10


@responses.activate
def test_flat_shape_uses_the_accounts_default_cost(kalshi: KalshiSession) -> None:
    mock_account({"read_limit": 20, "write_limit": 10}, {"default_cost": 5, "endpoint_costs": []})
    lim = RateLimiter.from_account(kalshi)
    assert (lim.read_per_second, lim.write_per_second, lim.default_cost) == (100, 50, 5)


@responses.activate
def test_flat_numbers_are_always_requests_per_second(kalshi: KalshiSession) -> None:
    mock_account({"usage_tier": "Premier", "read_limit": 100, "write_limit": 100})
    lim = RateLimiter.from_account(kalshi)
    assert (lim.read_per_second, lim.write_per_second) == (1000, 1000)


@responses.activate
def test_from_account_overrides_win(kalshi: KalshiSession) -> None:
    mock_account(
        {"usage_tier": "basic", "read_limit": 20, "write_limit": 10},
        {"default_cost": 5, "endpoint_costs": [{"path": "/x", "cost": 3}]},
    )
    lim = RateLimiter.from_account(kalshi, write_burst=17, default_cost=10, costs={})
    assert (lim.read_per_second, lim.write_burst, lim.default_cost) == (200, 17, 10)
    assert lim.cost_of("GET", "/x") == 10


@responses.activate
def test_reported_costs_above_a_burst_are_lowered_to_it(kalshi: KalshiSession) -> None:
    mock_account(
        {"read": {"refill_rate": 50, "bucket_capacity": 60}, "write": {"refill_rate": 40}},
        {
            "default_cost": 70,
            "endpoint_costs": [
                {"method": "POST", "path": "/portfolio/orders/batched", "cost": 500},
                {"method": "GET", "path": "/markets", "cost": 75},
                {"method": "GET", "path": "/cheap", "cost": 3},
            ],
        },
    )
    lim = RateLimiter.from_account(kalshi)  # read burst 60, write burst 80 (two seconds)
    assert (lim.read_burst, lim.write_burst) == (60, 80)
    assert lim.cost_of("POST", "/portfolio/orders/batched") == 80
    assert lim.cost_of("GET", "/markets") == 60
    assert lim.cost_of("GET", "/cheap") == 3
    assert lim.default_cost == 60


@responses.activate
def test_an_explicit_cost_override_above_a_burst_is_still_refused(kalshi: KalshiSession) -> None:
    mock_account({"usage_tier": "basic", "read_limit": 20, "write_limit": 10})
    with pytest.raises(ConfigurationError, match="more than the write bucket holds"):
        RateLimiter.from_account(kalshi, costs={"POST /portfolio/orders": 500})


@responses.activate
@pytest.mark.parametrize(
    "costs",
    [
        {"status": 500, "json": {"error": "boom"}},
        {"status": 200, "body": "<html>not json</html>"},
        {"status": 200, "json": ["a", "list"]},
        {"status": 200, "json": {"endpoint_costs": "nope"}},
    ],
)
def test_unusable_endpoint_costs_are_tolerated(
    kalshi: KalshiSession, costs: dict[str, Any]
) -> None:
    responses.get(BASE + "/account/limits", json={"read_limit": 20, "write_limit": 10})
    responses.get(BASE + "/account/endpoint_costs", **costs)
    lim = RateLimiter.from_account(kalshi)
    assert (lim.read_per_second, lim.default_cost) == (200, 10)


@responses.activate
@pytest.mark.parametrize(
    "limits",
    [
        {"json": {"something": "else"}},
        {"json": {"usage_tier": "platinum"}},
        {"json": {"read_limit": 20}},
        {"json": {"read_limit": 0, "write_limit": 0}},
        {"json": [200, 100]},
        {"json": {"limits": {"x": 1}}},
        # shapes Kalshi never answered are not guessed at
        {"json": {"usage_tier": "advanced"}},
        {"json": {"tier": "Prime", "read": {"refill_rate": "lots"}, "write": {}}},
        {"json": {"limits": {"read_tokens_per_second": 50, "write_tokens_per_second": 25}}},
        {"json": {"read_tokens_per_second": 50, "write_tokens_per_second": 25}},
        {"json": {"read": {"per_second": 40}, "write": {"tokens_per_second": 20}}},
        {"json": {"read": {"refill_rate": float("nan")}, "write": {"refill_rate": 1}}},
    ],
)
def test_unreadable_limits_say_to_pass_a_tier(kalshi: KalshiSession, limits: Any) -> None:
    responses.get(BASE + "/account/limits", **limits)
    responses.get(BASE + "/account/endpoint_costs", status=404)
    with pytest.raises(ConfigurationError, match="cannot understand the rate limits") as info:
        RateLimiter.from_account(kalshi)
    assert "rate_limit='basic'" in str(info.value)


@responses.activate
@pytest.mark.parametrize(
    "reply",
    [
        {"status": 401, "json": {"error": {"code": "authentication_error"}}},
        {"status": 404, "json": {"code": "not_found", "message": "no route"}},
        {"status": 200, "body": "<html>gateway</html>"},
        {"body": requests.ConnectionError("refused")},
    ],
)
def test_limits_that_cannot_be_fetched_say_to_pass_a_tier(
    kalshi: KalshiSession, reply: dict[str, Any]
) -> None:
    responses.get(BASE + "/account/limits", **reply)
    with pytest.raises(ConfigurationError, match="could not read GET /account/limits") as info:
        RateLimiter.from_account(kalshi)
    assert "pass a tier instead" in str(info.value)


@responses.activate
def test_from_account_also_works_when_the_session_raises_typed_errors() -> None:
    kalshi = KalshiSession("demo", retry=RetryPolicy(total=0), raise_errors=True)
    responses.get(
        BASE + "/account/limits",
        json={"read": {"refill_rate": 300}, "write": {"refill_rate": 300}},
    )
    responses.get(BASE + "/account/endpoint_costs", status=404, json={"code": "not_found"})
    assert RateLimiter.from_account(kalshi).write_per_second == 300
    responses.replace(responses.GET, BASE + "/account/limits", status=403, json={})
    with pytest.raises(ConfigurationError, match="could not read"):
        RateLimiter.from_account(kalshi)


# --- threads ----------------------------------------------------------------------------------


def run_threads(count: int, target: Any) -> None:
    errors: list[BaseException] = []

    def guarded() -> None:
        try:
            target()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=guarded) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []


def test_no_token_is_lost_or_double_spent_under_contention() -> None:
    lim = RateLimiter(
        read_per_second=1,
        write_per_second=1,
        read_burst=100,
        default_cost=1,
        clock=lambda: 5.0,
        sleep=time.sleep,
    )
    granted: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def take() -> None:
        barrier.wait()
        for _ in range(50):
            result = lim.try_acquire("GET", "/markets", cost=1)
            with lock:
                granted.append(result)

    run_threads(8, take)
    assert granted.count(True) == 100
    assert lim.available("GET") == 0


def test_many_threads_acquiring_account_for_every_token() -> None:
    clock = FakeClock()
    lim = limiter(clock, read_burst=50)  # 100 tokens/s, 10 a request
    barrier = threading.Barrier(6)

    def take() -> None:
        barrier.wait()
        for _ in range(10):
            lim.acquire("GET", "/markets")

    run_threads(6, take)
    # 600 tokens taken; the fake clock moved by the sum of every sleep (threads overlap).
    elapsed = clock.now - 1000.0
    assert lim.available("GET") == pytest.approx(min(50.0, 50.0 - 600.0 + 100.0 * elapsed))
    assert elapsed >= (600 - 50) / 100 - 1e-9


def test_threads_with_a_real_clock_all_get_through() -> None:
    lim = RateLimiter(read_per_second=2000, write_per_second=2000, read_burst=20)
    count = 0
    lock = threading.Lock()

    def take() -> None:
        nonlocal count
        for _ in range(5):
            lim.acquire("GET", "/markets")
            with lock:
                count += 1

    run_threads(6, take)  # 300 tokens at 2000/s: about 0.14 s
    assert count == 30


# --- on the wire: the server counts what arrives ----------------------------------------------


def test_the_server_never_sees_more_than_the_budget_in_any_window() -> None:
    rate, burst, cost = 200.0, 20.0, 10.0  # reads: 20 a second, 2 at once
    write_rate, write_burst = 100.0, 10.0  # writes: 10 a second, 1 at once
    arrivals: list[tuple[str, float]] = []
    lock = threading.Lock()

    def respond(received: Received) -> Reply:
        with lock:
            arrivals.append((received.method, time.monotonic()))
        return json_reply(200, {"ok": True})

    lim = RateLimiter(
        read_per_second=rate,
        write_per_second=write_rate,
        read_burst=burst,
        write_burst=write_burst,
        default_cost=cost,
    )
    with LoopbackServer(respond).running() as server:

        def reader() -> None:
            with requests.Session() as http:
                for _ in range(4):
                    lim.acquire("GET", "/trade-api/v2/markets")
                    http.get(server.url + "/trade-api/v2/markets", timeout=5).raise_for_status()

        def writer() -> None:
            with requests.Session() as http:
                for _ in range(4):
                    lim.acquire("POST", "/trade-api/v2/portfolio/orders")
                    http.post(server.url + "/trade-api/v2/portfolio/orders", json={}, timeout=5)

        threads = [threading.Thread(target=reader) for _ in range(3)]
        threads.append(threading.Thread(target=writer))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads)

    reads = sorted(t for method, t in arrivals if method == "GET")
    writes = sorted(t for method, t in arrivals if method == "POST")
    assert (len(reads), len(writes)) == (12, 4)
    # A request may reach the server some time after the limiter let it go; allow that much.
    transit = 0.1
    for times, per_second, capacity in ((reads, rate, burst), (writes, write_rate, write_burst)):
        for window in (0.05, 0.1, 0.2):
            allowed = int((capacity + per_second * (window + transit)) // cost)
            busiest = max(sum(1 for t in times if start <= t <= start + window) for start in times)
            assert busiest <= allowed, (window, busiest, allowed)
    # Without the limiter, all 12 reads and all 4 writes would arrive within a few milliseconds.
    assert int((burst + rate * (0.05 + transit)) // cost) == 5
    assert int((write_burst + write_rate * (0.05 + transit)) // cost) == 2


@responses.activate
def test_nested_buckets_without_capacities_get_the_default_bursts(kalshi: KalshiSession) -> None:
    mock_account({"read": {"refill_rate": 40}, "write": {"refill_rate": 20}})
    lim = RateLimiter.from_account(kalshi)
    assert (lim.read_per_second, lim.write_per_second) == (40, 20)
    assert (lim.read_burst, lim.write_burst) == (40, 40)


@responses.activate
def test_a_long_unreadable_body_is_shortened_in_the_message(kalshi: KalshiSession) -> None:
    mock_account({"junk": "x" * 5000})
    with pytest.raises(ConfigurationError) as info:
        RateLimiter.from_account(kalshi)
    assert "x" * 150 + "…" in str(info.value)
    assert len(str(info.value)) < 500


def test_reserve_takes_the_tokens_now_and_says_how_long_to_wait() -> None:
    clock = FakeClock()
    lim = limiter(clock)  # reads: 100 tokens/s, burst 100, cost 10
    assert [lim.reserve("GET", "/markets") for _ in range(10)] == [0.0] * 10
    assert lim.reserve("GET", "/markets") == pytest.approx(0.1)
    assert lim.reserve("GET", "/markets", cost=500) == pytest.approx(1.1)  # clamped to 100
    assert lim.available("GET") == pytest.approx(-110)
    assert clock.sleeps == []  # reserving never sleeps
    lim.acquire("GET", "/markets")  # queued behind both reservations
    assert clock.sleeps == [pytest.approx(1.2)]
    assert lim.reserve("DELETE", "/margin/orders/x") == 0.0  # margin: its own buckets
    assert lim.margin is not None
    assert lim.margin.available("DELETE", "/margin/orders/x") == 99
    with pytest.raises(ConfigurationError, match="cost must be"):
        lim.reserve("GET", "/markets", cost=-1)
