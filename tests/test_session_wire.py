"""KalshiSession against real loopback servers: timeouts, clock skew, pagination, load."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from requests.adapters import HTTPAdapter

from requests_kalshi import (
    ConfigurationError,
    KalshiAuth,
    KalshiError,
    KalshiSession,
    NotFoundError,
    TimestampExpiredError,
    session,
)
from requests_kalshi.session import DEFAULT_TIMEOUT
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


@pytest.fixture
def exchange() -> Any:
    with LocalExchange(key_type="ed25519") as ex:
        yield ex


def test_stale_timestamp_is_corrected_and_retried_once(
    exchange: LocalExchange, caplog: pytest.LogCaptureFixture
) -> None:
    exchange.auth.clock_offset = -120.0  # the local clock is two minutes behind
    s = exchange.session()
    with caplog.at_level(logging.WARNING, logger="requests_kalshi"):
        r = s.get("/portfolio/balance")
    assert r.status_code == 200
    assert [x.auth for x in exchange.requests] == ["expired", "ok"]
    assert abs(exchange.auth.clock_offset) < 1.5
    assert "clock is off by +120" in caplog.text or "clock is off by +119" in caplog.text
    assert s.get("/portfolio/balance").ok
    assert len(exchange.requests) == 3  # later requests need no second try


def test_clock_correction_happens_once_per_request(exchange: LocalExchange) -> None:
    exchange.auth.clock_offset = -120.0
    s = exchange.session(correct_clock=False, raise_errors=True)
    with pytest.raises(TimestampExpiredError) as info:
        s.get("/portfolio/balance")
    assert info.value.clock_offset is not None
    assert 118 < info.value.clock_offset < 122
    assert len(exchange.requests) == 1


def test_sync_clock(exchange: LocalExchange) -> None:
    exchange.clock_offset = 60.0  # the server is a minute ahead
    s = exchange.session()
    offset = s.sync_clock()
    assert 58.5 < offset < 61.5
    assert exchange.auth.clock_offset == offset
    assert s.get("/portfolio/balance").ok
    assert exchange.requests[-1].auth == "ok"
    with pytest.raises(ConfigurationError, match="needs a session with a KalshiAuth"):
        session(exchange.url, environ={}).sync_clock()


def test_sync_clock_without_date_header(ed_key: ed25519.Ed25519PrivateKey) -> None:
    with LoopbackServer().running() as server:
        s = KalshiSession(server.url, auth=KalshiAuth(KEY_ID, ed_key))
        s.mount("http://", NoDateAdapter())
        with pytest.raises(ConfigurationError, match="no usable Date header"):
            s.sync_clock()


class NoDateAdapter(HTTPAdapter):
    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        response = super().send(request, **kwargs)
        del response.headers["Date"]
        return response


def test_paginate_across_pages(exchange: LocalExchange) -> None:
    s = exchange.session()
    everything = list(s.paginate("/markets", params={"limit": 40}))
    tickers = [m["ticker"] for m in everything]
    assert len(tickers) == len(set(tickers)) > 80
    pages = [r for r in exchange.requests if r.path.endswith("/markets")]
    assert len(pages) == -(-len(tickers) // 40)
    assert all(r.auth == "ok" for r in pages)
    assert [r.query.get("cursor") is None for r in pages][:2] == [True, False]


def test_paginate_limits(exchange: LocalExchange) -> None:
    s = exchange.session()
    assert len(list(s.paginate("/markets", limit=7))) == 7
    assert exchange.requests[-1].query["limit"] == "7"
    assert len(list(s.paginate("/markets", params={"limit": 5}, max_pages=3))) == 15
    assert len(list(s.paginate("/markets", params={"limit": 5}, key="markets", limit=12))) == 12
    with pytest.raises(KalshiError, match="no list field 'orders'"):
        next(s.paginate("/markets", key="orders"))
    with pytest.raises(ConfigurationError, match="max_pages must be"):
        next(s.paginate("/markets", max_pages=0))
    with pytest.raises(NotFoundError):
        next(s.paginate("/nothing-here"))


def test_paginate_needs_to_know_the_field(ed_key: ed25519.Ed25519PrivateKey) -> None:
    replies = LoopbackServer(lambda r: json_reply(200, {"a": [1], "b": [2], "cursor": ""}))
    with replies.running():
        s = KalshiSession(replies.url + "/trade-api/v2", auth=KalshiAuth(KEY_ID, ed_key))
        with pytest.raises(KalshiError, match="pass key="):
            next(s.paginate("/x"))
        assert list(s.paginate("/x", key="b")) == [2]
    other = LoopbackServer(lambda r: json_reply(200, [1, 2]))
    with other.running():
        s = KalshiSession(other.url + "/trade-api/v2")
        with pytest.raises(KalshiError, match="not answer with a JSON object"):
            next(s.paginate("/x"))


@pytest.mark.parametrize(("key_type", "threads", "each"), [("ed25519", 8, 200), ("rsa", 4, 25)])
def test_load_one_session_many_threads(
    ed_key: ed25519.Ed25519PrivateKey,
    rsa_key: rsa.RSAPrivateKey,
    key_type: str,
    threads: int,
    each: int,
) -> None:
    key = ed_key if key_type == "ed25519" else rsa_key
    errors: list[BaseException] = []
    with ScriptedServer(key.public_key(), KEY_ID).running() as server:
        s = KalshiSession(server.url, auth=KalshiAuth(KEY_ID, key))

        def worker(n: int) -> None:
            try:
                for i in range(each):
                    r = s.get(f"/markets/T{n}-{i}")
                    assert r.status_code == 200
            except BaseException as error:
                errors.append(error)

        pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        stamps = server.timestamps()
    assert errors == []
    assert len(server.received) == threads * each
    assert None not in stamps
    paths = {r.path for r in server.received}
    assert len(paths) == threads * each  # none lost, none duplicated


def test_rate_limited_session_stays_inside_the_servers_budget() -> None:
    """The exchange answers 429 past 40 reads/s; a session paced at 30/s never gets one."""
    from requests_kalshi.ratelimit import RateLimiter
    from requests_kalshi.testing import RateLimit

    with LocalExchange(key_type="ed25519", rate_limit=RateLimit(40, 40)) as ex:
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
    from requests_kalshi.testing import RateLimit

    with LocalExchange(key_type="ed25519", rate_limit=RateLimit(30, 15, tier="advanced")) as ex:
        s = ex.session(rate_limit="auto")
        assert s.rate_limiter is not None
        assert s.get("/portfolio/balance").ok
        assert ex.requests[0].path.endswith("/account/limits")
