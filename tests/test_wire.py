"""Signed requests over a real loopback connection, checked by the receiving server."""

from __future__ import annotations

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from requests_kalshi import KalshiAuth, session

from .conftest import KEY_ID
from .loopback import LoopbackServer, Received, Reply, json_reply
from .verifier import is_valid

Key = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


def verifying(public_key: rsa.RSAPublicKey | ed25519.Ed25519PublicKey) -> LoopbackServer:
    def respond(r: Received) -> Reply:
        h = {k.lower(): v for k, v in r.headers.items()}
        text = f"{h.get('kalshi-access-timestamp')}{r.method}{r.path}"
        ok = h.get("kalshi-access-key") == KEY_ID and is_valid(
            public_key, text, h.get("kalshi-access-signature", "")
        )
        if not ok:
            return json_reply(
                401,
                {
                    "error": {
                        "code": "authentication_error",
                        "details": "INCORRECT_API_KEY_SIGNATURE",
                    }
                },
            )
        return json_reply(200, {"path": r.path, "body": r.body.decode()})

    return LoopbackServer(respond)


def test_plain_requests_session_with_kalshi_auth(any_key: Key) -> None:
    with verifying(any_key.public_key()).running() as server:
        s = requests.Session()
        s.auth = KalshiAuth(KEY_ID, any_key)
        base = server.url + "/trade-api/v2"
        r = s.get(base + "/portfolio/balance", params={"x": "1 2"}, timeout=5)
        assert r.status_code == 200, r.text
        r = s.post(base + "/portfolio/orders", json={"ticker": "KX"}, timeout=5)
        assert r.status_code == 200, r.text
        assert r.json()["body"] == '{"ticker": "KX"}'
        r = s.delete(base + "/portfolio/orders/abc", timeout=5)
        assert r.status_code == 200
        s.auth = None
        assert s.get(base + "/portfolio/balance", timeout=5).status_code == 401
    assert [x.target for x in server.received][:2] == [
        "/trade-api/v2/portfolio/balance?x=1+2",
        "/trade-api/v2/portfolio/orders",
    ]


@pytest.mark.parametrize(
    "relative", ["/portfolio/balance", "portfolio/balance", "/trade-api/v2/portfolio/balance"]
)
def test_kalshi_session_joins_and_signs(rsa_key: rsa.RSAPrivateKey, relative: str) -> None:
    with verifying(rsa_key.public_key()).running() as server:
        with session(server.url + "/trade-api/v2", key_id=KEY_ID, private_key=rsa_key) as k:
            r = k.get(relative, params={"limit": 5}, timeout=5)
        assert r.status_code == 200, r.text
        assert r.json()["path"] == "/trade-api/v2/portfolio/balance"
        assert server.received[0].target == "/trade-api/v2/portfolio/balance?limit=5"


def test_tampered_request_is_rejected_by_the_server(ed_key: ed25519.Ed25519PrivateKey) -> None:
    """The verifier must be able to fail: a signature for another path is refused."""
    with verifying(ed_key.public_key()).running() as server:
        auth = KalshiAuth(KEY_ID, ed_key)
        headers = auth.headers("GET", "/trade-api/v2/portfolio/balance")
        r = requests.get(
            server.url + "/trade-api/v2/portfolio/positions", headers=headers, timeout=5
        )
        assert r.status_code == 401
        r = requests.get(server.url + "/trade-api/v2/portfolio/balance", headers=headers, timeout=5)
        assert r.status_code == 200
