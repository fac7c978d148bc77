"""KalshiSession URL joining and the session() factory."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from requests_kalshi import (
    DEMO,
    PRODUCTION,
    ConfigurationError,
    KalshiAuth,
    KalshiSession,
    __version__,
    session,
)
from requests_kalshi.errors import KeyFileError, UnknownEnvironmentError

from .conftest import KEY_ID
from .verifier import assert_signed

BASE = DEMO.rest_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/markets", BASE + "/markets"),
        ("markets", BASE + "/markets"),
        ("/trade-api/v2/markets", BASE + "/markets"),
        ("trade-api/v2/markets", BASE + "/markets"),
        ("/markets?limit=5", BASE + "/markets?limit=5"),
        ("", BASE),
        ("/", BASE),
        ("//evil.example/x", BASE + "/evil.example/x"),
        ("/trade-api/v2x", "https://external-api.demo.kalshi.co/trade-api/v2x"),
        ("/trade-api/ws/v2", "https://external-api.demo.kalshi.co/trade-api/ws/v2"),
        (
            "https://external-api.kalshi.com/trade-api/v2/x",
            "https://external-api.kalshi.com/trade-api/v2/x",
        ),
        ("HTTP://127.0.0.1/x", "HTTP://127.0.0.1/x"),
    ],
)
def test_url_for(url: str, expected: str) -> None:
    s = KalshiSession("demo")
    assert s.url_for(url) == expected
    assert s.environment is DEMO
    assert s.base_url == BASE


@pytest.mark.parametrize("url", ["ftp://x/y", "javascript:alert(1)"])
def test_url_for_refuses_other_schemes(url: str) -> None:
    with pytest.raises(ConfigurationError, match="only http"):
        KalshiSession("demo").url_for(url)


def test_url_for_type() -> None:
    with pytest.raises(ConfigurationError, match="url must be a str"):
        KalshiSession("demo").url_for(3)  # type: ignore[arg-type]


@responses.activate
def test_requests_go_to_the_joined_url_signed(rsa_key: rsa.RSAPrivateKey) -> None:
    responses.get(BASE + "/markets", json={"markets": []})
    k = session("demo", key_id=KEY_ID, private_key=rsa_key)
    r = k.get("/markets", params={"limit": 5})
    assert r.json() == {"markets": []}
    sent = responses.calls[0].request
    assert sent.url == BASE + "/markets?limit=5"
    assert_signed(rsa_key.public_key(), sent.headers, "GET", "/trade-api/v2/markets", KEY_ID)
    assert sent.headers["User-Agent"].startswith(f"requests-kalshi/{__version__} python-requests/")
    k.request(b"GET", b"/markets")
    assert responses.calls[1].request.url == BASE + "/markets"


def test_session_is_a_requests_session() -> None:
    s = session("production", environ={})
    assert isinstance(s, requests.Session)
    assert s.environment is PRODUCTION
    assert s.auth is None
    assert repr(s) == f"<KalshiSession {PRODUCTION.rest_url} auth=None>"


def test_env_from_variable_and_default() -> None:
    assert session(environ={}).environment is DEMO
    assert session(environ={"KALSHI_ENV": "prod"}).environment is PRODUCTION
    assert session("demo", environ={"KALSHI_ENV": "prod"}).environment is DEMO
    with pytest.raises(UnknownEnvironmentError):
        session(environ={"KALSHI_ENV": "nope"})


def test_credentials_from_environment_variables(rsa_key_file: Path) -> None:
    s = session(environ={"KALSHI_API_KEY_ID": KEY_ID, "KALSHI_PRIVATE_KEY_PATH": str(rsa_key_file)})
    assert isinstance(s.auth, KalshiAuth)
    assert s.auth.key_id == KEY_ID
    with pytest.raises(ConfigurationError, match="neither KALSHI_PRIVATE_KEY_PATH"):
        session(environ={"KALSHI_API_KEY_ID": KEY_ID})
    with pytest.raises(KeyFileError, match="file not found"):
        session(environ={"KALSHI_API_KEY_ID": KEY_ID, "KALSHI_PRIVATE_KEY_PATH": "/nope/key.txt"})


def test_credentials_from_os_environ(rsa_key_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KALSHI_API_KEY_ID", KEY_ID)
    monkeypatch.setenv("KALSHI_PRIVATE_KEY_PATH", str(rsa_key_file))
    monkeypatch.setenv("KALSHI_ENV", "production")
    s = session()
    assert isinstance(s.auth, KalshiAuth)
    assert s.environment is PRODUCTION


def test_explicit_auth_object(rsa_key: rsa.RSAPrivateKey) -> None:
    auth = KalshiAuth(KEY_ID, rsa_key)
    assert session("demo", auth=auth).auth is auth


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key_id": KEY_ID}, "private_key is missing"),
        ({"private_key": "/k.txt"}, "key_id is missing"),
        ({"password": "pw"}, "password= was given without"),
    ],
)
def test_incomplete_credentials(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        session("demo", environ={}, **kwargs)  # type: ignore[arg-type]


def test_auth_and_key_together(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ConfigurationError, match="either auth= or key_id="):
        session("demo", auth=KalshiAuth(KEY_ID, rsa_key), key_id=KEY_ID, private_key=rsa_key)


def test_unknown_environment_and_bad_url() -> None:
    with pytest.raises(UnknownEnvironmentError, match="unknown environment 'staging'"):
        session("staging", environ={})
    with pytest.raises(UnknownEnvironmentError, match="must start with https://"):
        session("ftp://127.0.0.1/trade-api/v2", environ={})


PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"HTTPS_PROXY": "http://proxy.example:3128"},
        {"https_proxy": "http://proxy.example:3128", "no_proxy": "kalshi.com"},
        {"ALL_PROXY": "socks5://proxy.example:1080", "NO_PROXY": "*"},
        {"HTTP_PROXY": "http://p:1", "REQUESTS_CA_BUNDLE": "/etc/ca.pem"},
    ],
)
@pytest.mark.parametrize("given", [{}, {"https": "http://mine:1"}, {"no_proxy": "kalshi.com"}])
def test_environment_settings_match_requests(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], given: dict[str, str]
) -> None:
    """The per-origin cache of environment proxies answers exactly what requests would."""
    for name in (*PROXY_VARIABLES, "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    ours = KalshiSession("production")
    url = PRODUCTION.rest_url + "/markets"
    ours.merge_environment_settings(url, dict(given), None, None, None)  # fill the cache
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    for trust_env in (True, False):
        ours.trust_env = trust_env
        theirs = requests.Session()
        theirs.trust_env = trust_env
        expected = theirs.merge_environment_settings(url, dict(given), None, None, None)
        assert ours.merge_environment_settings(url, dict(given), None, None, None) == expected
