"""WebSocket handshakes: real handshakes with ``websockets`` against a verifying loopback server."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from requests_kalshi import (
    DEMO,
    PRODUCTION,
    ConfigurationError,
    KalshiAuth,
    UntrustedHostError,
    websocket_headers,
    websocket_url,
)
from requests_kalshi.errors import UnknownEnvironmentError
from tests.conftest import KEY_ID
from tests.verifier import assert_signed
from tests.wsloopback import KalshiWebSocketServer

WS_PATH = "/trade-api/ws/v2"
Key = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


def handshake(
    server: KalshiWebSocketServer, auth: KalshiAuth, sign_for: str | None = None
) -> object:
    """Connect to ``server`` with headers signed for ``sign_for`` (default: its own URL);
    subscribe to one channel; return the reply, or the ``InvalidStatus`` of a refusal."""

    async def run() -> object:
        async with server.running() as url:
            headers = websocket_headers(auth, sign_for or url)
            try:
                async with connect(url, additional_headers=headers, open_timeout=5) as ws:
                    await ws.send(
                        json.dumps(
                            {"id": 1, "cmd": "subscribe", "params": {"channels": ["ticker"]}}
                        )
                    )
                    return json.loads(await ws.recv())
            except InvalidStatus as refused:
                return refused

    return asyncio.run(run())


def server_for(auth: KalshiAuth) -> KalshiWebSocketServer:
    return KalshiWebSocketServer(keys={auth.key_id: auth.public_key})


def test_signed_handshake_is_accepted(any_key: Key) -> None:
    auth = KalshiAuth(KEY_ID, any_key)
    server = server_for(auth)
    reply = handshake(server, auth)
    assert reply == {"id": 1, "type": "subscribed", "msg": {"channel": "ticker", "sid": 1}}
    (seen,) = server.handshakes
    assert seen.verdict == "ok"
    assert_signed(any_key.public_key(), seen.headers, "GET", WS_PATH, KEY_ID)


def test_query_string_is_not_signed(rsa_key: rsa.RSAPrivateKey) -> None:
    auth = KalshiAuth(KEY_ID, rsa_key)
    server = server_for(auth)

    async def run() -> str:
        async with server.running() as url:
            url += "?client=bot"
            async with connect(url, additional_headers=websocket_headers(auth, url)):
                return server.handshakes[0].path

    assert asyncio.run(run()) == WS_PATH + "?client=bot"
    assert server.handshakes[0].verdict == "ok"


def test_headers_signed_for_another_path_are_refused_with_401(ed_key: Key) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    server = server_for(auth)
    refused = handshake(server, auth, sign_for="ws://127.0.0.1/trade-api/v2/portfolio/balance")
    assert isinstance(refused, InvalidStatus)
    assert refused.response.status_code == 401
    assert json.loads(refused.response.body)["error"]["code"] == "authentication_error"
    assert [h.verdict for h in server.handshakes] == ["bad_signature"]


def test_headers_signed_by_another_key_are_refused(rsa_key: Key, ed_key: Key) -> None:
    server = KalshiWebSocketServer(keys={KEY_ID: rsa_key.public_key()})
    refused = handshake(server, KalshiAuth(KEY_ID, ed_key))
    assert isinstance(refused, InvalidStatus)
    assert refused.response.status_code == 401
    assert [h.verdict for h in server.handshakes] == ["bad_signature"]


def test_stale_headers_are_refused(ed_key: Key) -> None:
    late = KalshiAuth(KEY_ID, ed_key, clock=lambda: time.time() - 60)
    refused = handshake(server_for(late), late)
    assert isinstance(refused, InvalidStatus)
    assert json.loads(refused.response.body)["error"]["code"] == "header_timestamp_expired"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ("demo", DEMO.ws_url),
        ("production", PRODUCTION.ws_url),
        ("PROD", PRODUCTION.ws_url),
        (DEMO, DEMO.ws_url),
        ("http://127.0.0.1:8080/trade-api/v2", "ws://127.0.0.1:8080/trade-api/ws/v2"),
        ("https://external-api.kalshi.com", PRODUCTION.ws_url),
    ],
)
def test_websocket_url_of_each_environment(env: object, expected: str) -> None:
    assert websocket_url(env) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "env_or_url",
    [
        "demo",
        "production",
        PRODUCTION,
        DEMO.ws_url,
        *DEMO.legacy_ws_urls,
        *PRODUCTION.legacy_ws_urls,
        "http://localhost:9000/trade-api/v2",
    ],
)
def test_headers_sign_get_of_the_websocket_path(any_key: Key, env_or_url: object) -> None:
    headers = websocket_headers(KalshiAuth(KEY_ID, any_key), env_or_url)  # type: ignore[arg-type]
    assert set(headers) == {
        "KALSHI-ACCESS-KEY",
        "KALSHI-ACCESS-TIMESTAMP",
        "KALSHI-ACCESS-SIGNATURE",
    }
    ms = assert_signed(any_key.public_key(), headers, "GET", WS_PATH, KEY_ID)
    assert abs(ms / 1000 - time.time()) < 5


def test_default_environment_is_demo(ed_key: Key) -> None:
    headers = websocket_headers(KalshiAuth(KEY_ID, ed_key))
    assert_signed(ed_key.public_key(), headers, "GET", WS_PATH, KEY_ID)


def test_custom_websocket_path_is_signed(ed_key: Key) -> None:
    headers = websocket_headers(
        KalshiAuth(KEY_ID, ed_key), "wss://external-api-ws.kalshi.com/other/ws"
    )
    assert_signed(ed_key.public_key(), headers, "GET", "/other/ws", KEY_ID)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("wss://evil.example.com/trade-api/ws/v2", "not among the hosts this auth signs for"),
        ("ws://external-api-ws.kalshi.com/trade-api/ws/v2", "plain ws://"),
    ],
)
def test_untrusted_websocket_hosts_are_refused(ed_key: Key, url: str, message: str) -> None:
    with pytest.raises(UntrustedHostError, match=message):
        websocket_headers(KalshiAuth(KEY_ID, ed_key), url)


def test_allowed_hosts_extend_to_websockets(ed_key: Key) -> None:
    auth = KalshiAuth(KEY_ID, ed_key, allowed_hosts=["ws.proxy.example"])
    headers = websocket_headers(auth, "wss://ws.proxy.example/trade-api/ws/v2")
    assert_signed(ed_key.public_key(), headers, "GET", WS_PATH, KEY_ID)


@pytest.mark.parametrize(
    ("env", "error"),
    [
        ("staging", UnknownEnvironmentError),
        ("ftp://example.com/trade-api/v2", UnknownEnvironmentError),
        (42, UnknownEnvironmentError),
    ],
)
def test_bad_environments_raise(ed_key: Key, env: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        websocket_headers(KalshiAuth(KEY_ID, ed_key), env)  # type: ignore[arg-type]
    with pytest.raises(error):
        websocket_url(env)  # type: ignore[arg-type]


def test_auth_must_be_a_kalshi_auth() -> None:
    with pytest.raises(ConfigurationError, match="auth must be a KalshiAuth"):
        websocket_headers(("key", "secret"), "demo")  # type: ignore[arg-type]
