"""Proxies: signed plain-http requests never go through one, and the proxy look-up cache
always gives requests' own answer."""

from __future__ import annotations

import itertools
import os

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519

from requests_kalshi import KalshiAuth, KalshiSession, UntrustedHostError

from .conftest import KEY_ID
from .loopback import LoopbackServer
from .scripted import ScriptedServer

PROXY_NAMES = [
    "HTTP_PROXY", "http_proxy", "Http_Proxy", "HTTPS_PROXY", "https_proxy", "Https_Proxy",
    "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", "No_Proxy", "REQUEST_METHOD",
]  # fmt: skip


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name == "REQUEST_METHOD":
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("clean_environ")
def test_a_signed_plain_http_request_bypasses_the_proxy(
    ed_key: ed25519.Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = LoopbackServer()
    with proxy.running(), ScriptedServer(ed_key.public_key(), KEY_ID).running() as server:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        s = KalshiSession(server.url, auth=KalshiAuth(KEY_ID, ed_key))
        assert s.get("/portfolio/balance").status_code == 200
        assert s.get(server.url + "/markets").status_code == 200
    assert proxy.received == []
    assert len(server.received) == 2
    assert None not in server.timestamps()


@pytest.mark.usefixtures("clean_environ")
def test_an_unsigned_plain_http_request_still_uses_the_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy = LoopbackServer()
    with proxy.running():
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        s = KalshiSession("http://127.0.0.1:9/trade-api/v2")  # nothing listens on port 9
        assert s.get("/markets").status_code == 200
    assert len(proxy.received) == 1


@pytest.mark.usefixtures("clean_environ")
def test_a_plain_session_refuses_to_sign_plain_http_through_a_proxy(
    ed_key: ed25519.Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = LoopbackServer()
    with proxy.running():
        monkeypatch.setenv("http_proxy", proxy.url)
        s = requests.Session()
        s.auth = KalshiAuth(KEY_ID, ed_key)
        with pytest.raises(UntrustedHostError, match="NO_PROXY"):
            s.get("http://127.0.0.1:9/trade-api/v2/markets")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        with ScriptedServer(ed_key.public_key(), KEY_ID).running() as server:
            assert s.get(server.url + "/markets").status_code == 200
    assert proxy.received == []


VALUES = [None, "http://proxy-a.test:3128", "http://proxy-b.test:3128"]
NO_PROXY_VALUES = [None, "127.0.0.1,localhost", "kalshi.com", "*"]


def _requests_answer(url: str) -> dict[str, str]:
    plain = requests.Session()
    return dict(plain.merge_environment_settings(url, {}, None, None, None)["proxies"])


def _our_answer(s: KalshiSession, url: str) -> dict[str, str]:
    return dict(s.merge_environment_settings(url, {}, None, None, None)["proxies"])


@pytest.mark.usefixtures("clean_environ")
@pytest.mark.parametrize("name", PROXY_NAMES)
def test_the_proxy_cache_sees_every_spelling_of_every_variable(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = KalshiSession("demo")
    urls = [
        "https://external-api.kalshi.com/trade-api/v2/markets",
        "http://127.0.0.1:8080/trade-api/v2/markets",
    ]
    values = NO_PROXY_VALUES if "no_proxy" in name.lower() else VALUES
    if name == "REQUEST_METHOD":
        values = [None, "GET"]
        monkeypatch.setenv("HTTP_PROXY", "http://proxy-a.test:3128")
    for value, url in itertools.product(values, urls):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
        for _ in range(2):  # the second look-up comes from the cache
            assert _our_answer(s, url) == _requests_answer(url), (name, value, url)


@pytest.mark.usefixtures("clean_environ")
def test_the_proxy_cache_follows_a_mixed_case_change(monkeypatch: pytest.MonkeyPatch) -> None:
    s = KalshiSession("demo")
    url = "https://external-api.kalshi.com/trade-api/v2/markets"
    assert _our_answer(s, url) == {}
    monkeypatch.setenv("Https_Proxy", "http://proxy-a.test:3128")
    assert _our_answer(s, url) == {"https": "http://proxy-a.test:3128"}
    monkeypatch.setenv("No_Proxy", "kalshi.com")
    assert _our_answer(s, url) == _requests_answer(url)


@pytest.mark.usefixtures("clean_environ")
def test_the_proxy_cache_stays_small_and_right(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy-a.test:3128")
    monkeypatch.setenv("NO_PROXY", "host-7.test")
    s = KalshiSession("demo")
    for n in range(70):
        url = f"https://host-{n}.test/trade-api/v2/markets"
        assert _our_answer(s, url) == _requests_answer(url)
    assert len(s._proxies) <= 64
