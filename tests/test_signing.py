"""The pure signing rules, checked against the facts sheet with an independent verifier."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from hypothesis import given
from hypothesis import strategies as st

from requests_kalshi.signing import (
    sign_message,
    signature_headers,
    signed_path,
    string_to_sign,
    verify_signature,
)

from .verifier import is_valid


def test_string_to_sign_matches_the_facts_sheet_example() -> None:
    text = string_to_sign(1703123456789, "GET", "/trade-api/v2/portfolio/balance")
    assert text == "1703123456789GET/trade-api/v2/portfolio/balance"
    assert string_to_sign("1703123456789", "delete", "/x") == "1703123456789DELETE/x"


@pytest.mark.parametrize(
    ("url", "path"),
    [
        (
            "https://external-api.kalshi.com/trade-api/v2/portfolio/orders?limit=5",
            "/trade-api/v2/portfolio/orders",
        ),
        ("/trade-api/v2/markets?cursor=abc#frag", "/trade-api/v2/markets"),
        ("/trade-api/v2/markets/", "/trade-api/v2/markets/"),
        ("/trade-api/v2/markets/KX%20A", "/trade-api/v2/markets/KX%20A"),
        ("/trade-api/v2/markets/KX A", "/trade-api/v2/markets/KX%20A"),
        ("https://external-api.kalshi.com", "/"),
        ("https://external-api.kalshi.com?x=1", "/"),
    ],
)
def test_signed_path_drops_host_query_and_fragment(url: str, path: str) -> None:
    assert signed_path(url) == path


def test_rsa_signature_is_pss_sha256_salt32_base64(rsa_key: rsa.RSAPrivateKey) -> None:
    text = "1703123456789GET/trade-api/v2/portfolio/balance"
    signature = sign_message(rsa_key, text)
    assert len(signature) == 344  # 256 bytes, padded standard base64
    assert base64.b64decode(signature, validate=True)
    assert is_valid(rsa_key.public_key(), text, signature)
    assert not is_valid(rsa_key.public_key(), text + "x", signature)
    # PSS is randomised: two signatures differ, both verify.
    again = sign_message(rsa_key, text.encode())
    assert again != signature
    assert is_valid(rsa_key.public_key(), text, again)


def test_ed25519_signature(ed_key: ed25519.Ed25519PrivateKey) -> None:
    text = "1703123456789POST/trade-api/v2/portfolio/orders"
    signature = sign_message(ed_key, text)
    assert len(base64.b64decode(signature)) == 64
    assert is_valid(ed_key.public_key(), text, signature)
    assert not is_valid(ed_key.public_key(), text.replace("POST", "GET"), signature)


def test_ed25519_matches_rfc8032_test_vector_1() -> None:
    secret = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    key = ed25519.Ed25519PrivateKey.from_private_bytes(secret)
    expected = bytes.fromhex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert sign_message(key, b"") == base64.b64encode(expected).decode()


def test_verify_signature_rejects_bad_input(
    any_key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey,
) -> None:
    public = any_key.public_key()
    good = sign_message(any_key, "abc")
    assert verify_signature(public, "abc", good)
    assert verify_signature(public, b"abc", good)
    assert not verify_signature(public, "abd", good)
    assert not verify_signature(public, "abc", "not base64!")
    assert not verify_signature(public, "abc", base64.b64encode(b"short").decode())


def test_signature_headers(any_key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> None:
    headers = signature_headers("kid", any_key, 1703123456789, "get", "/trade-api/v2/x")
    assert headers["KALSHI-ACCESS-KEY"] == "kid"
    assert headers["KALSHI-ACCESS-TIMESTAMP"] == "1703123456789"
    assert is_valid(
        any_key.public_key(), "1703123456789GET/trade-api/v2/x", headers["KALSHI-ACCESS-SIGNATURE"]
    )


@given(
    timestamp=st.integers(min_value=0, max_value=10**13),
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    path=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40),
)
def test_any_text_round_trips(
    ed_key_for_hypothesis: ed25519.Ed25519PrivateKey, timestamp: int, method: str, path: str
) -> None:
    text = string_to_sign(timestamp, method, "/" + path)
    assert text == f"{timestamp}{method}/{path}"
    assert is_valid(
        ed_key_for_hypothesis.public_key(), text, sign_message(ed_key_for_hypothesis, text)
    )


@pytest.fixture(scope="module")
def ed_key_for_hypothesis() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()
