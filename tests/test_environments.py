"""Environments: Kalshi's hosts, custom base URLs and their errors."""

from __future__ import annotations

import dataclasses

import pytest

from requests_kalshi import DEMO, PRODUCTION, Environment
from requests_kalshi.environments import KALSHI_HOSTS, is_loopback_host, resolve_environment
from requests_kalshi.errors import UnknownEnvironmentError


def test_recommended_hosts() -> None:
    assert DEMO.rest_url == "https://external-api.demo.kalshi.co/trade-api/v2"
    assert DEMO.ws_url == "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"
    assert PRODUCTION.rest_url == "https://external-api.kalshi.com/trade-api/v2"
    assert PRODUCTION.ws_url == "wss://external-api-ws.kalshi.com/trade-api/ws/v2"
    assert str(PRODUCTION) == "production"


def test_every_host_of_the_facts_sheet_is_known() -> None:
    assert {
        "external-api.kalshi.com",
        "api.elections.kalshi.com",
        "external-api.demo.kalshi.co",
        "demo-api.kalshi.co",
        "external-api-ws.kalshi.com",
        "external-api-ws.demo.kalshi.co",
        "trading-api.kalshi.com",
        "external-api-margin-ws.kalshi.com",
        "external-api-margin-ws.demo.kalshi.co",
    } == KALSHI_HOSTS
    assert "demo-api.kalshi.co" in DEMO.hosts
    assert "demo-api.kalshi.co" not in PRODUCTION.hosts


def test_environments_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEMO.rest_url = "https://evil.example"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("demo", DEMO),
        ("DEMO", DEMO),
        ("production", PRODUCTION),
        ("prod", PRODUCTION),
        (" prod ", PRODUCTION),
    ],
)
def test_names(name: str, expected: Environment) -> None:
    assert resolve_environment(name) is expected
    assert resolve_environment(expected) is expected


@pytest.mark.parametrize(
    ("url", "rest", "ws"),
    [
        (
            "http://127.0.0.1:8080/trade-api/v2",
            "http://127.0.0.1:8080/trade-api/v2",
            "ws://127.0.0.1:8080/trade-api/ws/v2",
        ),
        (
            "http://127.0.0.1:8080/trade-api/v2/",
            "http://127.0.0.1:8080/trade-api/v2",
            "ws://127.0.0.1:8080/trade-api/ws/v2",
        ),
        (
            "http://localhost:9000",
            "http://localhost:9000/trade-api/v2",
            "ws://localhost:9000/trade-api/ws/v2",
        ),
        (
            "HTTPS://proxy.example.com/kalshi",
            "https://proxy.example.com/kalshi",
            "wss://proxy.example.com/kalshi/ws",
        ),
    ],
)
def test_custom_base_urls(url: str, rest: str, ws: str) -> None:
    env = resolve_environment(url)
    assert (env.name, env.rest_url, env.ws_url) == ("custom", rest, ws)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ("staging", "unknown environment 'staging': use 'demo', 'production'"),
        ("", "unknown environment"),
        ("ftp://127.0.0.1/trade-api/v2", "must start with https://"),
        ("ws://127.0.0.1/trade-api/v2", "must start with https://"),
        ("http:///trade-api/v2", "has no host"),
        ("https://x.example/trade-api/v2?x=1", "query string"),
        (42, "env must be"),
    ],
)
def test_bad_environments(env: object, message: str) -> None:
    with pytest.raises(UnknownEnvironmentError, match=message):
        resolve_environment(env)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("a.localhost", False),
        ("127.0.0.1", True),
        ("127.9.9.9", True),
        ("[::1]", True),
        ("::1", True),
        ("10.0.0.1", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://external-api.kalshi.com", PRODUCTION),
        ("https://External-API.kalshi.com/trade-api/v2/", PRODUCTION),
        ("https://external-api.demo.kalshi.co/trade-api/v2", DEMO),
    ],
)
def test_recommended_base_urls_are_the_known_environments(url: str, expected: Environment) -> None:
    assert resolve_environment(url) is expected


def test_legacy_base_url_stays_as_given() -> None:
    env = resolve_environment("https://api.elections.kalshi.com/trade-api/v2")
    assert env.name == "custom"
    assert env.rest_url == "https://api.elections.kalshi.com/trade-api/v2"
