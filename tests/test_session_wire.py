"""KalshiSession against real loopback servers: timeouts and rate limiting.

Clock skew, pagination and load have their own files (test_clock_skew, test_pagination,
test_load); retries and redirects too (test_retries, test_redirects).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519
from requests.adapters import HTTPAdapter

from requests_kalshi import ConfigurationError, KalshiAuth, KalshiSession, RetryPolicy, session
from requests_kalshi.sessions import DEFAULT_TIMEOUT
from requests_kalshi.testing import LocalExchange

from .conftest import KEY_ID
from .loopback import LoopbackServer, json_reply
from .scripted import ScriptedServer


class RecordingAdapter(HTTPAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[Any] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.timeouts.append(kwargs.get("timeout"))
        return super().send(request, **kwargs)


def test_every_request_has_a_timeout_unless_told_otherwise() -> None:
    with LoopbackServer().running() as server:
        s = session(server.url, environ={})
        adapter = RecordingAdapter()
        s.mount("http://", adapter)
        s.get("/exchange/status")
        s.get("/exchange/status", timeout=5)
        s.get("/exchange/status", timeout=None)
        s.timeout = 7
        s.get("/exchange/status")
        s.send(requests.Request("GET", server.url + "/x").prepare())
        assert session(server.url, timeout=(1, 2), environ={}).timeout == (1, 2)
    assert adapter.timeouts == [DEFAULT_TIMEOUT, 5, None, 7, 7]


def test_rate_limited_session_stays_inside_the_servers_budget() -> None:
    """The exchange answers 429 past 400 read tokens/s; a session paced at 300 never gets one."""
    from requests_kalshi.ratelimit import RateLimiter
    from requests_kalshi.testing import RateLimit

    with LocalExchange(
        key_type="ed25519", rate_limit=RateLimit(read_per_second=400, write_per_second=400)
    ) as ex:
        limiter = RateLimiter(read_per_second=300, write_per_second=300, read_burst=300)
        s = ex.session(rate_limit=limiter, retries=0)
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                for _ in range(20):
                    s.get("/exchange/status")
            except BaseException as error:
                errors.append(error)

        pool = [threading.Thread(target=worker) for _ in range(3)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        statuses = [r.status for r in ex.requests]
        assert errors == []
        assert statuses == [200] * 60

        unpaced = ex.session(retries=0)
        burst = [unpaced.get("/exchange/status").status_code for _ in range(150)]
        assert 429 in burst  # the same server does refuse an unpaced burst


def test_rate_limit_auto_reads_the_account_limits() -> None:
    from requests_kalshi.ratelimit import RateLimiter
    from requests_kalshi.testing import RateLimit

    with LocalExchange(key_type="ed25519", rate_limit=RateLimit(tier="advanced")) as ex:
        s = ex.session(rate_limit="auto")
        limiter = s.rate_limiter
        assert isinstance(limiter, RateLimiter)
        assert (limiter.read_per_second, limiter.write_per_second) == (300, 300)
        assert (limiter.read_burst, limiter.write_burst) == (300, 600)
        assert limiter.cost_of("DELETE", "/portfolio/events/orders/abc") == 2
        assert limiter.cost_of("POST", "/portfolio/events/orders") == 10
        assert s.get("/portfolio/balance").ok
        paths = [r.path for r in ex.requests]
        assert paths[:2] == ["/trade-api/v2/account/limits", "/trade-api/v2/account/endpoint_costs"]


def test_timeout_given_positionally_is_kept() -> None:
    with LoopbackServer().running() as server:
        s = session(server.url, environ={})
        adapter = RecordingAdapter()
        s.mount("http://", adapter)
        # method, url, params, data, headers, cookies, files, auth, timeout
        assert s.request("GET", "/x", None, None, None, None, None, None, 4).ok
        assert s.request("GET", "/x", None, None, None, None, None, None).ok
    assert adapter.timeouts == [4, DEFAULT_TIMEOUT]


class RecordingLimiter:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def acquire(self, method: str, path: str) -> None:
        self.calls.append((method, path))


def test_the_limiter_is_asked_before_every_attempt(ed_key: ed25519.Ed25519PrivateKey) -> None:
    limiter = RecordingLimiter()
    script = [json_reply(429, {"error": "too many requests"})] * 2
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        s = KalshiSession(
            server.url, auth=KalshiAuth(KEY_ID, ed_key), rate_limit=limiter, sleep=lambda _: None
        )
        assert s.rate_limiter is limiter
        assert s.get("/markets", params={"limit": 1}).ok
        assert s.post("/portfolio/orders", json={}).ok
    assert limiter.calls == [("GET", "/trade-api/v2/markets")] * 3 + [
        ("POST", "/trade-api/v2/portfolio/orders")
    ]
    assert None not in server.timestamps()


def test_rate_limit_option_values() -> None:
    from requests_kalshi import RateLimiter

    assert KalshiSession("demo").rate_limiter is None
    assert KalshiSession("demo", rate_limit=False).rate_limiter is None
    basic = KalshiSession("demo", rate_limit="basic").rate_limiter
    assert isinstance(basic, RateLimiter)
    assert basic.read_per_second == 200
    assert isinstance(session("demo", rate_limit="advanced", environ={}).rate_limiter, RateLimiter)
    with pytest.raises(ConfigurationError, match="rate_limit must be"):
        KalshiSession("demo", rate_limit=object())
    with pytest.raises(ConfigurationError):
        KalshiSession("demo", rate_limit="platinum")


def test_allowed_hosts_reaches_the_auth(ed_key: ed25519.Ed25519PrivateKey) -> None:
    s = session("demo", key_id=KEY_ID, private_key=ed_key, allowed_hosts=["proxy.example"])
    assert isinstance(s.auth, KalshiAuth)
    assert s.auth.signs_for("https://proxy.example/trade-api/v2/markets")
    assert not s.auth.signs_for("https://other.example/trade-api/v2/markets")


def test_session_options_that_would_be_ignored_are_refused(
    ed_key: ed25519.Ed25519PrivateKey,
) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    with pytest.raises(ConfigurationError, match="pass them to KalshiAuth"):
        session("demo", auth=auth, allowed_hosts=["proxy.example"])
    with pytest.raises(ConfigurationError, match="pass them to KalshiAuth"):
        session("demo", auth=auth, password="secret")
    with pytest.raises(ConfigurationError, match="allowed_hosts= was given without credentials"):
        session("demo", allowed_hosts=["proxy.example"], environ={})
    with pytest.raises(ConfigurationError, match="either retry= or retries="):
        session("demo", retries=5, retry=RetryPolicy(), environ={})
    assert session("demo", retry=RetryPolicy(total=1), environ={}).retry.total == 1
    assert session("demo", retries=0, environ={}).retry.total == 0


def test_every_redirect_hop_waits_for_the_limiter(ed_key: ed25519.Ed25519PrivateKey) -> None:
    limiter = RecordingLimiter()
    moved = (303, {"Location": "/trade-api/v2/b", "Content-Length": "0"}, b"")
    with ScriptedServer(ed_key.public_key(), KEY_ID, [moved]).running() as server:
        s = KalshiSession(server.url, auth=KalshiAuth(KEY_ID, ed_key), rate_limit=limiter)
        assert s.post("/a", json={}).ok
    assert limiter.calls == [("POST", "/trade-api/v2/a"), ("GET", "/trade-api/v2/b")]
    assert None not in server.timestamps()
