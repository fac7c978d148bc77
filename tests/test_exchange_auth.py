"""The local exchange authenticates like Kalshi: checked with hand-made signatures.

The requests here are signed with ``cryptography`` directly, from the facts sheet, so the
exchange and the library's signer cannot agree on the same mistake.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from requests_kalshi import ConfigurationError
from requests_kalshi.testing import LocalExchange

from .verifier import assert_signed

Key = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
BALANCE = "/trade-api/v2/portfolio/balance"


def hand_sign(key: Key, text: str) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        raw = key.sign(
            text.encode(),
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
            hashes.SHA256(),
        )
    else:
        raw = key.sign(text.encode())
    return base64.b64encode(raw).decode()


def hand_headers(
    key: Key, key_id: str, method: str, path: str, ms: int | None = None
) -> dict[str, str]:
    ms = int(time.time() * 1000) if ms is None else ms
    return {
        "KALSHI-ACCESS-KEY": key_id,
        "KALSHI-ACCESS-TIMESTAMP": str(ms),
        "KALSHI-ACCESS-SIGNATURE": hand_sign(key, f"{ms}{method}{path}"),
    }


@pytest.fixture
def ex(any_key: Key) -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as exchange:
        exchange.register_key("user-key", any_key.public_key())
        yield exchange


def origin(ex: LocalExchange) -> str:
    return ex.url.removesuffix("/trade-api/v2")


def test_hand_signed_request_is_accepted(ex: LocalExchange, any_key: Key) -> None:
    r = requests.get(
        origin(ex) + BALANCE + "?subaccount=0",
        headers=hand_headers(any_key, "user-key", "GET", BALANCE),
        timeout=5,
    )
    assert r.status_code == 200, r.text
    assert r.json()["balance"] == 100000
    assert ex.requests[-1].auth == "ok"
    assert ex.requests[-1].query == {"subaccount": "0"}


def test_signature_including_the_query_is_rejected(ex: LocalExchange, any_key: Key) -> None:
    target = BALANCE + "?subaccount=0"
    r = requests.get(
        origin(ex) + target, headers=hand_headers(any_key, "user-key", "GET", target), timeout=5
    )
    assert r.status_code == 401
    assert r.json() == {
        "error": {
            "code": "authentication_error",
            "message": "authentication error",
            "details": "INCORRECT_API_KEY_SIGNATURE",
        }
    }
    assert ex.requests[-1].auth == "bad_signature"


@pytest.mark.parametrize(
    ("method", "signed_method", "signed_path"),
    [
        ("GET", "GET", "/trade-api/v2/portfolio/orders"),  # another path
        ("GET", "GET", "/portfolio/balance"),  # path without /trade-api/v2
        ("DELETE", "GET", BALANCE),  # another method
        ("GET", "get", BALANCE),  # lower-case method
    ],
)
def test_signature_over_other_text_is_rejected(
    ex: LocalExchange, any_key: Key, method: str, signed_method: str, signed_path: str
) -> None:
    headers = hand_headers(any_key, "user-key", signed_method, signed_path)
    r = requests.request(method, origin(ex) + BALANCE, headers=headers, timeout=5)
    assert r.status_code == 401
    assert r.json()["error"]["details"] == "INCORRECT_API_KEY_SIGNATURE"


def test_signature_by_another_key_is_rejected(ex: LocalExchange) -> None:
    other = ed25519.Ed25519PrivateKey.generate()
    r = requests.get(
        origin(ex) + BALANCE, headers=hand_headers(other, "user-key", "GET", BALANCE), timeout=5
    )
    assert r.status_code == 401
    assert r.json()["error"]["details"] == "INCORRECT_API_KEY_SIGNATURE"


@pytest.mark.parametrize("signature", ["", "not base64!", base64.b64encode(b"x" * 64).decode()])
def test_garbage_signature(ex: LocalExchange, any_key: Key, signature: str) -> None:
    headers = hand_headers(any_key, "user-key", "GET", BALANCE)
    headers["KALSHI-ACCESS-SIGNATURE"] = signature
    r = requests.get(origin(ex) + BALANCE, headers=headers, timeout=5)
    assert r.status_code == 401
    if signature:
        assert r.json()["error"]["details"] == "INCORRECT_API_KEY_SIGNATURE"
    else:
        assert r.json()["error"]["code"] == "signature_is_missing_from_headers"


def test_unknown_key_id(ex: LocalExchange, any_key: Key) -> None:
    r = requests.get(
        origin(ex) + BALANCE,
        headers=hand_headers(any_key, "someone-else", "GET", BALANCE),
        timeout=5,
    )
    assert r.status_code == 401
    assert r.json()["error"] == {
        "code": "authentication_error",
        "message": "authentication error",
        "details": "NOT_FOUND",
    }
    assert ex.requests[-1].auth == "unknown_key"


def test_no_headers_on_a_private_endpoint(ex: LocalExchange) -> None:
    r = requests.get(origin(ex) + BALANCE, timeout=5)
    assert r.status_code == 401
    assert r.json() == {
        "error": {
            "code": "signature_is_missing_from_headers",
            "message": "signature is missing from headers",
        }
    }


@pytest.mark.parametrize("offset_s", [-6.0, 6.0, -300.0, 300.0])
def test_stale_or_future_timestamp_is_expired(
    ex: LocalExchange, any_key: Key, offset_s: float
) -> None:
    ms = int((time.time() + offset_s) * 1000)
    r = requests.get(
        origin(ex) + BALANCE,
        headers=hand_headers(any_key, "user-key", "GET", BALANCE, ms),
        timeout=5,
    )
    assert r.status_code == 401
    assert r.json() == {
        "error": {"code": "header_timestamp_expired", "message": "header timestamp expired"}
    }


def test_timestamp_in_seconds_is_expired(ex: LocalExchange, any_key: Key) -> None:
    seconds = int(time.time())
    r = requests.get(
        origin(ex) + BALANCE,
        headers=hand_headers(any_key, "user-key", "GET", BALANCE, seconds),
        timeout=5,
    )
    assert r.json()["error"]["code"] == "header_timestamp_expired"


@pytest.mark.parametrize("timestamp", ["", "12.5", "soon"])
def test_unreadable_timestamp(ex: LocalExchange, any_key: Key, timestamp: str) -> None:
    headers = hand_headers(any_key, "user-key", "GET", BALANCE)
    headers["KALSHI-ACCESS-TIMESTAMP"] = timestamp
    r = requests.get(origin(ex) + BALANCE, headers=headers, timeout=5)
    assert r.status_code == 401
    assert r.json()["error"]["details"] == "INVALID_TIMESTAMP"


def test_timestamp_window_is_configurable(any_key: Key) -> None:
    with LocalExchange(key_type="ed25519", timestamp_window=60) as ex:
        ex.register_key("user-key", any_key.public_key())
        ms = int((time.time() - 30) * 1000)
        r = requests.get(
            origin(ex) + BALANCE,
            headers=hand_headers(any_key, "user-key", "GET", BALANCE, ms),
            timeout=5,
        )
    assert r.status_code == 200, r.text


def test_public_endpoint_needs_no_headers_but_checks_them_when_sent(
    ex: LocalExchange, any_key: Key
) -> None:
    status = "/trade-api/v2/exchange/status"
    r = requests.get(origin(ex) + status, timeout=5)
    assert r.status_code == 200
    assert r.json() == {"exchange_active": True, "trading_active": True}
    assert ex.requests[-1].auth == "public"
    wrong = hand_headers(any_key, "user-key", "GET", BALANCE)
    assert requests.get(origin(ex) + status, headers=wrong, timeout=5).status_code == 401


def test_every_response_carries_the_server_clock_in_date(ex: LocalExchange) -> None:
    ex.clock_offset = 3600
    for path in ("/trade-api/v2/exchange/status", BALANCE, "/nowhere"):
        r = requests.get(origin(ex) + path, timeout=5)
        server = parsedate_to_datetime(r.headers["Date"]).timestamp()
        assert 3598 < server - time.time() < 3602


def test_library_signer_agrees_with_the_independent_verifier(ex: LocalExchange) -> None:
    with ex.session() as s:
        r = s.get("/portfolio/orders", params={"limit": 1}, timeout=5)
    assert r.status_code == 200
    seen = ex.requests[-1]
    assert_signed(ex.auth.public_key, seen.headers, "GET", seen.path, ex.key_id)


@pytest.mark.parametrize("fmt", ["pem_str", "pem_bytes", "private"])
def test_register_key_forms(fmt: str, rsa_key: rsa.RSAPrivateKey) -> None:
    pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    given = {"pem_str": pem.decode(), "pem_bytes": pem, "private": rsa_key}[fmt]
    with LocalExchange(key_type="ed25519") as ex:
        ex.register_key("rsa-user", given)
        r = requests.get(
            origin(ex) + BALANCE,
            headers=hand_headers(rsa_key, "rsa-user", "GET", BALANCE),
            timeout=5,
        )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("key_id", "key"),
    [
        ("", "x"),
        ("id", "not a pem"),
        ("id", 42),
        ("id", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
    ],
)
def test_register_key_rejects_bad_input(key_id: str, key: object) -> None:
    ex = LocalExchange(key_type="ed25519")
    with pytest.raises(ConfigurationError):
        ex.register_key(key_id, key)


def test_register_key_rejects_other_key_types() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ConfigurationError, match="RSA or Ed25519"):
        LocalExchange(key_type="ed25519").register_key("id", pem)


def test_default_rsa_key_signs_rsa_pss() -> None:
    with LocalExchange() as ex:
        assert ex.auth.key_type == "RSA-2048"
        with ex.session() as s:
            assert s.get("/portfolio/balance", timeout=5).status_code == 200
        seen = ex.requests[-1]
    assert_signed(ex.auth.public_key, seen.headers, "GET", BALANCE, ex.key_id)
