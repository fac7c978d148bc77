"""The asyncio stream client against the local exchange, over real sockets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from requests_kalshi import ConfigurationError, KalshiAuth, UntrustedHostError
from requests_kalshi.orderbook import OrderBook
from requests_kalshi.stream import (
    Gap,
    KalshiStream,
    Message,
    Reconnected,
    StreamCommandError,
    StreamGaveUpError,
    StreamHandshakeError,
    connect,
)
from requests_kalshi.testing import LocalExchange

from .orders import TICKER
from .verifier import assert_signed
from .wsclient import drain, place, rest_book


@pytest.fixture(scope="module")
def shared() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519", balance=10**10) as exchange:  # never short of cash
        yield exchange


@pytest.fixture
def ex() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as exchange:
        yield exchange


def stream_to(ex: LocalExchange, **options: Any) -> KalshiStream:
    return connect(ex.auth, ex.ws_url, backoff=0, **options)


ORDERS = st.lists(
    st.tuples(
        st.sampled_from(["bid", "ask"]),
        st.integers(min_value=15, max_value=30).map(lambda c: f"0.{c}"),
        st.integers(min_value=1, max_value=300).map(str),
        st.sampled_from(["good_till_canceled", "immediate_or_cancel"]),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=ORDERS)
def test_snapshot_plus_deltas_is_the_rest_book(shared: LocalExchange, orders: list[Any]) -> None:
    async def scenario() -> tuple[OrderBook, dict[str, Any], list[Message]]:
        book = OrderBook(TICKER)
        async with stream_to(shared) as stream:
            await stream.subscribe(["orderbook_delta"], market_tickers=[TICKER])
            for side, price, count, tif in orders:
                await place(shared, side=side, price=price, count=count, time_in_force=tif)
            items = await drain(stream)
            for item in items:
                book.apply(item)
            return book, await rest_book(shared), items

    book, rest, items = asyncio.run(scenario())
    assert book.rest_view() == rest
    assert [m.seq for m in items] == list(range(1, len(items) + 1))  # no gaps
    assert items[0].type == "orderbook_snapshot"


def test_fills_and_trades_arrive_for_a_crossing_order(ex: LocalExchange) -> None:
    async def scenario() -> tuple[dict[str, Any], list[Any]]:
        async with stream_to(ex) as stream:
            await stream.subscribe(["fill", "trade", "user_orders"])
            order = await place(
                ex, side="ask", price="0.20", count="7", time_in_force="immediate_or_cancel"
            )
            return order, await drain(stream)

    order, items = asyncio.run(scenario())
    fills = [m.msg for m in items if m.channel == "fill"]
    trades = [m.msg for m in items if m.channel == "trade"]
    assert {f["order_id"] for f in fills} == {order["order_id"]}
    assert sum(float(f["count_fp"]) for f in fills) == 7
    assert [t["trade_id"] for t in trades] == [f["trade_id"] for f in fills]
    assert {(t["taker_book_side"], t["taker_outcome_side"]) for t in trades} == {("ask", "no")}
    assert [m.msg["status"] for m in items if m.type == "user_order"] == ["executed"]
    assert {(f["order_id"], f["trade_id"]) for f in fills} == {
        (f.order_id, f.trade_id) for f in ex.state.engine.fills if f.account == "user"
    }


def test_unsubscribe_stops_messages(ex: LocalExchange) -> None:
    async def scenario() -> list[Any]:
        async with stream_to(ex) as stream:
            await stream.subscribe(["trade", "fill"])
            await stream.unsubscribe("trade")
            await stream.unsubscribe("nothing-subscribed")
            await place(
                ex, side="bid", price="0.30", count="1", time_in_force="immediate_or_cancel"
            )
            return await drain(stream)

    assert [m.channel for m in asyncio.run(scenario())] == ["fill"]


def test_a_dropped_connection_reconnects_signed_afresh_and_restores_everything(
    ex: LocalExchange,
) -> None:
    async def scenario() -> tuple[list[Any], list[dict[str, Any]]]:
        async with stream_to(ex) as stream:
            await stream.subscribe(["orderbook_delta", "trade"], market_tickers=[TICKER])
            await stream.subscribe("fill")
            first = await stream.__anext__()
            await asyncio.sleep(0.01)  # a later millisecond: a new timestamp
            ex.streams.drop_connections()
            items = [first, await stream.__anext__(), await stream.__anext__()]
            await place(
                ex, side="bid", price="0.30", count="1", time_in_force="immediate_or_cancel"
            )
            items += await drain(stream)
            return items, await stream.list_subscriptions()

    items, listing = asyncio.run(scenario())
    assert isinstance(items[0], Message)
    assert items[0].type == "orderbook_snapshot"
    assert items[1] == Reconnected(attempts=1)
    assert isinstance(items[2], Message)
    assert items[2].type == "orderbook_snapshot"  # a fresh snapshot on the new connection
    assert {m.channel for m in items[3:]} == {"orderbook_delta", "trade", "fill"}
    assert sorted(s["channel"] for s in listing) == ["fill", "orderbook_delta", "trade"]
    handshakes = [r for r in ex.requests if r.path == "/trade-api/ws/v2"]
    assert [r.status for r in handshakes] == [101, 101]
    for record in handshakes:
        assert_signed(ex.auth.public_key, record.headers, "GET", "/trade-api/ws/v2", ex.key_id)
    signatures = {r.headers["KALSHI-ACCESS-SIGNATURE"] for r in handshakes}
    timestamps = {r.headers["KALSHI-ACCESS-TIMESTAMP"] for r in handshakes}
    assert len(signatures) == len(timestamps) == 2


async def until_held(ex: LocalExchange, count: int) -> None:
    """Wait until the exchange holds ``count`` commands (see ``hold_commands``)."""
    for _ in range(5000):
        if ex.streams.held_commands >= count:
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"the exchange holds {ex.streams.held_commands} commands, not {count}")


def test_reconnected_comes_once_the_server_has_made_every_subscription_again(
    ex: LocalExchange,
) -> None:
    async def scenario() -> tuple[dict[str, Any], list[Any], list[dict[str, Any]]]:
        async with stream_to(ex) as stream:
            await stream.subscribe(["fill", "trade"])
            ex.streams.hold_commands()  # a server slow to answer
            ex.streams.drop_connections()
            await until_held(ex, 2)  # both subscriptions are asked for again, unanswered
            early = asyncio.ensure_future(stream.__anext__())
            await asyncio.sleep(0)  # takes an item that is already there
            assert not early.done(), "Reconnected came before the server made the subscriptions"
            assert ex.streams.release_commands() == 2
            assert await early == Reconnected(attempts=1)
            # A bot that acts on Reconnected misses nothing published after it.
            order = await place(
                ex, side="ask", price="0.20", count="2", time_in_force="immediate_or_cancel"
            )
            return order, await drain(stream), await stream.list_subscriptions()

    order, items, listing = asyncio.run(scenario())
    assert {m.msg["order_id"] for m in items if m.channel == "fill"} == {order["order_id"]}
    assert any(m.channel == "trade" for m in items)
    sids = {s["channel"]: s["sid"] for s in listing}
    assert {(m.channel, m.sid) for m in items} == set(sids.items())  # the new connection's sids


def test_a_subscription_refused_by_the_server_is_not_made_again(ex: LocalExchange) -> None:
    async def scenario() -> tuple[list[Any], list[dict[str, Any]]]:
        async with stream_to(ex) as stream:
            await stream.subscribe("trade")
            with pytest.raises(StreamCommandError):
                await stream.subscribe("weather")
            ex.streams.drop_connections()
            first = await stream.__anext__()
            return [first, *await drain(stream)], await stream.list_subscriptions()

    items, listing = asyncio.run(scenario())
    assert items == [Reconnected(attempts=1)]  # and no error for the refused one
    assert [s["channel"] for s in listing] == ["trade"]


def test_unsubscribing_before_the_answer_undoes_the_subscription(ex: LocalExchange) -> None:
    async def scenario() -> tuple[list[Any], list[dict[str, Any]]]:
        async with stream_to(ex) as stream:
            ex.streams.hold_commands()
            subscribing = asyncio.ensure_future(stream.subscribe("trade"))
            await until_held(ex, 1)
            await stream.unsubscribe("trade")  # no sid yet
            ex.streams.release_commands()
            await subscribing
            listing = await stream.list_subscriptions()
            await place(
                ex, side="ask", price="0.20", count="1", time_in_force="immediate_or_cancel"
            )
            return await drain(stream), listing

    items, listing = asyncio.run(scenario())
    assert listing == []
    assert items == []


def test_a_seq_gap_is_reported_and_repaired_with_a_fresh_snapshot(
    ex: LocalExchange, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> tuple[list[Any], OrderBook, dict[str, Any]]:
        book = OrderBook(TICKER)
        async with stream_to(ex) as stream:
            await stream.subscribe("orderbook_delta", market_tickers=[TICKER])
            ex.streams.skip_seq("orderbook_delta")
            await place(ex, side="ask", price="0.90", count="3")
            items = await drain(stream)
            await place(ex, side="bid", price="0.10", count="2")
            items += await drain(stream)
            for item in items:
                if isinstance(item, Gap):
                    book = OrderBook(TICKER)
                else:
                    book.apply(item)
            return items, book, await rest_book(ex)

    with caplog.at_level(logging.WARNING, logger="requests_kalshi"):
        items, book, rest = asyncio.run(scenario())
    gaps = [i for i in items if isinstance(i, Gap)]
    assert gaps == [Gap("orderbook_delta", (TICKER,), expected=2, received=3)]
    after = items[items.index(gaps[0]) + 1 :]
    assert [m.type for m in after][:2] == ["orderbook_snapshot", "orderbook_delta"]
    assert book.rest_view() == rest
    assert "seq gap on orderbook_delta" in caplog.text


def test_give_up_after_the_budget_raises(ex: LocalExchange) -> None:
    async def scenario() -> None:
        async with stream_to(ex, retries=2) as stream:
            await stream.subscribe("trade")
            ex.streams.refuse_handshakes(5)
            ex.streams.drop_connections()
            async for _ in stream:
                pass

    with pytest.raises(StreamGaveUpError, match="after 3 attempts") as info:
        asyncio.run(scenario())
    assert info.value.attempts == 3
    assert "503" in str(info.value.__cause__)


def test_a_first_connection_that_never_opens_gives_up(ex: LocalExchange) -> None:
    url = ex.ws_url
    ex.stop()

    async def scenario() -> None:
        async with connect(ex.auth, url, retries=1, backoff=0):
            pass  # pragma: no cover - never opened

    with pytest.raises(StreamGaveUpError) as info:
        asyncio.run(scenario())
    assert isinstance(info.value.__cause__, OSError)


def test_a_refused_signature_raises_at_once(ex: LocalExchange) -> None:
    stranger = KalshiAuth("not-a-key-the-exchange-knows", ex.private_key_pem())

    async def scenario() -> None:
        async with connect(stranger, ex.ws_url, retries=5, backoff=0):
            pass  # pragma: no cover - refused

    with pytest.raises(StreamHandshakeError, match="401") as info:
        asyncio.run(scenario())
    assert info.value.status == 401
    assert "authentication_error" in info.value.body
    assert len(ex.requests) == 1  # not retried


def test_an_unknown_channel_is_a_command_error(ex: LocalExchange) -> None:
    async def scenario() -> None:
        async with stream_to(ex) as stream:
            await stream.subscribe(["weather"])

    with pytest.raises(StreamCommandError, match="Unknown channel") as info:
        asyncio.run(scenario())
    assert info.value.code == 8


@pytest.mark.parametrize(
    "url",
    ["wss://evil.test/trade-api/ws/v2", "ws://external-api-ws.demo.kalshi.co/trade-api/ws/v2"],
)
def test_hosts_the_auth_does_not_sign_for_are_refused(ex: LocalExchange, url: str) -> None:
    async def scenario() -> None:
        async with connect(ex.auth, url):
            pass  # pragma: no cover - refused before connecting

    with pytest.raises(UntrustedHostError):
        asyncio.run(scenario())
    assert ex.requests == []


@pytest.mark.parametrize(
    "options",
    [
        {"retries": -1},
        {"retries": True},
        {"backoff": "1"},
        {"max_backoff": -1},
        {"stable_after": -1},
    ],
)
def test_bad_options_raise_configuration_errors(ex: LocalExchange, options: Any) -> None:
    with pytest.raises(ConfigurationError):
        connect(ex.auth, ex.ws_url, **options)
    with pytest.raises(ConfigurationError, match="KalshiAuth"):
        connect("key", ex.ws_url)  # type: ignore[arg-type]


def test_subscribe_needs_a_channel_and_an_open_stream(ex: LocalExchange) -> None:
    async def scenario() -> None:
        stream = stream_to(ex)
        with pytest.raises(ConfigurationError):
            await stream.subscribe([])
        with pytest.raises(Exception, match="not open"):
            await stream.subscribe("trade")
        async with stream:
            pass
        assert [item async for item in stream] == []

    asyncio.run(scenario())


def test_the_environment_names_resolve_to_kalshis_urls(ex: LocalExchange) -> None:
    assert connect(ex.auth, "demo").url == "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"
    assert connect(ex.auth, ex.url).url == ex.ws_url


def test_commands_waiting_when_the_stream_gives_up_raise_and_later_ones_too(
    ex: LocalExchange,
) -> None:
    async def scenario() -> list[object]:
        async with stream_to(ex, retries=1) as stream:
            await stream.subscribe("trade")
            ex.streams.refuse_handshakes(5)
            ex.streams.drop_connections()
            results: list[object] = await asyncio.gather(
                stream.list_subscriptions(), stream.subscribe("fill"), return_exceptions=True
            )
            with pytest.raises(StreamGaveUpError):
                await stream.subscribe("fill")
            return results

    results = asyncio.run(scenario())
    assert [type(r) for r in results] == [StreamGaveUpError, StreamGaveUpError]


def test_closing_a_stream_that_never_opened_ends_its_iteration(ex: LocalExchange) -> None:
    async def scenario() -> list[Any]:
        stream = stream_to(ex)
        await stream.aclose()
        return [item async for item in stream]

    assert asyncio.run(scenario()) == []


def test_a_stream_the_exchange_keeps_closing_as_a_slow_consumer_gives_up(
    ex: LocalExchange,
) -> None:
    ex.streams.max_backlog = 1  # every answer is too much: each connection is closed at once

    async def scenario() -> None:
        async with stream_to(ex, retries=2) as stream:
            await stream.subscribe("trade")

    with pytest.raises(StreamGaveUpError, match="after 3 attempts") as info:
        asyncio.run(scenario())
    assert "1008 slow consumer: more than 1 bytes waiting" in str(info.value.__cause__)
    handshakes = [r for r in ex.requests if r.path == "/trade-api/ws/v2"]
    assert [r.status for r in handshakes] == [101, 101, 101]
