"""Margin (perpetual futures) WebSocket hosts: trusted, part of each environment, signed for
``GET /trade-api/ws/v2/margin``; real handshakes against a verifying loopback server."""

from __future__ import annotations

import asyncio
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from requests_kalshi import (
    DEMO,
    PRODUCTION,
    ConfigurationError,
    Environment,
    KalshiAuth,
    UntrustedHostError,
    websocket_headers,
    websocket_url,
)
from requests_kalshi.environments import KALSHI_HOSTS, resolve_environment
from tests.conftest import KEY_ID
from tests.verifier import assert_signed
from tests.wsloopback import KalshiWebSocketServer

MARGIN_PATH = "/trade-api/ws/v2/margin"
PRODUCTION_MARGIN = "wss://external-api-margin-ws.kalshi.com/trade-api/ws/v2/margin"
DEMO_MARGIN = "wss://external-api-margin-ws.demo.kalshi.co/trade-api/ws/v2/margin"
Key = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


def test_each_environment_has_its_margin_websocket_url() -> None:
    assert PRODUCTION.margin_ws_url == PRODUCTION_MARGIN
    assert DEMO.margin_ws_url == DEMO_MARGIN
    assert {"external-api-margin-ws.kalshi.com", "external-api-margin-ws.demo.kalshi.co"} <= (
        KALSHI_HOSTS
    )
    assert "external-api-margin-ws.kalshi.com" in PRODUCTION.hosts
    assert "external-api-margin-ws.demo.kalshi.co" not in PRODUCTION.hosts


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ("demo", DEMO_MARGIN),
        ("production", PRODUCTION_MARGIN),
        ("prod", PRODUCTION_MARGIN),
        (DEMO, DEMO_MARGIN),
        ("https://external-api.kalshi.com/trade-api/v2", PRODUCTION_MARGIN),
        ("http://127.0.0.1:8080/trade-api/v2", "ws://127.0.0.1:8080/trade-api/ws/v2/margin"),
    ],
)
def test_websocket_url_of_the_margin_product(env: str | Environment, expected: str) -> None:
    assert websocket_url(env, product="margin") == expected


def test_the_events_product_is_the_default() -> None:
    assert websocket_url("production", product="events") == websocket_url("production")
    assert websocket_url("production") == PRODUCTION.ws_url


def test_a_custom_environment_may_give_its_own_margin_url() -> None:
    env = Environment(
        name="custom",
        rest_url="https://api.proxy.example/trade-api/v2",
        ws_url="wss://ws.proxy.example/trade-api/ws/v2",
        margin_ws_url="wss://perps.proxy.example/stream",
    )
    assert websocket_url(env, product="margin") == "wss://perps.proxy.example/stream"
    assert "perps.proxy.example" in env.hosts
    derived = resolve_environment("https://api.proxy.example/trade-api/v2")
    assert derived.margin_ws_url == "wss://api.proxy.example/trade-api/ws/v2/margin"


@pytest.mark.parametrize(
    ("env_or_url", "product"),
    [
        ("demo", "margin"),
        ("production", "margin"),
        (PRODUCTION, "margin"),
        (PRODUCTION_MARGIN, None),
        (DEMO_MARGIN, None),
    ],
)
def test_margin_headers_sign_get_of_the_margin_path(
    any_key: Key, env_or_url: str | Environment, product: str | None
) -> None:
    headers = websocket_headers(KalshiAuth(KEY_ID, any_key), env_or_url, product=product)
    assert_signed(any_key.public_key(), headers, "GET", MARGIN_PATH, KEY_ID)


def test_a_look_alike_of_the_margin_host_is_refused(ed_key: Key) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    url = "wss://external-api-margin-ws.kalshi.com.evil.test/trade-api/ws/v2/margin"
    with pytest.raises(UntrustedHostError) as caught:
        websocket_headers(auth, url)
    message = str(caught.value)
    assert "not among the hosts this auth signs for" in message
    assert "not one of Kalshi's hosts" not in message
    assert "external-api.kalshi.com" in message
    assert "allowed_hosts=['external-api-margin-ws.kalshi.com.evil.test']" in message


def test_an_allowed_host_is_signed_for_after_the_error_says_how(ed_key: Key) -> None:
    auth = KalshiAuth(KEY_ID, ed_key, allowed_hosts=["perps.proxy.example"])
    headers = websocket_headers(auth, "wss://perps.proxy.example/trade-api/ws/v2/margin")
    assert_signed(ed_key.public_key(), headers, "GET", MARGIN_PATH, KEY_ID)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda auth: websocket_url("demo", product="perps"), "product must be one of"),
        (lambda auth: websocket_headers(auth, "demo", product="futures"), "product must be one"),
        (lambda auth: websocket_headers(auth, DEMO_MARGIN, product="margin"), "not with a WebSo"),
    ],
)
def test_bad_products_raise(ed_key: Key, call: object, message: str) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    with pytest.raises(ConfigurationError, match=message):
        call(auth)  # type: ignore[operator]


def margin_handshake(server: KalshiWebSocketServer, auth: KalshiAuth, product: str) -> object:
    """Serve margin's path on loopback; connect with headers made for the local environment's
    ``product``; subscribe to ``ticker``; return the reply or the refusal."""

    async def run() -> object:
        async with server.running(MARGIN_PATH) as url:
            rest = url.replace("ws://", "http://").replace("/ws/v2/margin", "/v2")
            target = websocket_url(rest, product=product)
            headers = websocket_headers(auth, rest, product=product)
            try:
                async with connect(
                    target.replace("/trade-api/ws/v2", MARGIN_PATH)
                    if product == "events"
                    else target,
                    additional_headers=headers,
                    open_timeout=5,
                ) as ws:
                    command = {"id": 1, "cmd": "subscribe", "params": {"channels": ["ticker"]}}
                    await ws.send(json.dumps(command))
                    return json.loads(await ws.recv())
            except InvalidStatus as refused:
                return refused

    return asyncio.run(run())


def test_a_margin_handshake_is_accepted_by_a_verifying_server(any_key: Key) -> None:
    auth = KalshiAuth(KEY_ID, any_key)
    server = KalshiWebSocketServer(keys={KEY_ID: auth.public_key})
    reply = margin_handshake(server, auth, "margin")
    assert reply == {"id": 1, "type": "subscribed", "msg": {"channel": "ticker", "sid": 1}}
    (seen,) = server.handshakes
    assert seen.path == MARGIN_PATH
    assert seen.verdict == "ok"
    assert_signed(any_key.public_key(), seen.headers, "GET", MARGIN_PATH, KEY_ID)


def test_events_headers_do_not_open_the_margin_stream(ed_key: Key) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    server = KalshiWebSocketServer(keys={KEY_ID: auth.public_key})
    refused = margin_handshake(server, auth, "events")
    assert isinstance(refused, InvalidStatus)
    assert refused.response.status_code == 401
    assert [h.verdict for h in server.handshakes] == ["bad_signature"]
