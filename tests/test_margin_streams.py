"""The local exchange's margin WebSocket (``/trade-api/ws/v2/margin``) over real sockets: its
channels, their shapes against the REST answers, the signed handshake, the testing controls,
the stream client with ``product="margin"`` and a margin :class:`OrderBook`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, get_type_hints

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from requests_kalshi import (
    ConfigurationError,
    UntrustedHostError,
    websocket_headers,
    websocket_url,
)
from requests_kalshi import margin_shapes as shapes
from requests_kalshi.orderbook import OrderBook, OrderBookError
from requests_kalshi.stream import KalshiStream, Message, StreamCommandError
from requests_kalshi.stream import connect as stream_connect
from requests_kalshi.testing import LocalExchange

from .orders import TICKER
from .scripted import after_a_funding
from .verifier import assert_signed
from .wsclient import drain, open_ws, recv, recv_until, send

BTC = "KXBTCPERP"  # seeded: bids 96995…96975, asks 97005…97025, 0.10 more each level
ETH = "KXETHPERP"
MARGIN_PATH = "/trade-api/ws/v2/margin"


@pytest.fixture
def ex() -> Iterator[LocalExchange]:
    # Its clock starts after a funding: only a test that moves it makes one fall due.
    with LocalExchange(key_type="ed25519", clock=after_a_funding()) as exchange:
        yield exchange


def open_margin_ws(ex: LocalExchange) -> Any:
    """A raw ``websockets`` connection to the margin URL, freshly signed."""
    return open_ws(ex, ex.margin_ws_url)


counter = iter(range(1, 10**9))


async def place(ex: LocalExchange, **fields: Any) -> dict[str, Any]:
    """Place a margin order over REST (in a thread, so the event loop keeps reading)."""
    body = {
        "ticker": BTC,
        "side": "bid",
        "count": "0.10",
        "price": "96000",
        "time_in_force": "good_till_canceled",
        "client_order_id": f"stream-{next(counter)}",
        "self_trade_prevention_type": "taker_at_cross",
        **fields,
    }

    def post() -> dict[str, Any]:
        with ex.session(retries=0) as s:
            response = s.post("/margin/orders", json=body)
            assert response.status_code == 201, response.text
            answer: dict[str, Any] = response.json()
            return answer

    return await asyncio.to_thread(post)


async def rest(ex: LocalExchange, path: str) -> Any:
    def get() -> Any:
        with ex.session() as s:
            return s.get(path).json()

    return await asyncio.to_thread(get)


async def subscribe(ws: ClientConnection, command_id: int, **params: Any) -> dict[str, Any]:
    await send(ws, {"id": command_id, "cmd": "subscribe", "params": params})
    return await recv(ws)


def data(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in frames if "seq" in f]


def keys_of(typed_dict: type) -> set[str]:
    return set(get_type_hints(typed_dict))


# -- the channels, frame by frame -----------------------------------------------------------


def test_snapshot_then_deltas_make_the_rest_margin_book(ex: LocalExchange) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], Any, Any]:
        async with open_margin_ws(ex) as ws:
            before = await rest(ex, f"/margin/markets/{BTC}/orderbook")
            reply = await subscribe(ws, 1, channels=["orderbook_delta"], market_ticker=BTC)
            assert reply["msg"] == {"channel": "orderbook_delta", "sid": 1}
            await place(ex, price="96990", count="0.05")  # rests behind a seeded order
            await place(ex, side="ask", price="96990", count="0.25", time_in_force="fill_or_kill")
            frames = data(await recv_until(ws, 2))
            after = await rest(ex, f"/margin/markets/{BTC}/orderbook")
            return frames, before["orderbook_fp"], after["orderbook_fp"]

    frames, before, after = asyncio.run(scenario())
    snapshot, *deltas = frames
    assert snapshot == {
        "type": "orderbook_snapshot",
        "sid": 1,
        "seq": 1,
        "msg": {
            "market_ticker": BTC,
            "bid_dollars_fp": before["bid_dollars"],
            "ask_dollars_fp": before["ask_dollars"],
        },
    }
    assert set(snapshot["msg"]) == keys_of(shapes.MarginOrderbookSnapshot)
    assert [f["seq"] for f in deltas] == list(range(2, 2 + len(deltas)))
    # The ask takes 0.10 at 96995, then the seeded 0.20 at 96990 before the user's 0.05 behind.
    assert [
        (d["msg"]["side"], d["msg"]["price_dollars"], d["msg"]["delta_fp"]) for d in deltas
    ] == [
        ("bid", "96990.0000", "0.05"),
        ("bid", "96995.0000", "-0.10"),
        ("bid", "96990.0000", "-0.15"),
    ]
    assert all(set(f["msg"]) == keys_of(shapes.MarginOrderbookDelta) for f in deltas)
    book = OrderBook(BTC, product="margin")
    for frame in frames:
        book.apply(frame)
    assert book.rest_view() == after


def test_a_crossing_order_brings_trade_fill_and_ticker_with_funding(ex: LocalExchange) -> None:
    async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]], Any]:
        async with open_margin_ws(ex) as ws:
            for n, channel in enumerate(["trade", "fill", "ticker", "orderbook_delta"], 1):
                await subscribe(ws, n, channels=[channel], market_tickers=[BTC])
            assert data(await recv_until(ws, 9))[0]["type"] == "orderbook_snapshot"
            order = await place(
                ex, price="97010", count="0.25", time_in_force="immediate_or_cancel"
            )
            frames = data(await recv_until(ws, 10))
            return order, frames, await rest(ex, f"/margin/markets/{BTC}")

    order, frames, market = asyncio.run(scenario())
    trades = [f["msg"] for f in frames if f["type"] == "trade"]
    fills = [f["msg"] for f in frames if f["type"] == "fill"]
    tickers = [f["msg"] for f in frames if f["type"] == "ticker"]
    deltas = [f["msg"] for f in frames if f["type"] == "orderbook_delta"]
    assert [(t["price_dollars"], t["count_fp"], t["taker_side"]) for t in trades] == [
        ("97005.0000", "0.10", "bid"),
        ("97010.0000", "0.15", "bid"),
    ]
    assert all(set(t) == keys_of(shapes.MarginTradeMessage) for t in trades)
    # Only the connection's own fills (the market maker's side of each trade is not sent).
    assert [f["trade_id"] for f in fills] == [t["trade_id"] for t in trades]
    assert {(f["order_id"], f["side"], f["is_taker"]) for f in fills} == {
        (order["order_id"], "bid", True)
    }
    assert [f["post_position_fp"] for f in fills] == ["0.10", "0.25"]
    assert fills[0]["client_order_id"] == order["client_order_id"]
    assert fills[0]["fee_dollars"] == "4.85025"  # 0.05 % of 0.10 x 97005
    assert all(set(f) == keys_of(shapes.MarginFillMessage) for f in fills)
    assert [(d["side"], d["price_dollars"], d["delta_fp"]) for d in deltas] == [
        ("ask", "97005.0000", "-0.10"),
        ("ask", "97010.0000", "-0.15"),
    ]
    (ticker,) = tickers  # one message for the whole order: the state once it is complete
    assert set(ticker) == keys_of(shapes.MarginTickerMessage)
    for wire, rest_name in [
        ("price_dollars", "last_price_dollars"),
        ("bid_dollars", "bid_dollars"),
        ("ask_dollars", "ask_dollars"),
        ("mark_price_dollars", "mark_price_dollars"),
        ("index_price_dollars", "index_price_dollars"),
        ("funding_rate", "funding_rate"),
        ("next_funding_time_ms", "next_funding_time_ms"),
        ("volume_fp", "volume_fp"),
        ("open_interest_fp", "open_interest_fp"),
    ]:
        assert ticker[wire] == market["market"][rest_name], wire
    assert ticker["price_dollars"] == "97010.0000"


def test_the_ticker_follows_the_index_and_each_funding(ex: LocalExchange) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with open_margin_ws(ex) as ws:
            await subscribe(ws, 1, channels=["ticker"])
            await place(ex, price="97005", time_in_force="immediate_or_cancel")  # long 0.10
            await asyncio.to_thread(ex.margin.set_index, BTC, "96000")
            ex.timestamp_window = 7200  # the clock moves; signatures stay accepted
            ex.clock_offset = 3600
            await rest(ex, "/margin/funding_history")  # the funding falls due at this request
            return [
                f["msg"] for f in data(await recv_until(ws, 2)) if f["msg"]["market_ticker"] == BTC
            ]

    first, moved, funded = asyncio.run(scenario())
    assert first["funding_rate"] == "0.000000"  # mark (96995..97005 median) is the index
    assert (moved["index_price_dollars"], moved["funding_rate"]) == ("96000.0000", "0.005000")
    assert funded["next_funding_time_ms"] == moved["next_funding_time_ms"] + 3_600_000
    assert funded["funding_rate"] == moved["funding_rate"]


def test_commands_and_refusals_on_the_margin_channels(ex: LocalExchange) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with open_margin_ws(ex) as ws:
            return [
                await subscribe(ws, 1, channels=["user_orders"]),
                await subscribe(ws, 2, channels=["trade"], market_tickers=[TICKER]),
                await subscribe(ws, 3, channels=["orderbook_delta"]),
                await subscribe(ws, 4, channels=["fill"]),
            ]

    unknown, event_market, no_tickers, fill = asyncio.run(scenario())
    assert unknown["msg"] == {"code": 8, "msg": "Unknown channel name: user_orders"}
    assert event_market["msg"]["code"] == 11  # an event-contract market is no perpetual
    assert no_tickers["msg"]["code"] == 14
    assert fill == {"id": 4, "type": "subscribed", "msg": {"channel": "fill", "sid": 1}}


def test_update_subscription_adds_a_perpetual_with_its_snapshot(ex: LocalExchange) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with open_margin_ws(ex) as ws:
            await subscribe(ws, 1, channels=["orderbook_delta"], market_tickers=[BTC])
            params = {"sid": 1, "action": "add_markets", "market_tickers": [ETH]}
            await send(ws, {"id": 2, "cmd": "update_subscription", "params": params})
            return await recv_until(ws, 3)

    frames = asyncio.run(scenario())
    snapshots = [f for f in frames if f.get("type") == "orderbook_snapshot"]
    assert [(f["msg"]["market_ticker"], f["seq"]) for f in snapshots] == [(BTC, 1), (ETH, 2)]
    assert snapshots[1]["msg"]["ask_dollars_fp"][0] == ["3500.5000", "1.00"]
    (ok,) = [f for f in frames if f.get("id") == 2]
    assert ok["msg"] == {"market_tickers": [BTC, ETH]}


def test_each_product_streams_only_its_own_markets(ex: LocalExchange) -> None:
    async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        async with open_ws(ex) as events:
            refused = await subscribe(events, 1, channels=["trade"], market_tickers=[BTC])
            await subscribe(events, 2, channels=["trade", "fill"])
            await place(ex, price="97005", time_in_force="immediate_or_cancel")
            return refused, data(await recv_until(events, 3))

    refused, frames = asyncio.run(scenario())
    assert refused["msg"]["code"] == 11  # a perpetual is no event-contract market
    assert frames == []  # the margin trade and fill never reach the event-contract stream


def test_the_margin_handshake_is_signed_and_checked(ex: LocalExchange) -> None:
    async def scenario() -> list[int]:
        statuses = []
        events_headers = websocket_headers(ex.auth, ex.ws_url)  # signs the events path
        for headers in (websocket_headers(ex.auth, ex.margin_ws_url), events_headers, {}):
            try:
                async with connect(ex.margin_ws_url, additional_headers=headers):
                    statuses.append(101)
            except InvalidStatus as refused:
                statuses.append(refused.response.status_code)
        return statuses

    assert asyncio.run(scenario()) == [101, 401, 401]
    handshakes = [r for r in ex.requests if r.path == MARGIN_PATH]
    assert [(r.status, r.auth) for r in handshakes] == [
        (101, "ok"),
        (401, "bad_signature"),
        (401, "missing_signature"),
    ]
    assert_signed(ex.auth.public_key, handshakes[0].headers, "GET", MARGIN_PATH, ex.key_id)
    assert websocket_url(ex.url, product="margin") == ex.margin_ws_url


def test_the_controls_act_on_margin_connections(ex: LocalExchange) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
        async with open_margin_ws(ex) as ws:
            await subscribe(ws, 1, channels=["trade"])
            ex.streams.pause("trade")
            await place(ex, price="97005", time_in_force="immediate_or_cancel")
            held = data(await recv_until(ws, 2))
            ex.streams.skip_seq("trade")
            await asyncio.to_thread(ex.streams.resume, "trade")
            await place(ex, price="97010", time_in_force="immediate_or_cancel")
            released = data(await recv_until(ws, 3))
            return held, released, ex.streams.drop_connections()

    held, released, dropped = asyncio.run(scenario())
    assert held == []
    assert [f["seq"] for f in released] == [1, 3]  # the held one, then one skipped
    assert dropped == 1


# -- the stream client and the margin order book ------------------------------------------


def test_the_stream_client_connects_to_the_margin_url(ex: LocalExchange) -> None:
    stream = stream_connect(ex.auth, ex.url, product="margin")
    assert stream.url == ex.margin_ws_url
    assert stream_connect(ex.auth, ex.margin_ws_url).url == ex.margin_ws_url
    assert stream_connect(ex.auth, "production", product="margin").url == (
        "wss://external-api-margin-ws.kalshi.com/trade-api/ws/v2/margin"
    )
    with pytest.raises(ConfigurationError, match="goes with an environment"):
        stream_connect(ex.auth, ex.margin_ws_url, product="margin")
    with pytest.raises(ConfigurationError, match="product must be one of"):
        stream_connect(ex.auth, ex.url, product="perps")


def test_the_stream_client_reports_refused_margin_subscriptions(ex: LocalExchange) -> None:
    async def scenario() -> None:
        async with stream_connect(ex.auth, ex.url, product="margin", backoff=0) as stream:
            await stream.subscribe("user_orders")

    with pytest.raises(StreamCommandError) as refused:
        asyncio.run(scenario())
    assert refused.value.code == 8


TICKS = {BTC: Decimal("0.5"), ETH: Decimal("0.05")}
ORDERS = st.lists(
    st.tuples(
        st.sampled_from([BTC, ETH]),
        st.sampled_from(["bid", "ask"]),
        st.integers(min_value=-30, max_value=30),  # ticks-steps from the seeded middle
        st.integers(min_value=1, max_value=10).map(lambda n: f"{n / 100:.2f}"),
        st.sampled_from(["good_till_canceled", "immediate_or_cancel"]),
    ),
    min_size=1,
    max_size=6,
)
MIDDLE = {BTC: Decimal(97000), ETH: Decimal(3500)}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=ORDERS)
def test_margin_snapshot_plus_deltas_is_the_rest_book(orders: list[Any]) -> None:
    async def scenario(
        shared: LocalExchange,
    ) -> tuple[dict[str, OrderBook], dict[str, Any], list[Message]]:
        books = {t: OrderBook(t, product="margin") for t in (BTC, ETH)}
        async with stream_to_margin(shared) as stream:
            await stream.subscribe(["orderbook_delta"], market_tickers=[BTC, ETH])
            for ticker, side, steps, count, tif in orders:
                price = MIDDLE[ticker] + steps * 4 * TICKS[ticker]
                await place(
                    shared, ticker=ticker, side=side, price=str(price), count=count,
                    time_in_force=tif,
                )  # fmt: skip
            items = await drain(stream)
            for item in items:
                books[item.msg["market_ticker"]].apply(item)
            rests = {t: (await rest(shared, f"/margin/markets/{t}/orderbook")) for t in books}
            return books, rests, items

    with LocalExchange(key_type="ed25519") as fresh:  # a fresh account: margin never runs out
        books, rests, items = asyncio.run(scenario(fresh))
    for ticker, book in books.items():
        assert book.rest_view() == rests[ticker]["orderbook_fp"]
    assert [m.seq for m in items] == list(range(1, len(items) + 1))  # no gaps
    assert [m.type for m in items[:2]] == ["orderbook_snapshot"] * 2


def stream_to_margin(ex: LocalExchange) -> KalshiStream:
    return stream_connect(ex.auth, ex.url, product="margin", backoff=0)


def test_a_margin_order_book_applies_bids_and_asks() -> None:
    book = OrderBook(BTC, product="margin")
    snapshot = {
        "market_ticker": BTC,
        "bid_dollars_fp": [["96995.0000", "0.10"], ["96990.0000", "0.20"]],
        "ask_dollars_fp": [["97005.0000", "0.10"]],
    }
    book.apply({"type": "orderbook_snapshot", "msg": snapshot})
    assert (book.best_bid(), book.best_ask()) == (Decimal("96995"), Decimal("97005"))
    delta = {"market_ticker": BTC, "side": "ask", "price_dollars": "97005.0000", "ts_ms": 1}
    book.apply({"type": "orderbook_delta", "msg": {**delta, "delta_fp": "-0.10"}})
    book.apply({"type": "orderbook_delta", "msg": {**delta, "side": "bid", "delta_fp": "0.05"}})
    assert book.best_ask() is None
    assert book.rest_view() == {
        "bid_dollars": [["97005.0000", "0.05"], ["96995.0000", "0.10"], ["96990.0000", "0.20"]],
        "ask_dollars": [],
    }
    assert repr(book) == f"<OrderBook {BTC} bid=97005.0000 ask=None>"


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ({"side": "yes", "price_dollars": "1", "delta_fp": "1.00"}, "must be 'bid' or 'ask'"),
        ({"side": "ask", "price_dollars": "97005", "delta_fp": "-1.00"}, "a message was missed"),
    ],
)
def test_a_margin_book_refuses_what_cannot_apply(message: dict[str, Any], error: str) -> None:
    book = OrderBook(BTC, product="margin")
    book.apply({"type": "orderbook_snapshot", "msg": {"market_ticker": BTC}})
    with pytest.raises(OrderBookError, match=error):
        book.apply({"type": "orderbook_delta", "msg": {"market_ticker": BTC, **message}})
    assert book.levels == {"bid": {}, "ask": {}}


def test_an_order_book_of_an_unknown_product_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="product must be one of 'events', 'margin'"):
        OrderBook(BTC, product="perps")


def test_a_look_alike_margin_host_is_refused_before_connecting(ex: LocalExchange) -> None:
    async def scenario() -> None:
        url = "wss://external-api-margin-ws.kalshi.com.evil.test/trade-api/ws/v2/margin"
        async with stream_connect(ex.auth, url):
            pass  # pragma: no cover - never reached

    with pytest.raises(UntrustedHostError):
        asyncio.run(scenario())
    assert ex.requests == []
