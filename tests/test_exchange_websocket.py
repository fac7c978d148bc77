"""The local exchange accepts WebSocket handshakes signed like Kalshi's, and refuses others."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from requests_kalshi import KalshiAuth, websocket_headers
from requests_kalshi.testing import LocalExchange
from requests_kalshi.testing.wsframes import accept_key

from .verifier import assert_signed


@pytest.fixture
def ex() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as exchange:
        yield exchange


async def talk(url: str, headers: dict[str, str]) -> dict[str, object]:
    async with connect(url, additional_headers=headers, open_timeout=5) as ws:
        await ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["x"]}}))
        answer: dict[str, object] = json.loads(await ws.recv())
        await ws.ping()
        return answer


def test_signed_handshake_is_accepted(ex: LocalExchange) -> None:
    headers = websocket_headers(ex.auth, ex.ws_url)
    assert_signed(ex.auth.public_key, headers, "GET", "/trade-api/ws/v2", ex.key_id)
    answer = asyncio.run(talk(ex.ws_url, headers))
    assert answer["type"] == "error"
    assert [(r.path, r.auth, r.status) for r in ex.requests] == [("/trade-api/ws/v2", "ok", 101)]


@pytest.mark.parametrize("wrong", ["path", "key", "missing"])
def test_bad_handshakes_get_kalshis_401(ex: LocalExchange, wrong: str) -> None:
    if wrong == "path":
        headers = ex.auth.headers("GET", "/trade-api/v2/portfolio/balance")
    elif wrong == "key":
        other = LocalExchange(key_type="ed25519")  # another throwaway key, never started
        headers = KalshiAuth(ex.key_id, other.private_key_pem()).headers("GET", "/trade-api/ws/v2")
    else:
        headers = {}
    with pytest.raises(InvalidStatus) as info:
        asyncio.run(talk(ex.ws_url, headers))
    response = info.value.response
    assert response.status_code == 401
    body = json.loads(response.body or b"{}")
    expected = "signature_is_missing_from_headers" if wrong == "missing" else "authentication_error"
    assert body["error"]["code"] == expected
    assert ex.requests[-1].status == 401


def test_handshake_to_another_path_is_not_upgraded(ex: LocalExchange) -> None:
    url = ex.ws_url.replace("/trade-api/ws/v2", "/trade-api/v2/markets")
    with pytest.raises(InvalidStatus) as info:
        asyncio.run(talk(url, {}))
    assert info.value.response.status_code == 200  # answered as the REST request it is


def test_accept_key_matches_rfc6455_example() -> None:
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_frames_round_trip(size: int) -> None:
    import io

    from requests_kalshi.testing.wsframes import TEXT, encode_frame, read_frame

    payload = bytes(i % 251 for i in range(size))
    assert read_frame(io.BytesIO(encode_frame(TEXT, payload))) == (TEXT, payload)
    masked = bytearray(encode_frame(TEXT, payload))
    header_end = 2 if size < 126 else (4 if size < 65536 else 10)
    masked[1] |= 0x80
    mask = b"\x01\x02\x03\x04"
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    frame = bytes(masked[:header_end]) + mask + body
    assert read_frame(io.BytesIO(frame)) == (TEXT, payload)
    assert read_frame(io.BytesIO(frame[:-1])) is None or size == 0
    assert read_frame(io.BytesIO(b"\x81")) is None
