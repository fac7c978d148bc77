"""KalshiAuth on prepared requests: what it signs, where it refuses, and what it never shows."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from requests_kalshi import (
    DEMO,
    PRODUCTION,
    ConfigurationError,
    KalshiAuth,
    KalshiError,
    UntrustedHostError,
)
from requests_kalshi.environments import KALSHI_HOSTS

from .conftest import KEY_ID, pem
from .verifier import assert_signed

Key = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
FROZEN = 1703123456.789


def prepared(method: str, url: str, **kwargs: object) -> requests.PreparedRequest:
    return requests.Request(method, url, **kwargs).prepare()


def sign(auth: KalshiAuth, method: str, url: str, **kwargs: object) -> requests.PreparedRequest:
    request = requests.Request(method, url, auth=auth, **kwargs)
    return request.prepare()


@pytest.mark.parametrize(
    "method", ["GET", "get", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
)
def test_signs_method_upper_case_and_path(any_key: Key, method: str) -> None:
    auth = KalshiAuth(KEY_ID, any_key, clock=lambda: FROZEN)
    r = sign(auth, method, DEMO.rest_url + "/portfolio/orders")
    ts = assert_signed(
        any_key.public_key(), r.headers, method.upper(), "/trade-api/v2/portfolio/orders", KEY_ID
    )
    assert ts == 1703123456789


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/portfolio/orders?limit=5&status=resting", "/trade-api/v2/portfolio/orders"),
        ("/markets?cursor=a%2Fb#frag", "/trade-api/v2/markets"),
        ("/markets/", "/trade-api/v2/markets/"),
        ("/markets/KXHIGH-24DEC01-T50.5", "/trade-api/v2/markets/KXHIGH-24DEC01-T50.5"),
        ("/markets/A%20B", "/trade-api/v2/markets/A%20B"),
        ("/markets/A B", "/trade-api/v2/markets/A%20B"),
        ("/markets/é", "/trade-api/v2/markets/%C3%A9"),
        ("/a/../markets", "/trade-api/v2/markets"),  # requests removes dot segments
    ],
)
def test_signed_path_is_the_path_on_the_wire(
    rsa_key: rsa.RSAPrivateKey, url: str, path: str
) -> None:
    auth = KalshiAuth(KEY_ID, rsa_key)
    r = sign(auth, "GET", DEMO.rest_url + url)
    wire_path = r.path_url.split("?")[0]
    assert wire_path == path
    assert_signed(rsa_key.public_key(), r.headers, "GET", path, KEY_ID)


def test_params_are_not_signed(rsa_key: rsa.RSAPrivateKey) -> None:
    auth = KalshiAuth(KEY_ID, rsa_key)
    r = sign(auth, "GET", DEMO.rest_url + "/markets", params={"limit": 5, "status": "open"})
    assert r.url is not None
    assert "limit=5" in r.url
    assert_signed(rsa_key.public_key(), r.headers, "GET", "/trade-api/v2/markets", KEY_ID)


@pytest.mark.parametrize("host", [*sorted(KALSHI_HOSTS), "127.0.0.1", "localhost", "[::1]"])
def test_signs_for_every_kalshi_host_and_loopback(
    ed_key: ed25519.Ed25519PrivateKey, host: str
) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    r = sign(auth, "GET", f"https://{host}/trade-api/v2/exchange/status")
    assert_signed(ed_key.public_key(), r.headers, "GET", "/trade-api/v2/exchange/status", KEY_ID)


def test_plain_http_only_for_loopback(ed_key: ed25519.Ed25519PrivateKey) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    r = sign(auth, "GET", "http://127.0.0.1:8080/trade-api/v2/x")
    assert_signed(ed_key.public_key(), r.headers, "GET", "/trade-api/v2/x", KEY_ID)
    with pytest.raises(
        UntrustedHostError, match=r"plain http:// request to external-api\.kalshi\.com"
    ):
        sign(auth, "GET", "http://external-api.kalshi.com/trade-api/v2/x")


@pytest.mark.parametrize(
    "url",
    [
        "https://external-api.kalsh.com/trade-api/v2/markets",  # typo
        "https://evil.example/trade-api/v2/markets",
        "https://kalshi.com.evil.example/trade-api/v2/markets",
        "https://10.0.0.1/trade-api/v2/markets",
    ],
)
def test_refuses_foreign_hosts_before_sending(ed_key: ed25519.Ed25519PrivateKey, url: str) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    host = urlsplit(url).hostname
    with pytest.raises(
        UntrustedHostError, match=f"refusing to sign a request to {host}.*allowed_hosts"
    ):
        sign(auth, "GET", url)
    assert not auth.signs_for(url)


def test_allowed_hosts_extends_the_list(ed_key: ed25519.Ed25519PrivateKey) -> None:
    auth = KalshiAuth(KEY_ID, ed_key, allowed_hosts=["Proxy.Example.com"])
    r = sign(auth, "GET", "https://proxy.example.com/trade-api/v2/x")
    assert_signed(ed_key.public_key(), r.headers, "GET", "/trade-api/v2/x", KEY_ID)
    single = KalshiAuth(KEY_ID, ed_key, allowed_hosts="proxy.example.com")
    assert "proxy.example.com" in single.allowed_hosts
    assert single.signs_for("https://proxy.example.com/")
    assert not single.signs_for("http://proxy.example.com/")


@pytest.mark.parametrize("bad", [[""], ["https://x.com/"], [3], ["a b"]])
def test_allowed_hosts_must_be_host_names(
    ed_key: ed25519.Ed25519PrivateKey, bad: list[object]
) -> None:
    with pytest.raises(ConfigurationError, match="allowed_hosts must hold host names"):
        KalshiAuth(KEY_ID, ed_key, allowed_hosts=bad)  # type: ignore[arg-type]


def test_callers_cannot_smuggle_their_own_headers(ed_key: ed25519.Ed25519PrivateKey) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    r = sign(
        auth,
        "GET",
        DEMO.rest_url + "/x",
        headers={
            "kalshi-access-key": "other",
            "KALSHI-ACCESS-SIGNATURE": "forged",
            "Kalshi-Access-Timestamp": "1",
        },
    )
    assert sum(1 for name in r.headers if name.lower().startswith("kalshi-access-")) == 3
    assert_signed(ed_key.public_key(), r.headers, "GET", "/trade-api/v2/x", KEY_ID)


def test_resigning_replaces_the_headers(ed_key: ed25519.Ed25519PrivateKey) -> None:
    times = iter([100.0, 200.0])
    auth = KalshiAuth(KEY_ID, ed_key, clock=lambda: next(times))
    r = sign(auth, "GET", DEMO.rest_url + "/a")
    first = r.headers["KALSHI-ACCESS-SIGNATURE"]
    r.prepare_url(DEMO.rest_url + "/b", None)
    auth(r)
    assert r.headers["KALSHI-ACCESS-SIGNATURE"] != first
    assert assert_signed(ed_key.public_key(), r.headers, "GET", "/trade-api/v2/b", KEY_ID) == 200000


def test_body_is_untouched_for_streams_and_files(
    ed_key: ed25519.Ed25519PrivateKey, tmp_path: Path
) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    consumed: list[bytes] = []

    def chunks() -> Iterator[bytes]:
        consumed.append(b"started")
        yield b'{"a": 1}'

    gen = chunks()
    r = sign(auth, "POST", DEMO.rest_url + "/portfolio/orders", data=gen)
    assert cast(object, r.body) is gen
    assert consumed == []
    upload = io.BytesIO(b"payload")
    upload.seek(3)
    r = sign(auth, "POST", DEMO.rest_url + "/portfolio/orders", data=upload)
    assert cast(object, r.body) is upload
    assert upload.tell() == 3
    assert_signed(ed_key.public_key(), r.headers, "POST", "/trade-api/v2/portfolio/orders", KEY_ID)


def test_clock_and_offset(ed_key: ed25519.Ed25519PrivateKey) -> None:
    auth = KalshiAuth(KEY_ID, ed_key, clock=lambda: 1000.0, clock_offset=2.5)
    assert auth.timestamp_ms() == 1002500
    auth.clock_offset = -1.0
    r = sign(auth, "GET", DEMO.rest_url + "/x")
    assert assert_signed(ed_key.public_key(), r.headers, "GET", "/trade-api/v2/x", KEY_ID) == 999000


def test_default_clock_is_now(ed_key: ed25519.Ed25519PrivateKey) -> None:
    import time

    before = int(time.time() * 1000)
    ts = int(KalshiAuth(KEY_ID, ed_key).headers("GET", "/x")["KALSHI-ACCESS-TIMESTAMP"])
    assert before <= ts <= int(time.time() * 1000)


@pytest.mark.parametrize(("clock", "offset"), [("not callable", 0.0), (None, "1"), (None, True)])
def test_bad_clock_options(
    ed_key: ed25519.Ed25519PrivateKey, clock: object, offset: object
) -> None:
    with pytest.raises(ConfigurationError):
        KalshiAuth(KEY_ID, ed_key, clock=clock, clock_offset=offset)  # type: ignore[arg-type]


# ---- headers() for other clients ----


def test_headers_for_websocket_and_urls(any_key: Key) -> None:
    auth = KalshiAuth(KEY_ID, any_key)
    h = auth.headers("get", "/trade-api/ws/v2")
    assert_signed(any_key.public_key(), h, "GET", "/trade-api/ws/v2", KEY_ID)
    h = auth.headers("GET", PRODUCTION.ws_url)
    assert_signed(any_key.public_key(), h, "GET", "/trade-api/ws/v2", KEY_ID)
    h = auth.headers("DELETE", PRODUCTION.rest_url + "/portfolio/orders/abc?x=1")
    assert_signed(any_key.public_key(), h, "DELETE", "/trade-api/v2/portfolio/orders/abc", KEY_ID)


@pytest.mark.parametrize(
    ("method", "target", "message"),
    [
        ("GET", "trade-api/v2/x", "must start with '/'"),
        ("GET", "", "url_or_path must be"),
        ("G T", "/x", "method must be"),
        (None, "/x", "method must be"),
        ("GET", "https://evil.example/x", "refusing to sign a request to evil.example"),
        ("GET", "ftp://external-api.kalshi.com/x", "not an http"),
    ],
)
def test_headers_bad_input(
    ed_key: ed25519.Ed25519PrivateKey, method: object, target: str, message: str
) -> None:
    with pytest.raises(KalshiError, match=message):
        KalshiAuth(KEY_ID, ed_key).headers(method, target)  # type: ignore[arg-type]


# ---- construction ----


def test_loads_from_path_once(rsa_key_file: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    auth = KalshiAuth(KEY_ID, rsa_key_file)
    r = sign(auth, "GET", DEMO.rest_url + "/portfolio/balance")
    assert_signed(rsa_key.public_key(), r.headers, "GET", "/trade-api/v2/portfolio/balance", KEY_ID)
    assert auth.key_type == "RSA-2048"
    rsa_key_file.unlink()  # the key was read in the constructor, not per request
    sign(auth, "GET", DEMO.rest_url + "/portfolio/balance")


def test_key_id_whitespace_is_trimmed(ed_key: ed25519.Ed25519PrivateKey) -> None:
    assert KalshiAuth(f"  {KEY_ID}\n", ed_key).key_id == KEY_ID


@pytest.mark.parametrize(
    ("key_id", "message"),
    [
        ("", "key_id is empty"),
        ("   ", "key_id is empty"),
        (None, "key_id must be a str"),
        (1234, "key_id must be a str"),
        (b"a952bafb", "key_id must be a str"),
        ("abc def", "spaces or control characters"),
        ("abc\r\nX-Evil: 1", "spaces or control characters"),
        ("~/kalshi/demo-key.txt", "looks like a file path; did you swap"),
        ("kalshi-key.pem", "looks like a file path; did you swap"),
    ],
)
def test_bad_key_id(ed_key: ed25519.Ed25519PrivateKey, key_id: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        KalshiAuth(key_id, ed_key)  # type: ignore[arg-type]


def test_swapped_key_id_and_key(rsa_key: rsa.RSAPrivateKey) -> None:
    text = pem(rsa_key, "pkcs1").decode()
    with pytest.raises(ConfigurationError, match="key_id looks like a PEM; did you swap") as info:
        KalshiAuth(text, KEY_ID)
    assert "MII" not in str(info.value)
    with pytest.raises(
        ConfigurationError, match=r"private_key looks like a key id \(a UUID\); did you swap"
    ):
        KalshiAuth("kalshi-key.txt", KEY_ID)


def test_repr_and_logs_never_show_key_material(
    rsa_key: rsa.RSAPrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    text = pem(rsa_key, "pkcs1").decode()
    auth = KalshiAuth(KEY_ID, text)
    assert repr(auth) == f"KalshiAuth(key_id='{KEY_ID}', key_type='RSA-2048')"
    with caplog.at_level(logging.DEBUG, logger="requests_kalshi"):
        r = sign(auth, "GET", DEMO.rest_url + "/portfolio/balance")
    assert "GET/trade-api/v2/portfolio/balance" in caplog.text
    body = "".join(text.splitlines()[1:-1])
    everything = repr(auth) + str(vars(auth)) + caplog.text
    for i in range(0, len(body), 16):
        assert body[i : i + 16] not in everything
    assert r.headers["KALSHI-ACCESS-SIGNATURE"] not in caplog.text
    assert auth.fingerprint.startswith("SHA256:")


# ---- from_env ----


def test_from_env_with_path(rsa_key_file: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    auth = KalshiAuth.from_env(
        {"KALSHI_API_KEY_ID": KEY_ID, "KALSHI_PRIVATE_KEY_PATH": str(rsa_key_file)}
    )
    h = auth.headers("GET", "/x")
    assert_signed(rsa_key.public_key(), h, "GET", "/x", KEY_ID)


def test_from_env_with_escaped_pem_and_password(rsa_key: rsa.RSAPrivateKey) -> None:
    text = pem(rsa_key, "pkcs8", password=b"pw").decode().replace("\n", "\\n")
    auth = KalshiAuth.from_env(
        {
            "KALSHI_API_KEY_ID": KEY_ID,
            "KALSHI_PRIVATE_KEY": text,
            "KALSHI_PRIVATE_KEY_PASSWORD": "pw",
        }
    )
    assert_signed(rsa_key.public_key(), auth.headers("GET", "/x"), "GET", "/x", KEY_ID)


def test_from_env_with_an_encrypted_key_file_and_password(
    rsa_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    path = tmp_path / "key.pem"
    path.write_bytes(pem(rsa_key, "pkcs8", password=b"pw"))
    variables = {
        "KALSHI_API_KEY_ID": KEY_ID,
        "KALSHI_PRIVATE_KEY_PATH": str(path),
        "KALSHI_PRIVATE_KEY_PASSWORD": "pw",
    }
    auth = KalshiAuth.from_env(variables)
    assert_signed(rsa_key.public_key(), auth.headers("GET", "/x"), "GET", "/x", KEY_ID)


def test_from_env_reads_os_environ(
    rsa_key_file: Path, rsa_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KALSHI_API_KEY_ID", KEY_ID)
    monkeypatch.setenv("KALSHI_PRIVATE_KEY_PATH", str(rsa_key_file))
    monkeypatch.delenv("KALSHI_PRIVATE_KEY", raising=False)
    auth = KalshiAuth.from_env(allowed_hosts=["proxy.example.com"])
    assert "proxy.example.com" in auth.allowed_hosts


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "KALSHI_API_KEY_ID is not set"),
        ({"KALSHI_PRIVATE_KEY_PATH": "/k"}, "KALSHI_API_KEY_ID is not set"),
        (
            {"KALSHI_API_KEY_ID": KEY_ID},
            "neither KALSHI_PRIVATE_KEY_PATH .* nor KALSHI_PRIVATE_KEY",
        ),
        ({"KALSHI_API_KEY_ID": KEY_ID, "KALSHI_PRIVATE_KEY_PATH": " "}, "neither"),
        (
            {
                "KALSHI_API_KEY_ID": KEY_ID,
                "KALSHI_PRIVATE_KEY_PATH": "/k",
                "KALSHI_PRIVATE_KEY": "x",
            },
            "both KALSHI_PRIVATE_KEY_PATH and KALSHI_PRIVATE_KEY are set",
        ),
    ],
)
def test_from_env_errors(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        KalshiAuth.from_env(environ)


# ---- threads ----


def test_one_auth_shared_by_many_threads(rsa_key: rsa.RSAPrivateKey) -> None:
    auth = KalshiAuth(KEY_ID, rsa_key)
    results: list[tuple[str, requests.PreparedRequest]] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for i in range(25):
            path = f"/trade-api/v2/markets/T{n}-{i}"
            r = sign(auth, "POST" if i % 2 else "GET", "https://external-api.kalshi.com" + path)
            with lock:
                results.append((path, r))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 200
    for path, r in results:
        assert r.method is not None
        assert_signed(rsa_key.public_key(), r.headers, r.method, path, KEY_ID)


# ---- properties ----

path_segments = st.lists(
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="/?#\x00"), min_size=1, max_size=12
    ),
    min_size=1,
    max_size=4,
)
queries = st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=3)


@settings(max_examples=60, deadline=None)
@given(segments=path_segments, params=queries, method=st.sampled_from(["GET", "POST", "DELETE"]))
def test_any_path_and_query_signs_the_wire_path(
    ed_key_for_props: ed25519.Ed25519PrivateKey,
    segments: list[str],
    params: dict[str, str],
    method: str,
) -> None:
    auth = KalshiAuth(KEY_ID, ed_key_for_props)
    url = "https://external-api.demo.kalshi.co/trade-api/v2/" + "/".join(segments)
    r = sign(auth, method, url, params=params)
    wire_path = r.path_url.split("?", 1)[0]
    assert wire_path.startswith("/trade-api/v2/")
    assert_signed(ed_key_for_props.public_key(), r.headers, method, wire_path, KEY_ID)


@pytest.fixture(scope="module")
def ed_key_for_props() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def test_key_id_must_be_ascii(ed_key: ed25519.Ed25519PrivateKey) -> None:
    with pytest.raises(ConfigurationError, match="not ASCII"):
        KalshiAuth("a952bafb-…", ed_key)


def test_headers_refuse_a_path_with_control_characters(ed_key: ed25519.Ed25519PrivateKey) -> None:
    with pytest.raises(ConfigurationError, match="the path holds control characters"):
        KalshiAuth(KEY_ID, ed_key).headers("GET", "/trade-api/v2/markets\r\nX-Evil: 1")
