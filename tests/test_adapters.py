"""One behavioural suite, run against every client: requests, httpx and httpx async.

Real loopback servers; every signature checked by the independent verifier.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from typing import Any

import httpx
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519

from requests_kalshi import (
    KalshiAPIError,
    KalshiAuth,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    UntrustedHostError,
)
from requests_kalshi import httpx as kalshi_httpx
from requests_kalshi.testing import LocalExchange

from .adapters import ADAPTERS, BARE, Adapter, Call
from .conftest import KEY_ID
from .loopback import LoopbackServer, Received, Reply, json_reply
from .scripted import OK, ScriptedServer, slow, ticking_clock
from .test_clock_skew import window_check

FOREIGN = "evil.test"
TOO_MANY = json_reply(429, {"error": "too many requests"})
UNAVAILABLE = json_reply(503, {"error": {"code": "service_unavailable", "message": "down"}})
QUICK = RetryPolicy(backoff_factor=0.01)
TRANSPORT_ERRORS = (requests.RequestException, httpx.TransportError)


@pytest.fixture(params=ADAPTERS, ids=lambda adapter: adapter.name)
def adapter(request: pytest.FixtureRequest) -> Adapter:
    chosen: Adapter = request.param
    return chosen


@pytest.fixture
def auth(ed_key: ed25519.Ed25519PrivateKey) -> KalshiAuth:
    return KalshiAuth(KEY_ID, ed_key)


@pytest.fixture
def foreign_host(monkeypatch: pytest.MonkeyPatch) -> str:
    """``evil.test``: not loopback to any signer, but resolved to 127.0.0.1 in this test."""
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        # anyio (under httpx's async transport) passes the name IDNA-encoded, as bytes.
        return real("127.0.0.1" if host in (FOREIGN, FOREIGN.encode()) else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return FOREIGN


def no_kalshi_headers(received: Received) -> bool:
    return not any(name.lower().startswith("kalshi-access-") for name in received.headers)


def redirect(status: int, location: str) -> Reply:
    return status, {"Location": location, "Content-Length": "0"}, b""


# --- signing --------------------------------------------------------------------------------


def test_every_request_is_signed_for_the_path_sent(
    adapter: Adapter, ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    calls = [
        Call("GET", "/markets", {"params": {"limit": 5, "status": "open"}}),
        Call("POST", "portfolio/orders", {"json": {"ticker": "KX", "count": 1}}),
        Call("DELETE", "/trade-api/v2/portfolio/orders/a%20b"),
        Call("GET", "/trade-api/ws/v2"),
    ]
    with ScriptedServer(ed_key.public_key(), KEY_ID).running() as server:
        answers = adapter.run(server.url, auth, calls)
    assert [a.status for a in answers] == [200] * 4
    assert [(r.method, r.path) for r in server.received] == [
        ("GET", "/trade-api/v2/markets"),
        ("POST", "/trade-api/v2/portfolio/orders"),
        ("DELETE", "/trade-api/v2/portfolio/orders/a%20b"),
        ("GET", "/trade-api/ws/v2"),
    ]
    assert server.received[0].target.endswith("?limit=5&status=open")
    assert None not in server.timestamps()
    assert json.loads(server.received[1].body) == {"ticker": "KX", "count": 1}


def test_a_double_slash_path_stays_on_the_host(
    adapter: Adapter, ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    with ScriptedServer(ed_key.public_key(), KEY_ID).running() as server:
        assert adapter.one(server.url, auth, "GET", "//evil.example/x").status == 200
    assert server.received[0].path == "/trade-api/v2/evil.example/x"
    assert None not in server.timestamps()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://evil.example/trade-api/v2/markets", "not among the hosts this auth signs for"),
        ("http://external-api.kalshi.com/trade-api/v2/markets", "https"),
    ],
)
def test_untrusted_hosts_are_refused_before_sending(
    adapter: Adapter, auth: KalshiAuth, url: str, message: str
) -> None:
    with pytest.raises(UntrustedHostError, match=message):
        adapter.one("http://127.0.0.1:9/trade-api/v2", auth, "GET", url, retries=0)


# --- retries --------------------------------------------------------------------------------


def test_each_retry_is_signed_anew(adapter: Adapter, ed_key: ed25519.Ed25519PrivateKey) -> None:
    auth = KalshiAuth(KEY_ID, ed_key, clock=ticking_clock())
    script = [TOO_MANY, UNAVAILABLE]
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        assert adapter.one(server.url, auth, "GET", "/markets", retry=QUICK).status == 200
    stamps = server.timestamps()
    assert len(stamps) == 3
    assert None not in stamps
    assert stamps == sorted(set(stamps))  # type: ignore[type-var]  # a new timestamp each time


def test_a_post_that_may_have_reached_the_server_is_sent_once(
    adapter: Adapter, ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    with ScriptedServer(ed_key.public_key(), KEY_ID, [UNAVAILABLE]).running() as server:
        answer = adapter.one(server.url, auth, "POST", "/portfolio/orders", retry=QUICK)
    assert answer.status == 503
    assert len(server.received) == 1


def test_a_post_refused_with_429_is_retried_with_its_body(
    adapter: Adapter, ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    calls = [Call("POST", "/portfolio/orders", {"content": b'{"client_order_id":"c1"}'})]
    with ScriptedServer(ed_key.public_key(), KEY_ID, [TOO_MANY]).running() as server:
        if adapter.name == "requests":
            calls = [Call("POST", "/portfolio/orders", {"data": b'{"client_order_id":"c1"}'})]
        assert adapter.run(server.url, auth, calls, retry=QUICK)[0].status == 200
    assert [r.body for r in server.received] == [b'{"client_order_id":"c1"}'] * 2
    assert None not in server.timestamps()


@pytest.mark.parametrize(("method", "attempts"), [("GET", 2), ("POST", 1)])
def test_read_timeouts_are_retried_for_idempotent_methods_only(
    adapter: Adapter,
    ed_key: ed25519.Ed25519PrivateKey,
    auth: KalshiAuth,
    method: str,
    attempts: int,
) -> None:
    script = [slow(0.6), slow(0.6)]
    options: dict[str, Any] = {"retry": RetryPolicy(total=1, backoff_factor=0.01)}
    options["timeout"] = (2.0, 0.2)
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        with pytest.raises(TRANSPORT_ERRORS):
            adapter.one(server.url, auth, method, "/portfolio/orders", **options)
        time.sleep(0.7)  # let the server finish the slow answers before it stops
    assert len(server.received) == attempts


def test_retries_give_up_after_total(
    adapter: Adapter, ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    with ScriptedServer(ed_key.public_key(), KEY_ID, [TOO_MANY] * 5).running() as server:
        policy = RetryPolicy(total=2, backoff_factor=0.01)
        assert adapter.one(server.url, auth, "GET", "/markets", retry=policy).status == 429
    assert len(server.received) == 3


# --- redirects ------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "new_method"), [(303, "GET"), (307, "POST")])
def test_a_same_host_redirect_is_signed_for_its_own_method_and_path(
    adapter: Adapter,
    ed_key: ed25519.Ed25519PrivateKey,
    auth: KalshiAuth,
    status: int,
    new_method: str,
) -> None:
    script = [redirect(status, "/trade-api/v2/portfolio/orders/moved?x=1")]
    calls = [Call("POST", "/portfolio/orders", {"json": {"a": 1}})]
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        answers = adapter.run(server.url, auth, calls, follow_redirects=True)
    assert answers[0].status == 200
    first, second = server.received
    assert first.method == "POST"
    assert (second.method, second.path) == (new_method, "/trade-api/v2/portfolio/orders/moved")
    assert None not in server.timestamps()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_foreign_redirect_carries_no_signature(
    adapter: Adapter,
    ed_key: ed25519.Ed25519PrivateKey,
    auth: KalshiAuth,
    foreign_host: str,
    status: int,
) -> None:
    with LoopbackServer().running() as evil:
        location = evil.url.replace("127.0.0.1", foreign_host) + "/steal"
        script = [redirect(status, location)]
        with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
            answer = adapter.one(server.url, auth, "GET", "/markets", follow_redirects=True)
    assert answer.status == 200
    assert len(evil.received) == 1
    assert no_kalshi_headers(evil.received[0])


@pytest.mark.parametrize("bare", list(BARE), ids=list(BARE))
@pytest.mark.parametrize("status", [302, 307])
def test_a_bare_client_with_only_the_auth_never_leaks_on_a_redirect(
    bare: str,
    ed_key: ed25519.Ed25519PrivateKey,
    auth: KalshiAuth,
    foreign_host: str,
    status: int,
) -> None:
    with LoopbackServer().running() as evil:
        location = evil.url.replace("127.0.0.1", foreign_host) + "/steal"
        script = [redirect(status, "/trade-api/v2/moved"), redirect(status, location)]
        with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
            assert BARE[bare](auth, server.url + "/portfolio/orders", "POST").status == 200
    assert [r.path for r in server.received] == [
        "/trade-api/v2/portfolio/orders",
        "/trade-api/v2/moved",
    ]
    assert None not in server.timestamps()  # the same-host hop is signed for its own path
    assert len(evil.received) == 1
    assert no_kalshi_headers(evil.received[0])


# --- clock ----------------------------------------------------------------------------------


def test_a_refused_timestamp_corrects_the_clock_and_retries_once(
    adapter: Adapter, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    behind = KalshiAuth(KEY_ID, ed_key, clock_offset=-120.0)
    checks = [window_check(ed_key.public_key())] * 3
    with ScriptedServer(ed_key.public_key(), KEY_ID, checks).running() as server:
        calls = [Call("GET", "/portfolio/balance"), Call("GET", "/portfolio/balance")]
        answers = adapter.run(server.url, behind, calls)
    assert [a.status for a in answers] == [200, 200]
    assert len(server.received) == 3  # one refusal, then in step
    assert abs(adapter.clock_offset(behind)) < 1.6
    assert None not in server.timestamps()


def test_a_clock_that_stays_refused_is_not_retried_forever(
    adapter: Adapter, ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    expired = json_reply(
        401, {"error": {"code": "header_timestamp_expired", "message": "expired"}},
        {"Date": "Sun, 06 Nov 1994 08:49:37 GMT"},
    )  # fmt: skip
    with ScriptedServer(ed_key.public_key(), KEY_ID, [expired] * 5).running() as server:
        assert adapter.one(server.url, auth, "GET", "/portfolio/balance").status == 401
    assert len(server.received) <= 2


# --- rate limiting --------------------------------------------------------------------------


def test_the_limiter_paces_requests(
    adapter: Adapter, ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    limits = {"read_per_second": 100, "write_per_second": 100, "read_burst": 10}
    # 10 tokens each: the last three reads wait 0.1 s each; the write has its own bucket.
    calls = [Call("GET", "/markets")] * 4 + [Call("POST", "/portfolio/orders")]
    with ScriptedServer(ed_key.public_key(), KEY_ID).running() as server:
        started = time.monotonic()
        adapter.run(server.url, auth, calls, rate_limit=limits)
        elapsed = time.monotonic() - started
    assert elapsed >= 0.28
    assert len(server.received) == 5


def test_each_request_is_signed_after_its_wait_for_the_limiter(
    adapter: Adapter, ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    arrivals: list[float] = []

    def arrive(received: Received) -> Reply:
        arrivals.append(time.time())
        return OK

    # 10 tokens a request, 10 a second, a burst of 10: the 2nd and 3rd wait 1 s each.
    limits = {"read_per_second": 10, "write_per_second": 10, "read_burst": 10}
    server = ScriptedServer(ed_key.public_key(), KEY_ID, [arrive] * 3)
    with server.running():
        adapter.run(server.url, auth, [Call("GET", "/markets")] * 3, rate_limit=limits)
    stamps = server.timestamps()
    assert None not in stamps
    assert arrivals[-1] - arrivals[0] >= 1.8  # the second and third waited 1 s each
    lags = [arrival - stamp / 1000 for arrival, stamp in zip(arrivals, stamps, strict=True)]  # type: ignore[operator]
    assert max(lags) < 0.6, lags  # signed after the 1 s wait, not before it


def test_the_async_limiter_never_blocks_the_loop(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    # 10 tokens a request, 20 a second, a burst of 10: the 2nd and 3rd wait 0.5 s each.
    limits = {"read_per_second": 20, "write_per_second": 20, "read_burst": 10}
    http_auth = kalshi_httpx.KalshiAuth.from_requests_auth(auth)

    async def main(url: str) -> list[float]:
        ticks: list[float] = []

        async def ticker() -> None:
            while True:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        counting = asyncio.create_task(ticker())
        async with kalshi_httpx.async_client(url, auth=http_auth, rate_limit=limits) as c:
            await asyncio.gather(*(c.get("/markets") for _ in range(3)))
        counting.cancel()
        return ticks

    with ScriptedServer(ed_key.public_key(), KEY_ID).running() as server:
        ticks = asyncio.run(main(server.url))
    assert len(server.received) == 3
    assert ticks[-1] - ticks[0] >= 0.9  # the requests did wait for their tokens
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert max(gaps) < 0.3  # a blocking wait would have stopped the loop for 0.5 s


# --- typed errors ---------------------------------------------------------------------------


def test_typed_errors(
    adapter: Adapter, ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    missing = json_reply(404, {"error": {"code": "not_found", "message": "no such market"}})
    with ScriptedServer(
        ed_key.public_key(), KEY_ID, [missing, TOO_MANY, UNAVAILABLE]
    ).running() as server:
        with pytest.raises(NotFoundError) as info:
            adapter.one(server.url, auth, "GET", "/markets/NOPE", raise_errors=True)
        error = info.value
        assert (error.status, error.code, error.message) == (404, "not_found", "no such market")
        assert "GET /trade-api/v2/markets/NOPE" in str(error)
        assert error.response is not None
        policy = RetryPolicy(total=0)
        with pytest.raises(RateLimitError):
            adapter.one(server.url, auth, "GET", "/markets", raise_errors=True, retry=policy)
        with pytest.raises(ServerError) as server_error:
            adapter.one(server.url, auth, "POST", "/portfolio/orders", raise_errors=True)
        assert "may or may not have acted" in str(server_error.value)
    assert "KALSHI-ACCESS-SIGNATURE" not in str(error)


def test_without_raise_errors_error_responses_are_returned(
    adapter: Adapter, ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    missing = json_reply(404, {"error": {"code": "not_found", "message": "no such market"}})
    with ScriptedServer(ed_key.public_key(), KEY_ID, [missing]).running() as server:
        assert adapter.one(server.url, auth, "GET", "/markets/NOPE").status == 404


# --- the local exchange ---------------------------------------------------------------------


def test_the_local_exchange_accepts_every_client(adapter: Adapter) -> None:
    with LocalExchange(key_type="ed25519") as exchange:
        answers = adapter.run(
            exchange.url,
            exchange.auth,
            [Call("GET", "/portfolio/balance"), Call("GET", "/markets", {"params": {"limit": 2}})],
        )
    assert [a.status for a in answers] == [200, 200]
    assert b'"balance"' in answers[0].body


def test_a_wrong_key_gets_a_typed_authentication_error(adapter: Adapter) -> None:
    stranger = ed25519.Ed25519PrivateKey.generate()
    with LocalExchange(key_type="ed25519") as exchange:
        auth = KalshiAuth(exchange.auth.key_id, stranger)
        with pytest.raises(KalshiAPIError) as info:
            adapter.one(exchange.url, auth, "GET", "/portfolio/balance", raise_errors=True)
    assert info.value.status == 401
