"""What only the httpx adapter has: its auth on its own, options, exceptions, async details."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from requests_kalshi import ConfigurationError, KalshiAuth, UntrustedHostError
from requests_kalshi import httpx as kalshi_httpx
from requests_kalshi._httpx_errors import failure_of, timestamp_refused
from requests_kalshi.core import Failure

from .conftest import KEY_ID, pem
from .loopback import json_reply
from .scripted import ScriptedServer
from .verifier import assert_signed


def test_the_auth_checks_its_arguments_like_the_requests_auth(
    rsa_key_file: Path, rsa_key: rsa.RSAPrivateKey
) -> None:
    auth = kalshi_httpx.KalshiAuth(KEY_ID, str(rsa_key_file), clock_offset=2)
    assert auth.key_id == KEY_ID
    assert auth.clock_offset == 2.0
    public_key = auth.public_key
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert public_key.public_numbers() == rsa_key.public_key().public_numbers()
    assert repr(auth) == f"KalshiAuth(key_id={KEY_ID!r})"
    with pytest.raises(ConfigurationError, match="swap"):
        kalshi_httpx.KalshiAuth(str(rsa_key_file), KEY_ID)
    with pytest.raises(ConfigurationError, match="number of seconds"):
        auth.clock_offset = "soon"  # type: ignore[assignment]
    with pytest.raises(ConfigurationError, match=r"expected a requests_kalshi\.KalshiAuth"):
        kalshi_httpx.KalshiAuth.from_requests_auth(auth)  # type: ignore[arg-type]


def test_the_auth_from_environment_variables(ed_key: ed25519.Ed25519PrivateKey) -> None:
    environ = {"KALSHI_API_KEY_ID": KEY_ID, "KALSHI_PRIVATE_KEY": pem(ed_key).decode()}
    auth = kalshi_httpx.KalshiAuth.from_env(environ)
    request = httpx.Request("GET", "https://external-api.kalshi.com/trade-api/v2/markets?x=1")
    signed = next(auth.auth_flow(request))
    assert_signed(ed_key.public_key(), signed.headers, "GET", "/trade-api/v2/markets", KEY_ID)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        (
            "https://external-api.kalshi.com/trade-api/v2/markets/KX%20A?b=1",
            "/trade-api/v2/markets/KX%20A",
        ),
        (
            "https://external-api.kalshi.com/trade-api/v2/markets/KX A",
            "/trade-api/v2/markets/KX%20A",
        ),
        ("https://external-api.kalshi.com", "/"),
    ],
)
def test_the_auth_signs_the_raw_path_httpx_sends(
    ed_key: ed25519.Ed25519PrivateKey, url: str, path: str
) -> None:
    auth = kalshi_httpx.KalshiAuth(KEY_ID, ed_key)
    request = httpx.Request("delete", url)
    signed = next(auth.auth_flow(request))
    assert_signed(ed_key.public_key(), signed.headers, "DELETE", path, KEY_ID)


@pytest.mark.parametrize(
    "url",
    [
        "https://external-api.kalshi.com:8443/trade-api/v2/markets",
        "https://external-api.kalshi.com.evil.example/trade-api/v2/markets",
        "http://external-api.kalshi.com/trade-api/v2/markets",
        "https://evil.example@external-api.kalshi.co/x",
    ],
)
def test_the_auth_refuses_what_httpx_would_connect_to_elsewhere(
    ed_key: ed25519.Ed25519PrivateKey, url: str
) -> None:
    auth = kalshi_httpx.KalshiAuth(KEY_ID, ed_key)
    with pytest.raises(UntrustedHostError):
        next(auth.auth_flow(httpx.Request("GET", url)))


def test_allowed_hosts_are_signed_for_over_https(ed_key: ed25519.Ed25519PrivateKey) -> None:
    auth = kalshi_httpx.KalshiAuth(KEY_ID, ed_key, allowed_hosts=["proxy.example.com"])
    signed = next(auth.auth_flow(httpx.Request("GET", "https://proxy.example.com:8443/t")))
    assert_signed(ed_key.public_key(), signed.headers, "GET", "/t", KEY_ID)


def test_a_callers_trace_extension_still_runs(ed_key: ed25519.Ed25519PrivateKey) -> None:
    events: list[str] = []
    auth = kalshi_httpx.KalshiAuth(KEY_ID, ed_key)
    with ScriptedServer(ed_key.public_key(), KEY_ID).running() as server:
        with httpx.Client(auth=auth) as c:
            trace = {"trace": lambda name, info: events.append(name)}
            assert c.get(server.url + "/markets", extensions=trace).status_code == 200

        async def main() -> None:
            async def record(name: str, info: dict[str, Any]) -> None:
                events.append("async " + name)

            async with httpx.AsyncClient(auth=auth) as c:
                r = await c.get(server.url + "/markets", extensions={"trace": record})
                assert r.status_code == 200

        asyncio.run(main())
    assert "http11.send_request_headers.started" in events
    assert "async http11.send_request_headers.started" in events
    assert None not in server.timestamps()


def test_client_defaults(ed_key: ed25519.Ed25519PrivateKey) -> None:
    with kalshi_httpx.client("demo") as c:
        assert c.timeout == httpx.Timeout(30.0, connect=3.05)
        assert str(c.base_url) == "https://external-api.demo.kalshi.co/trade-api/v2/"
        assert c.environment.name == "demo"
        assert c.auth is None
        request = c.build_request("GET", "/trade-api/v2/markets")
        assert str(request.url) == "https://external-api.demo.kalshi.co/trade-api/v2/markets"
    with kalshi_httpx.client("prod", timeout=None, key_id=KEY_ID, private_key=ed_key) as c:
        assert c.timeout == httpx.Timeout(None)
        assert c.auth is not None
    with kalshi_httpx.client("prod", timeout=7.0) as c:
        assert c.timeout == httpx.Timeout(7.0)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"auth": "key"}, "auth must be a requests_kalshi.httpx.KalshiAuth"),
        ({"retries": -1}, "retries must be"),
        ({"timeout": 0}, "timeout must be"),
        ({"key_id": KEY_ID}, "private_key is missing"),
        ({"retry": object()}, "retry must be a RetryPolicy"),
    ],
)
def test_client_options_are_checked_as_for_session(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        kalshi_httpx.client("demo", **options)
    with pytest.raises(ConfigurationError, match=message):
        kalshi_httpx.async_client("demo", **options)


def test_the_requests_auth_is_refused_with_the_way_out(ed_key: ed25519.Ed25519PrivateKey) -> None:
    with pytest.raises(ConfigurationError, match="from_requests_auth"):
        kalshi_httpx.client("demo", auth=KalshiAuth(KEY_ID, ed_key))  # type: ignore[arg-type]


def test_async_client_refuses_a_blocking_limiter() -> None:
    class Blocking:
        def acquire(self, method: str, path: str) -> None:
            """Would block the event loop."""

    with pytest.raises(ConfigurationError, match="stall the event loop"):
        kalshi_httpx.async_client("demo", rate_limit=Blocking())


def test_sign_in_thread_signs_off_the_loop(rsa_key: rsa.RSAPrivateKey) -> None:
    import threading

    signers: list[str] = []
    auth = kalshi_httpx.KalshiAuth(KEY_ID, rsa_key)
    real = auth.signer.headers

    def recording(method: str, path: str) -> dict[str, str]:
        signers.append(threading.current_thread().name)
        return real(method, path)

    async def main(url: str) -> None:
        async with kalshi_httpx.async_client(url, auth=auth, sign_in_thread=True) as c:
            object.__setattr__(auth.signer, "headers", recording)
            assert (await c.get("/markets")).status_code == 200

    with ScriptedServer(rsa_key.public_key(), KEY_ID).running() as server:
        asyncio.run(main(server.url))
    assert None not in server.timestamps()
    assert signers
    assert threading.main_thread().name not in signers


def test_exceptions_are_classified_for_retries() -> None:
    request = httpx.Request("GET", "https://external-api.kalshi.com/x")
    tls = httpx.ConnectError("certificate verify failed", request=request)
    tls.__cause__ = ssl.SSLCertVerificationError("bad certificate")
    assert failure_of(tls) is Failure.FATAL
    assert failure_of(httpx.ConnectError("refused", request=request)) is Failure.NOT_SENT
    assert failure_of(httpx.ConnectTimeout("slow", request=request)) is Failure.NOT_SENT
    assert failure_of(httpx.ReadTimeout("slow", request=request)) is Failure.AFTER_SEND
    assert failure_of(httpx.RemoteProtocolError("reset", request=request)) is Failure.AFTER_SEND
    assert failure_of(httpx.ProxyError("no", request=request)) is Failure.FATAL
    assert failure_of(httpx.UnsupportedProtocol("ftp", request=request)) is Failure.FATAL


def test_only_a_401_is_a_refused_timestamp() -> None:
    request = httpx.Request("GET", "https://external-api.kalshi.com/x")
    body = {"error": {"code": "header_timestamp_expired"}}
    assert timestamp_refused(httpx.Response(401, json=body, request=request))
    assert not timestamp_refused(httpx.Response(400, json=body, request=request))
    other = {"error": {"code": "authentication_error"}}
    assert not timestamp_refused(httpx.Response(401, json=other, request=request))


def test_a_connection_refused_post_is_retried(ed_key: ed25519.Ed25519PrivateKey) -> None:
    from requests_kalshi import RetryPolicy

    attempts: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request.headers["KALSHI-ACCESS-TIMESTAMP"])
        if len(attempts) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={})

    auth = kalshi_httpx.KalshiAuth(KEY_ID, ed_key)
    policy = RetryPolicy(backoff_factor=0.001)
    transport = httpx.MockTransport(refuse)
    with kalshi_httpx.client("demo", auth=auth, retry=policy, transport=transport) as c:
        assert c.post("/portfolio/orders", json={}).status_code == 200
    assert len(attempts) == 3


def test_an_unreplayable_body_is_not_retried(ed_key: ed25519.Ed25519PrivateKey) -> None:
    def body() -> Any:
        yield b"{}"

    with ScriptedServer(ed_key.public_key(), KEY_ID, [json_reply(429, {})]).running() as server:
        auth = kalshi_httpx.KalshiAuth(KEY_ID, ed_key)
        with kalshi_httpx.client(server.url, auth=auth) as c:
            assert c.post("/portfolio/orders", content=body()).status_code == 429
    assert len(server.received) == 1


def test_an_unauthenticated_client_sends_no_signature(ed_key: ed25519.Ed25519PrivateKey) -> None:
    server = ScriptedServer(ed_key.public_key(), KEY_ID)
    with server.running(), kalshi_httpx.client(server.url, environ={}) as c:
        assert c.get("/markets").status_code == 200
    assert not any(name.lower().startswith("kalshi") for name in server.received[0].headers)


def test_the_wire_guard_leaves_other_requests_alone(ed_key: ed25519.Ed25519PrivateKey) -> None:
    import httpcore

    from requests_kalshi._httpx_wire import Mark, SyncGuard

    mark = Mark(kalshi_httpx.KalshiAuth(KEY_ID, ed_key))
    guard = SyncGuard(mark, None)
    guard("http11.send_request_headers.started", {})  # nothing to look at
    assert not mark.unsigned_before

    unsigned = httpcore.Request("GET", "http://evil.test/", headers=[(b"Host", b"evil.test")])
    guard("http11.send_request_headers.started", {"request": unsigned})
    assert unsigned.headers == [(b"Host", b"evil.test")]
    assert mark.unsigned_before  # it went out unsigned: no later hop of its chain is signed


def test_signing_is_logged_at_debug_without_the_signature(
    ed_key: ed25519.Ed25519PrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    auth = kalshi_httpx.KalshiAuth(KEY_ID, ed_key, clock=lambda: 1.0)
    with caplog.at_level(logging.DEBUG, logger="requests_kalshi"):
        signed = next(auth.auth_flow(httpx.Request("GET", "http://127.0.0.1/trade-api/v2/x")))
    assert "'1000GET/trade-api/v2/x'" in caplog.text
    assert signed.headers["KALSHI-ACCESS-SIGNATURE"] not in caplog.text


def test_old_signature_headers_are_replaced_in_any_spelling(
    ed_key: ed25519.Ed25519PrivateKey,
) -> None:
    auth = kalshi_httpx.KalshiAuth(KEY_ID, ed_key)
    stale = {"kalshi-access-key": "old", "KALSHI-ACCESS-SIGNATURE": "c3RhbGU="}
    request = httpx.Request("GET", "http://127.0.0.1/trade-api/v2/x", headers=stale)
    signed = next(auth.auth_flow(request))
    names = [name.lower() for name, _ in signed.headers.multi_items()]
    assert names.count("kalshi-access-key") == 1
    assert names.count("kalshi-access-signature") == 1
    assert_signed(ed_key.public_key(), signed.headers, "GET", "/trade-api/v2/x", KEY_ID)


def test_a_request_sent_again_is_signed_again_without_nesting_guards(
    ed_key: ed25519.Ed25519PrivateKey,
) -> None:
    from requests_kalshi._httpx_wire import SyncGuard

    auth = kalshi_httpx.KalshiAuth(KEY_ID, ed_key)
    with ScriptedServer(ed_key.public_key(), KEY_ID).running() as server:
        with httpx.Client(auth=auth) as c:
            request = c.build_request("GET", server.url + "/markets")
            assert c.send(request).status_code == 200
            assert c.send(request).status_code == 200
        guard = request.extensions["trace"]
        assert isinstance(guard, SyncGuard)
        assert guard.chained is None
    assert len(server.timestamps()) == 2
    assert None not in server.timestamps()


def test_headers_for_a_websocket_handshake(ed_key: ed25519.Ed25519PrivateKey) -> None:
    auth = kalshi_httpx.KalshiAuth(KEY_ID, ed_key)
    headers = auth.headers("get", "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2?x=1")
    assert_signed(ed_key.public_key(), headers, "GET", "/trade-api/ws/v2", KEY_ID)
    with pytest.raises(UntrustedHostError, match=r"evil\.example"):
        auth.headers("GET", "wss://evil.example/trade-api/ws/v2")
    with pytest.raises(ConfigurationError, match="HTTP method"):
        auth.headers("G E T", "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2")
    with pytest.raises(ConfigurationError, match="full URL"):
        auth.headers("GET", "https://[::1")
    with pytest.raises(UntrustedHostError, match="not an http"):
        auth.headers("GET", "/trade-api/ws/v2")
