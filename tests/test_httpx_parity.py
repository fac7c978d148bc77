"""The httpx clients have what a session has: paginate(), sync_clock(), the same options."""

from __future__ import annotations

import asyncio
import inspect
import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from requests_kalshi import BadRequestError, ConfigurationError, KalshiError, RateLimiter, session
from requests_kalshi import httpx as kalshi_httpx
from requests_kalshi.pagination import PageWalk
from requests_kalshi.testing import LocalExchange


@pytest.fixture(scope="module")
def exchange() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as running:
        yield running


@pytest.fixture
def unused_url() -> str:
    """A loopback URL nothing listens on: connections to it are refused."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    return f"http://127.0.0.1:{port}/trade-api/v2"


def httpx_auth(exchange: LocalExchange) -> kalshi_httpx.KalshiAuth:
    return kalshi_httpx.KalshiAuth.from_requests_auth(exchange.auth)


# --- paginate -----------------------------------------------------------------------------------


def test_the_sync_client_walks_the_pages_a_session_walks(exchange: LocalExchange) -> None:
    with exchange.session() as s:
        expected = [m["ticker"] for m in s.paginate("/markets", params={"limit": 10})]
    assert len(expected) > 20  # at least three pages
    pages: list[tuple[int, int, str]] = []

    def on_page(page: int, items: int, response: httpx.Response) -> None:
        pages.append((page, items, response.url.params.get("cursor", "")))

    with kalshi_httpx.client(exchange.url, auth=httpx_auth(exchange)) as c:
        walked = [
            m["ticker"] for m in c.paginate("/markets", params={"limit": 10}, on_page=on_page)
        ]
        assert [m["ticker"] for m in c.paginate("/markets", limit=15)] == expected[:15]
        assert len(list(c.paginate("/markets", params={"limit": 10}, max_pages=2))) == 20
    assert walked == expected
    assert [(page, items) for page, items, _ in pages[:2]] == [(1, 10), (2, 20)]
    assert pages[0][2] == ""
    assert all(cursor for _, _, cursor in pages[1:])
    assert all(r.auth == "ok" for r in exchange.requests[-3:])


def test_the_async_client_walks_the_same_pages(exchange: LocalExchange) -> None:
    with exchange.session() as s:
        expected = [m["ticker"] for m in s.paginate("/markets", params={"limit": 10})]
    seen: list[int] = []

    async def main() -> list[str]:
        async with kalshi_httpx.async_client(exchange.url, auth=httpx_auth(exchange)) as a:
            walk = a.paginate(
                "/markets", params={"limit": 10}, on_page=lambda p, i, r: seen.append(i)
            )
            return [m["ticker"] async for m in walk]

    assert asyncio.run(main()) == expected
    assert seen[-1] == len(expected)


def test_an_error_page_raises_the_typed_error_in_both_clients(exchange: LocalExchange) -> None:
    c = kalshi_httpx.client(exchange.url, auth=httpx_auth(exchange))
    with c, pytest.raises(BadRequestError) as raised:
        list(c.paginate("/markets", params={"limit": 5000}))
    assert isinstance(raised.value.response, httpx.Response)

    async def main() -> None:
        async with kalshi_httpx.async_client(exchange.url, auth=httpx_auth(exchange)) as a:
            with pytest.raises(BadRequestError):
                [m async for m in a.paginate("/markets", params={"limit": 5000})]

    asyncio.run(main())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"limit": 0}, "limit must be a whole number"),
        ({"max_pages": True}, "max_pages must be a whole number"),
        ({"on_page": "print"}, "on_page must be a function"),
    ],
)
def test_bad_walk_options_are_refused_when_asked(options: dict[str, Any], message: str) -> None:
    with kalshi_httpx.client("demo") as c, pytest.raises(ConfigurationError, match=message):
        c.paginate("/markets", **options)
    a = kalshi_httpx.async_client("demo")
    with pytest.raises(ConfigurationError, match=message):
        a.paginate("/markets", **options)
    asyncio.run(a.aclose())


def test_the_walk_stops_at_a_cursor_answered_twice_after_yielding_its_page() -> None:
    walk = PageWalk("/markets")
    assert walk.items({"markets": [1], "cursor": "a"}, None) == [1]
    assert walk.query == {"cursor": "a"}
    assert walk.items({"markets": [2], "cursor": "a"}, None) == [2]
    assert not walk.done
    with pytest.raises(KalshiError, match="answered the cursor it was sent"):
        walk.query  # noqa: B018 - the next page's query is what refuses


# --- sync_clock ---------------------------------------------------------------------------------


def test_both_clients_sync_the_clock_with_the_exchanges(exchange: LocalExchange) -> None:
    exchange.clock_offset = 60.0  # the server is a minute ahead
    try:
        auth = httpx_auth(exchange)
        with kalshi_httpx.client(exchange.url, auth=auth) as c:
            offset = c.sync_clock()
            assert 58.4 < offset < 61.6
            assert auth.clock_offset == offset
            assert c.get("/portfolio/balance").status_code == 200

        async_auth = httpx_auth(exchange)

        async def main() -> float:
            async with kalshi_httpx.async_client(exchange.url, auth=async_auth) as a:
                return await a.sync_clock()

        offset = asyncio.run(main())
        assert 58.4 < offset < 61.6
        assert async_auth.clock_offset == offset
        assert exchange.requests[-1].auth == "ok"
    finally:
        exchange.clock_offset = 0.0


def test_sync_clock_refuses_what_a_session_refuses(exchange: LocalExchange) -> None:
    c = kalshi_httpx.client(exchange.url, environ={})
    with c, pytest.raises(ConfigurationError, match="needs a client with a KalshiAuth"):
        c.sync_clock()
    exchange.clock_offset = 7200.0  # two hours: not believed
    try:
        auth = httpx_auth(exchange)
        c = kalshi_httpx.client(exchange.url, auth=auth)
        with c, pytest.raises(ConfigurationError, match="more than the 3600 s"):
            c.sync_clock()
        assert auth.clock_offset == 0.0
    finally:
        exchange.clock_offset = 0.0

    def no_date(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={}, headers={"Date": ""})

    transport = httpx.MockTransport(no_date)
    c = kalshi_httpx.client(exchange.url, auth=httpx_auth(exchange), transport=transport)
    with c, pytest.raises(ConfigurationError, match="no usable Date header"):
        c.sync_clock()


# --- options ------------------------------------------------------------------------------------


def options_of(factory: Callable[..., Any]) -> dict[str, Any]:
    parameters = inspect.signature(factory).parameters.values()
    return {p.name: (p.kind, p.default) for p in parameters if p.kind != p.VAR_KEYWORD}


def test_the_three_factories_take_the_same_options_with_the_same_defaults() -> None:
    options = options_of(session)
    assert next(iter(options)) == "env"
    assert len(options) == 14
    only_httpx = {"transport"}
    assert {k: v for k, v in options_of(kalshi_httpx.client).items() if k not in only_httpx} == (
        options
    )
    only_async = {"transport", "sign_in_thread"}
    async_options = options_of(kalshi_httpx.async_client)
    assert {k: v for k, v in async_options.items() if k not in only_async} == options
    # And in the same order, so positional use and the docs' tables agree.
    assert list(options_of(kalshi_httpx.client))[: len(options)] == list(options)
    assert list(async_options)[: len(options)] == list(options)


def test_rate_limit_auto_reads_the_account_through_httpx(exchange: LocalExchange) -> None:
    before = len(exchange.requests)
    with kalshi_httpx.client(exchange.url, auth=httpx_auth(exchange), rate_limit="auto") as c:
        assert c.get("/markets", params={"limit": 1}).status_code == 200
    paths = [r.path for r in exchange.requests[before:]]
    assert paths[:3] == [
        "/trade-api/v2/account/limits",
        "/trade-api/v2/account/endpoint_costs",
        "/trade-api/v2/account/limits/perps",
    ]

    async def main() -> None:
        a = kalshi_httpx.async_client(exchange.url, auth=httpx_auth(exchange), rate_limit="auto")
        async with a:
            assert (await a.get("/markets", params={"limit": 1})).status_code == 200

    asyncio.run(main())
    assert [r.path for r in exchange.requests[-4:-1]] == paths[:3]


def test_rate_limit_auto_failing_says_to_pass_a_tier(unused_url: str) -> None:
    with pytest.raises(ConfigurationError, match="could not read GET /account/limits"):
        kalshi_httpx.client(unused_url, rate_limit="auto", retries=0)
    with pytest.raises(ConfigurationError, match="rate_limit='basic'"):
        kalshi_httpx.async_client(unused_url, rate_limit="auto", retries=0)


def test_an_error_answer_to_auto_is_a_configuration_error(exchange: LocalExchange) -> None:
    exchange.fail_next(1, status=500)
    try:
        with pytest.raises(ConfigurationError, match=r"limits \(Kalshi answered 500"):
            kalshi_httpx.client(
                exchange.url, auth=httpx_auth(exchange), rate_limit="auto", retries=0
            )
    finally:
        exchange.clear_faults()


def test_auto_failing_leaves_a_given_transport_open() -> None:
    closed: list[bool] = []

    class Refusing(httpx.MockTransport):
        def close(self) -> None:
            closed.append(True)

    transport = Refusing(lambda request: httpx.Response(503, json={}))
    with pytest.raises(ConfigurationError, match="could not read GET /account/limits"):
        kalshi_httpx.client("demo", rate_limit="auto", retries=0, transport=transport)
    assert closed == []  # the caller's: they close it


def test_local_is_for_sessions_only() -> None:
    with pytest.raises(ConfigurationError, match="LocalExchange and pass its url"):
        kalshi_httpx.client("local")


def test_a_shared_limiter_is_used_as_given() -> None:
    limiter = RateLimiter.for_tier("basic")
    with kalshi_httpx.client("demo", rate_limit=limiter) as c:
        assert c is not None
    with session("demo", rate_limit=limiter) as s:
        assert s.rate_limiter is limiter


def test_every_paginate_takes_the_same_options() -> None:
    from requests_kalshi import KalshiSession
    from requests_kalshi.pagination import paginate

    def after_first(function: Callable[..., Any]) -> list[tuple[str, Any]]:
        return list(options_of(function).items())[1:]  # without self / session

    walk = list(options_of(PageWalk).items())  # path, then the walk's options
    assert [name for name, _ in walk] == [
        "path", "params", "key", "limit", "max_pages", "on_page"
    ]  # fmt: skip
    for function in (
        paginate,
        KalshiSession.paginate,
        kalshi_httpx.KalshiClient.paginate,
        kalshi_httpx.AsyncKalshiClient.paginate,
    ):
        assert after_first(function) == walk, function
