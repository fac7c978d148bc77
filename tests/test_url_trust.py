"""Trust is decided on the host the client will connect to; every refusal is a KalshiError."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.util import parse_url

from requests_kalshi import (
    DEMO,
    ConfigurationError,
    Environment,
    KalshiAuth,
    KalshiError,
    KalshiSession,
    UntrustedHostError,
    websocket_headers,
    websocket_url,
)
from requests_kalshi.environments import is_loopback_host
from requests_kalshi.errors import UnknownEnvironmentError
from requests_kalshi.redirects import redirect_target

from .conftest import KEY_ID

_AUTH = KalshiAuth(KEY_ID, ed25519.Ed25519PrivateKey.generate())

PIECES = [
    "http://", "https://", "ws://", "wss://", "HTTP://", "//",
    "127.0.0.1", "localhost", "evil", "evil.test", "external-api.kalshi.com", "[::1]", "[",
    "]", ":", ":1", ":80", ":99999", "@", "\\", "/", "%", "%2f", "%40", "%5c", "?", "#",
    " ", "\t", "\n", "\x00", "é", "ｅｖｉｌ", "xn--", ".", "..", "user:pw@", "a",
]  # fmt: skip
urls = st.lists(st.sampled_from(PIECES), min_size=1, max_size=10).map("".join)


def trusted_host(host: str) -> bool:
    host = host.strip("[]").lower()
    return host in _AUTH.allowed_hosts or host in ("127.0.0.1", "::1", "localhost")


@settings(max_examples=800, deadline=None)
@given(urls)
def test_headers_trust_only_the_host_urllib3_connects_to(url: str) -> None:
    try:
        _AUTH.headers("GET", url)
    except KalshiError:
        return
    if url.startswith("/") and not url.startswith("//"):
        return  # a path: no host involved
    assert trusted_host(parse_url(url).host or "")


@settings(max_examples=500, deadline=None)
@given(urls)
def test_websocket_headers_and_signs_for_never_raise_anything_else(url: str) -> None:
    try:
        websocket_headers(_AUTH, url)
    except KalshiError:
        pass
    else:
        assert trusted_host(parse_url(url.strip()).host or "")
    if _AUTH.signs_for(url):
        assert trusted_host(parse_url(url).host or "")


@settings(max_examples=300, deadline=None)
@given(urls)
def test_environments_and_urls_refuse_with_typed_errors(url: str) -> None:
    try:
        s = KalshiSession(url)
    except KalshiError:
        return
    assert ":" not in (parse_url(s.base_url).auth or ""), "a password kept in the base URL"
    with contextlib.suppress(KalshiError):
        s.url_for(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://evil:1\\@127.0.0.1/trade-api/v2/x",
        "http://evil\\@127.0.0.1:80/trade-api/v2/x",
        "http://127.0.0.1\t.evil.test/x",
        "ws://evil:1\\@127.0.0.1/trade-api/ws/v2",
        "http://[::1/x",
        "http://127.0.0.1:99999/x",
    ],
)
def test_urls_the_parsers_disagree_on_are_refused(url: str) -> None:
    with pytest.raises(UntrustedHostError):
        _AUTH.headers("GET", url)
    assert not _AUTH.signs_for(url)


@pytest.mark.parametrize(
    ("host", "trusted"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("[::1]", True),
        ("a.localhost", False),  # resolved by the system: not guaranteed to be this machine
        ("evil.localhost", False),
        ("localhost.evil.test", False),
    ],
)
def test_only_names_that_are_surely_loopback_are_trusted(host: str, trusted: bool) -> None:
    assert is_loopback_host(host) is trusted


@pytest.mark.parametrize(
    "base_url",
    ["http://me:secret@127.0.0.1:8080/trade-api/v2", "https://me:secret@demo-api.kalshi.co"],
)
def test_userinfo_in_a_base_url_is_refused_without_echoing_the_password(base_url: str) -> None:
    with pytest.raises(UnknownEnvironmentError, match="user name or password") as caught:
        KalshiSession(base_url)
    assert "secret" not in str(caught.value)


def test_untrusted_host_errors_redact_passwords() -> None:
    with pytest.raises(UntrustedHostError) as caught:
        _AUTH.headers("GET", "https://me:secret@evil.test/x")
    assert "secret" not in str(caught.value)


def test_websocket_url_of_a_custom_environment_is_its_own() -> None:
    custom = Environment(
        name="mine",
        rest_url=DEMO.rest_url,
        ws_url="wss://stream.example.test/trade-api/ws/v2",
    )
    assert websocket_url(custom) == "wss://stream.example.test/trade-api/ws/v2"
    assert websocket_url(DEMO.rest_url) == DEMO.ws_url
    assert websocket_url("demo") == DEMO.ws_url


def test_a_url_that_is_not_a_str_is_refused() -> None:
    from requests_kalshi.urls import target_of

    with pytest.raises(UntrustedHostError, match="must be a str"):
        target_of(b"https://external-api.kalshi.com/")  # type: ignore[arg-type]


def test_an_unparsable_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="not a URL that can be parsed"):
        KalshiSession("demo").url_for("http://[::1/x")


def test_an_unfollowable_location_has_no_target() -> None:
    response = requests.Response()
    response.status_code = 302
    response.url = DEMO.rest_url
    response.headers["Location"] = "//h[/x"
    assert redirect_target(response) is None


def test_prepare_request_resolves_relative_urls() -> None:
    s = KalshiSession("demo")
    for url in ("/markets", "markets", "/trade-api/v2/markets", b"/markets"):
        prepared = s.prepare_request(requests.Request("GET", url))
        assert prepared.url == DEMO.rest_url + "/markets"


def test_prepare_request_leaves_the_callers_request_alone() -> None:
    s = KalshiSession("demo")
    request = requests.Request("GET", "/markets")
    s.prepare_request(request)
    assert request.url == "/markets"


@settings(max_examples=500, deadline=None)
@given(urls, st.text(max_size=20))
def test_the_fast_paths_agree_with_the_full_parse(url: str, path: str) -> None:
    from urllib3.util.url import _encode_target

    from requests_kalshi.urls import _parsed_target, target_of, wire_path

    try:
        full = _parsed_target(url)
    except UntrustedHostError:
        with pytest.raises(UntrustedHostError):
            target_of(url)
    else:
        assert target_of(url) == full
    url = "https://external-api.kalshi.com/" + path
    try:
        expected = _encode_target(urlsplit(url).path or "/")
    except ValueError:
        return
    assert wire_path(url) == expected
