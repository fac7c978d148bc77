"""Session-level retries: which failures are retried, and every attempt signed anew."""

from __future__ import annotations

import io
import logging
import socket
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from requests.adapters import HTTPAdapter

from requests_kalshi import (
    ConfigurationError,
    KalshiAuth,
    KalshiSession,
    RateLimitError,
    ServerError,
)
from requests_kalshi.retry import RetryPolicy, not_sent

from .conftest import KEY_ID
from .loopback import json_reply
from .scripted import ScriptedServer, slow, ticking_clock

TOO_MANY = json_reply(429, {"error": "too many requests"})
UNAVAILABLE = json_reply(503, {"error": {"code": "service_unavailable", "message": "x"}})


@pytest.fixture
def auth(ed_key: ed25519.Ed25519PrivateKey) -> KalshiAuth:
    return KalshiAuth(KEY_ID, ed_key, clock=ticking_clock())


def make_session(
    url: str, auth: KalshiAuth | None, sleeps: list[float], **options: object
) -> KalshiSession:
    return KalshiSession(url, auth=auth, sleep=sleeps.append, jitter=lambda: 0.5, **options)  # type: ignore[arg-type]


def test_get_429_429_200_is_three_attempts_each_freshly_signed(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    sleeps: list[float] = []
    with ScriptedServer(ed_key.public_key(), KEY_ID, [TOO_MANY, TOO_MANY]).running() as server:
        r = make_session(server.url, auth, sleeps).get("/portfolio/balance")
        assert r.status_code == 200
        stamps = server.timestamps()
    valid = [t for t in stamps if t is not None]
    assert len(valid) == len(stamps) == 3  # every attempt verifies
    assert valid[0] < valid[1] < valid[2]  # each signed anew, with a later timestamp
    assert sleeps == [0.25, 0.5]  # backoff_factor 0.5 * 2**n * jitter 0.5


def test_post_503_is_sent_exactly_once(ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth) -> None:
    sleeps: list[float] = []
    with ScriptedServer(ed_key.public_key(), KEY_ID, [UNAVAILABLE]).running() as server:
        r = make_session(server.url, auth, sleeps).post("/portfolio/orders", json={"count": 1})
        assert r.status_code == 503
    assert len(server.received) == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_idempotent_methods_retry_5xx(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth, status: int
) -> None:
    reply = json_reply(status, {})
    with ScriptedServer(ed_key.public_key(), KEY_ID, [reply]).running() as server:
        s = make_session(server.url, auth, [])
        assert s.delete("/portfolio/orders/abc").status_code == 200
        assert s.put("/x").status_code == 200
    assert [r.method for r in server.received] == ["DELETE", "DELETE", "PUT"]
    assert None not in server.timestamps()


def test_post_429_is_retried_with_the_same_body(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    with ScriptedServer(ed_key.public_key(), KEY_ID, [TOO_MANY]).running() as server:
        r = make_session(server.url, auth, []).post(
            "/portfolio/orders", json={"client_order_id": "c1"}
        )
        assert r.status_code == 200
    assert [x.body for x in server.received] == [b'{"client_order_id": "c1"}'] * 2
    assert None not in server.timestamps()


def test_retries_give_up_after_total(ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth) -> None:
    sleeps: list[float] = []
    with ScriptedServer(ed_key.public_key(), KEY_ID, [TOO_MANY] * 5).running() as server:
        s = make_session(server.url, auth, sleeps, retry=RetryPolicy(total=2))
        assert s.get("/markets").status_code == 429
    assert len(server.received) == 3
    assert len(sleeps) == 2


def test_retries_zero_disables(ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth) -> None:
    with ScriptedServer(ed_key.public_key(), KEY_ID, [TOO_MANY]).running() as server:
        s = make_session(server.url, auth, [], retry=RetryPolicy(total=0))
        assert s.get("/markets").status_code == 429
    assert len(server.received) == 1


def test_retry_after_is_honoured(ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth) -> None:
    sleeps: list[float] = []
    limited = json_reply(429, {"error": "too many requests"}, {"Retry-After": "2"})
    with ScriptedServer(ed_key.public_key(), KEY_ID, [limited]).running() as server:
        assert make_session(server.url, auth, sleeps).get("/markets").ok
    assert sleeps == [2.0]


def test_budget_stops_a_long_wait(ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth) -> None:
    sleeps: list[float] = []
    limited = json_reply(429, {"error": "too many requests"}, {"Retry-After": "120"})
    with ScriptedServer(ed_key.public_key(), KEY_ID, [limited]).running() as server:
        r = make_session(server.url, auth, sleeps, retry=RetryPolicy(budget=30)).get("/markets")
        assert r.status_code == 429
    assert sleeps == []
    assert len(server.received) == 1


def test_unreplayable_body_is_not_retried(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    def body() -> Iterator[bytes]:
        yield b"{}"

    with ScriptedServer(ed_key.public_key(), KEY_ID, [TOO_MANY]).running() as server:
        r = make_session(server.url, auth, []).post("/portfolio/orders", data=body())
        assert r.status_code == 429
    assert len(server.received) == 1


def test_raise_errors_after_retries(ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth) -> None:
    script = [TOO_MANY] * 4 + [UNAVAILABLE]
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        s = make_session(server.url, auth, [], raise_errors=True)
        with pytest.raises(RateLimitError) as info:
            s.get("/markets")
        assert isinstance(info.value, requests.HTTPError)
        with pytest.raises(ServerError):
            s.post("/portfolio/orders", json={})
        assert s.get("/markets").ok
    assert len(server.received) == 6


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_connection_refused_is_retried_for_every_method(auth: KalshiAuth, method: str) -> None:
    sleeps: list[float] = []
    s = make_session(f"http://127.0.0.1:{free_port()}/trade-api/v2", auth, sleeps)
    with pytest.raises(requests.ConnectionError) as info:
        s.request(method, "/portfolio/balance")
    assert not_sent(info.value)
    assert len(sleeps) == 3  # three retries, then the error


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_connection_refused_then_a_server_appears(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth, method: str
) -> None:
    """Nothing listens on the port; during the first backoff a server starts there."""
    server = ScriptedServer(ed_key.public_key(), KEY_ID)
    server.server.port = free_port()
    with ExitStack() as stack:

        def sleep(seconds: float) -> None:
            if not server.server.url:
                stack.enter_context(server.running())

        s = KalshiSession(
            f"http://127.0.0.1:{server.server.port}/trade-api/v2", auth=auth, sleep=sleep
        )
        r = s.request(method, "/portfolio/orders", json={"n": 1})
        assert r.status_code == 200
    assert [x.method for x in server.received] == [method]  # the refused attempt sent nothing
    assert None not in server.timestamps()


def test_read_timeout_retried_for_get_never_for_post(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    script = [slow(0.5), slow(0.5)]
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        s = make_session(server.url, auth, [])
        with pytest.raises(requests.ReadTimeout):
            s.post("/portfolio/orders", json={}, timeout=(2, 0.1))
        assert len(server.received) == 1
        assert s.get("/markets", timeout=(2, 0.1)).ok  # the 2nd slow reply, then a fast one
    assert len(server.received) == 3


def test_policy_table() -> None:
    p = RetryPolicy()
    for method in ("GET", "HEAD", "OPTIONS", "PUT", "DELETE"):
        assert all(p.retries_response(method, s) for s in (429, 500, 502, 503, 504))
        assert not p.retries_response(method, 501)
        assert p.retries_error(method, requests.ReadTimeout())
        assert p.retries_error(method, requests.ConnectionError("reset"))
    for method in ("POST", "PATCH"):
        assert p.retries_response(method, 429)
        assert not any(p.retries_response(method, s) for s in (500, 502, 503, 504))
        assert not p.retries_error(method, requests.ReadTimeout())
        assert not p.retries_error(method, requests.ConnectionError("reset after send"))
        assert p.retries_error(method, requests.ConnectTimeout())
    assert not p.retries_error("GET", requests.exceptions.SSLError())
    assert not p.retries_error("GET", ValueError())


def test_backoff_is_capped_full_jitter() -> None:
    p = RetryPolicy(backoff_factor=0.5, backoff_max=3)
    assert [p.backoff(n, 1.0) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert p.backoff(4, 0.0) == 0.0
    assert p.backoff(2, 0.25) == 0.5


def test_retry_after_http_date() -> None:
    r = requests.Response()
    r.headers["Retry-After"] = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert RetryPolicy().retry_after(r) == 0.0
    r.headers["Retry-After"] = "soon"
    assert RetryPolicy().retry_after(r) is None
    r.headers["Retry-After"] = "3"
    assert RetryPolicy(respect_retry_after=False).retry_after(r) is None


@pytest.mark.parametrize(
    "options",
    [
        {"total": -1},
        {"total": 1.5},
        {"total": True},
        {"backoff_factor": -1},
        {"budget": float("inf")},
        {"backoff_max": "1"},
        {"statuses": {"500"}},
    ],
)
def test_bad_policies(options: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        RetryPolicy(**options)  # type: ignore[arg-type]


def test_session_options_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="retry must be a RetryPolicy"):
        KalshiSession("demo", retry=3)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="timeout must be"):
        KalshiSession("demo", timeout=-1)
    with pytest.raises(ConfigurationError, match="timeout must be"):
        KalshiSession("demo", timeout=(1, 2, 3))  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="sleep must be a function"):
        KalshiSession("demo", sleep=1)  # type: ignore[arg-type]


def test_budget_and_backoff_cap_with_injected_time(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    policy = RetryPolicy(total=10, backoff_factor=1, backoff_max=4, budget=10)
    with ScriptedServer(ed_key.public_key(), KEY_ID, [TOO_MANY] * 20).running() as server:
        s = KalshiSession(
            server.url,
            auth=auth,
            retry=policy,
            sleep=sleep,
            jitter=lambda: 1.0,
            monotonic=lambda: now[0],
        )
        assert s.get("/markets").status_code == 429
    assert sleeps == [1.0, 2.0, 4.0]  # the next wait (capped at 4) would end at 11 s > 10 s
    assert len(server.received) == 4


def test_seekable_body_is_rewound_for_the_retry(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth
) -> None:
    with ScriptedServer(ed_key.public_key(), KEY_ID, [TOO_MANY]).running() as server:
        body = io.BytesIO(b'{"client_order_id": "c2"}')
        r = make_session(server.url, auth, []).post("/portfolio/orders", data=body)
        assert r.status_code == 200
    assert [x.body for x in server.received] == [b'{"client_order_id": "c2"}'] * 2
    assert None not in server.timestamps()


def test_per_call_auth_is_used_for_every_attempt(
    ed_key: ed25519.Ed25519PrivateKey, rsa_key: rsa.RSAPrivateKey
) -> None:
    """``auth=`` on one call (over the session's own auth) signs each of its attempts."""
    other = KalshiAuth(KEY_ID, rsa_key)
    with ScriptedServer(rsa_key.public_key(), KEY_ID, [TOO_MANY]).running() as server:
        s = make_session(server.url, KalshiAuth(KEY_ID, ed_key), [])
        assert s.get("/markets", auth=other).ok
        stamps = server.timestamps()  # verified with the RSA key of the per-call auth
    assert len(stamps) == 2
    assert None not in stamps


def test_retries_are_logged(
    ed_key: ed25519.Ed25519PrivateKey, auth: KalshiAuth, caplog: pytest.LogCaptureFixture
) -> None:
    server = ScriptedServer(ed_key.public_key(), KEY_ID, [TOO_MANY])
    with server.running(), caplog.at_level(logging.INFO, logger="requests_kalshi"):
        assert make_session(server.url, auth, []).get("/markets").ok
    (record,) = [r for r in caplog.records if r.name == "requests_kalshi"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "GET /trade-api/v2/markets answered 429; retry 1 in 0.25 s"


def test_the_adapters_do_not_retry_on_their_own() -> None:
    """urllib3 retries would resend a stale timestamp; only the session retries."""
    s = KalshiSession("demo")
    for prefix in ("https://", "http://"):
        adapter = s.get_adapter(prefix + "external-api.demo.kalshi.co")
        assert isinstance(adapter, HTTPAdapter)
        assert adapter.max_retries.total == 0


def test_errors_that_prove_nothing_was_sent() -> None:
    from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

    refused = MaxRetryError(None, "/", NewConnectionError(None, "refused"))  # type: ignore[arg-type]
    assert not_sent(requests.ConnectionError(refused))
    assert not_sent(requests.ConnectTimeout())
    reset = MaxRetryError(None, "/", ProtocolError("Connection aborted."))  # type: ignore[arg-type]
    assert not not_sent(requests.ConnectionError(reset))
    assert not not_sent(requests.exceptions.ProxyError(refused))  # the proxy may have sent it
    assert not not_sent(requests.ConnectionError())
    assert not not_sent(requests.ReadTimeout())


def test_a_timeout_pair_may_leave_one_side_open() -> None:
    assert KalshiSession("demo", timeout=(None, 5)).timeout == (None, 5)
    assert KalshiSession("demo", timeout=None).timeout is None


def test_an_unauthenticated_session_retries_too(ed_key: ed25519.Ed25519PrivateKey) -> None:
    with ScriptedServer(ed_key.public_key(), KEY_ID, [TOO_MANY]).running() as server:
        assert make_session(server.url, None, []).get("/exchange/status").ok
    assert len(server.received) == 2
    assert server.timestamps() == [None, None]  # nothing signed, nothing invented
