"""The local exchange's WebSocket channels and commands, over real sockets, as Kalshi's."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from requests_kalshi import ConfigurationError
from requests_kalshi.testing import LocalExchange

from .orders import TICKER
from .wsclient import open_ws, place, recv, recv_until, rest_book, send

OTHER = "KXFED-26DEC-T4.00"


@pytest.fixture
def ex() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as exchange:
        yield exchange


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_subscribe_confirms_each_channel_with_a_sid_and_echoes_the_id(ex: LocalExchange) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with open_ws(ex) as ws:
            params = {"channels": ["trade", "ticker"], "market_tickers": [TICKER]}
            await send(ws, {"id": 7, "cmd": "subscribe", "params": params})
            return [await recv(ws), await recv(ws), *await recv_until(ws, 8)]

    frames = run(scenario())
    assert frames == [
        {"id": 7, "type": "subscribed", "msg": {"channel": "trade", "sid": 1}},
        {"id": 7, "type": "subscribed", "msg": {"channel": "ticker", "sid": 2}},
        {
            "id": 8,
            "type": "ok",
            "msg": [
                {"channel": "trade", "sid": 1, "market_tickers": [TICKER]},
                {"channel": "ticker", "sid": 2, "market_tickers": [TICKER]},
            ],
        },
    ]


def test_orderbook_snapshot_then_deltas_make_the_rest_book(ex: LocalExchange) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
        async with open_ws(ex) as ws:
            before = await rest_book(ex)
            params = {"channels": ["orderbook_delta"], "market_ticker": TICKER}
            await send(ws, {"id": 1, "cmd": "subscribe", "params": params})
            await place(
                ex, side="bid", price="0.30", count="5", time_in_force="immediate_or_cancel"
            )
            await place(ex, side="ask", price="0.90", count="3")
            frames = await recv_until(ws, 2)
            return frames, before, await rest_book(ex)

    frames, before, after = run(scenario())
    snapshot = frames[1]
    assert snapshot["type"] == "orderbook_snapshot"
    assert (snapshot["sid"], snapshot["seq"]) == (1, 1)
    assert snapshot["msg"] == {
        "market_ticker": TICKER,
        "yes_dollars_fp": before["yes_dollars"],
        "no_dollars_fp": before["no_dollars"],
    }
    deltas = [f for f in frames if f.get("type") == "orderbook_delta"]
    assert [f["seq"] for f in deltas] == list(range(2, 2 + len(deltas)))
    assert {"price_dollars": "0.1000", "delta_fp": "3.00", "side": "no"}.items() <= deltas[-1][
        "msg"
    ].items()
    book = {s: {p: float(n) for p, n in before[f"{s}_dollars"]} for s in ("yes", "no")}
    for delta in deltas:
        msg = delta["msg"]
        level = book[msg["side"]]
        level[msg["price_dollars"]] = level.get(msg["price_dollars"], 0) + float(msg["delta_fp"])
    expected = {s: {p: float(n) for p, n in after[f"{s}_dollars"]} for s in ("yes", "no")}
    assert {s: {p: n for p, n in book[s].items() if n} for s in book} == expected


def test_a_crossing_order_brings_trade_fill_user_order_and_ticker(ex: LocalExchange) -> None:
    async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        async with open_ws(ex) as ws:
            channels = ["trade", "fill", "user_orders", "ticker"]
            await send(ws, {"id": 1, "cmd": "subscribe", "params": {"channels": channels}})
            order = await place(
                ex, side="bid", price="0.30", count="5", time_in_force="immediate_or_cancel"
            )
            return order, await recv_until(ws, 2)

    order, frames = run(scenario())
    by_type = {f["type"]: f for f in frames if "seq" in f}
    trade, fill = by_type["trade"]["msg"], by_type["fill"]["msg"]
    assert trade["market_ticker"] == TICKER
    assert (trade["yes_price_dollars"], trade["count_fp"]) == ("0.2400", "5.00")
    assert (trade["taker_outcome_side"], trade["taker_book_side"]) == ("yes", "bid")
    assert fill["order_id"] == order["order_id"]
    assert fill["trade_id"] == trade["trade_id"]
    assert (fill["is_taker"], fill["book_side"], fill["outcome_side"]) == (True, "bid", "yes")
    assert (fill["count_fp"], fill["post_position_fp"]) == ("5.00", "5.00")
    assert fill["fee_cost"] == "0.0700"
    user_order = by_type["user_order"]["msg"]
    assert (user_order["order_id"], user_order["status"]) == (order["order_id"], "executed")
    ticker = by_type["ticker"]["msg"]
    assert (ticker["market_ticker"], ticker["price_dollars"]) == (TICKER, "0.2400")
    assert all(f["seq"] == 1 for f in by_type.values())


def test_fills_and_orders_of_other_accounts_are_not_sent(ex: LocalExchange) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with open_ws(ex) as ws:
            params = {"channels": ["fill", "user_orders", "trade"]}
            await send(ws, {"id": 1, "cmd": "subscribe", "params": params})
            await asyncio.to_thread(ex.move_market, TICKER, "0.50")  # participants trade
            return await recv_until(ws, 2)

    types = {f["type"] for f in run(scenario())}
    assert "fill" not in types
    assert "user_order" not in types


def test_update_subscription_adds_markets_with_a_snapshot_and_deletes(ex: LocalExchange) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with open_ws(ex) as ws:
            params = {"channels": ["orderbook_delta"], "market_ticker": TICKER}
            await send(ws, {"id": 1, "cmd": "subscribe", "params": params})
            add = {"sids": [1], "market_tickers": [OTHER], "action": "add_markets"}
            await send(ws, {"id": 2, "cmd": "update_subscription", "params": add})
            delete = {"sid": 1, "market_tickers": [TICKER], "action": "delete_markets"}
            await send(ws, {"id": 3, "cmd": "update_subscription", "params": delete})
            await place(ex, side="ask", price="0.90", count="3")  # on TICKER: not sent now
            return await recv_until(ws, 4)

    frames = run(scenario())
    kinds = [(f.get("id"), f["type"], f.get("msg", {}).get("market_ticker")) for f in frames[:3]]
    assert kinds[:3] == [
        (1, "subscribed", None),
        (None, "orderbook_snapshot", TICKER),
        (None, "orderbook_snapshot", OTHER),
    ]
    assert frames[2]["seq"] == 2
    assert frames[3] == {
        "id": 2,
        "sid": 1,
        "type": "ok",
        "msg": {"market_tickers": [TICKER, OTHER]},
    }
    assert frames[4] == {"id": 3, "sid": 1, "type": "ok", "msg": {"market_tickers": [OTHER]}}
    assert frames[5]["type"] == "ok"
    assert frames[5]["msg"] == [{"channel": "orderbook_delta", "sid": 1, "market_tickers": [OTHER]}]


def test_unsubscribe_stops_the_messages(ex: LocalExchange) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with open_ws(ex) as ws:
            await send(ws, {"id": 1, "cmd": "subscribe", "params": {"channels": ["trade"]}})
            await recv(ws)
            await send(ws, {"id": 2, "cmd": "unsubscribe", "params": {"sids": [1]}})
            await place(
                ex, side="bid", price="0.30", count="1", time_in_force="immediate_or_cancel"
            )
            return await recv_until(ws, 3)

    assert run(scenario()) == [
        {"id": 2, "sid": 1, "type": "unsubscribed"},
        {"id": 3, "type": "ok", "msg": []},
    ]


ERRORS = [
    ("not json", 1),
    ([1, 2], 1),
    ({"id": 5, "cmd": "subscribe", "params": []}, 2),
    ({"id": 5, "cmd": "subscribe", "params": {}}, 3),
    ({"id": 5, "cmd": "subscribe", "params": {"channels": "trade"}}, 11),
    ({"id": 5, "cmd": "unsubscribe", "params": {}}, 4),
    ({"id": 5, "cmd": "unsubscribe", "params": {"sids": ["1"]}}, 11),
    ({"id": 5, "cmd": "nope"}, 5),
    ({"id": 5, "cmd": "unsubscribe", "params": {"sids": [99]}}, 7),
    ({"id": 5, "cmd": "subscribe", "params": {"channels": ["weather"]}}, 8),
    (
        {
            "id": 5,
            "cmd": "subscribe",
            "params": {"channels": ["trade"], "market_ticker": "NO-SUCH"},
        },
        11,
    ),
    ({"id": 5, "cmd": "subscribe", "params": {"channels": ["trade"], "market_tickers": []}}, 11),
    ({"id": 5, "cmd": "subscribe", "params": {"channels": ["orderbook_delta"]}}, 14),
]


@pytest.mark.parametrize(("command", "code"), ERRORS)
def test_bad_commands_get_numbered_errors(
    ex: LocalExchange, command: dict[str, Any] | str, code: int
) -> None:
    async def scenario() -> dict[str, Any]:
        async with open_ws(ex) as ws:
            await ws.send(command if isinstance(command, str) else json.dumps(command))
            return await recv(ws)

    answer = run(scenario())
    assert answer["type"] == "error"
    assert answer["msg"]["code"] == code
    assert answer["msg"]["msg"]
    assert answer.get("id") == (command.get("id") if isinstance(command, dict) else None)


UPDATE_ERRORS = [
    ({"sids": [1, 2], "action": "add_markets", "market_tickers": [OTHER]}, 12),
    ({"sids": [1], "market_tickers": [OTHER]}, 15),
    ({"sids": [1], "action": "replace", "market_tickers": [OTHER]}, 13),
    ({"sids": [1], "action": "add_markets"}, 14),
    ({"sids": [2], "action": "add_markets", "market_tickers": [OTHER]}, 11),
]


@pytest.mark.parametrize(("params", "code"), UPDATE_ERRORS)
def test_bad_updates_get_numbered_errors(
    ex: LocalExchange, params: dict[str, Any], code: int
) -> None:
    async def scenario() -> dict[str, Any]:
        async with open_ws(ex) as ws:
            book = {"channels": ["orderbook_delta"], "market_ticker": TICKER}
            await send(ws, {"id": 1, "cmd": "subscribe", "params": book})
            await send(ws, {"id": 2, "cmd": "subscribe", "params": {"channels": ["trade"]}})
            await send(ws, {"id": 3, "cmd": "update_subscription", "params": params})
            frames = await recv_until(ws, 4)
            return next(f for f in frames if f["type"] == "error")

    answer = run(scenario())
    assert (answer["id"], answer["msg"]["code"]) == (3, code)


def test_skip_seq_makes_a_gap_on_the_next_message(ex: LocalExchange) -> None:
    async def scenario() -> list[int]:
        async with open_ws(ex) as ws:
            await send(ws, {"id": 1, "cmd": "subscribe", "params": {"channels": ["trade"]}})
            await recv(ws)
            for skip in (False, True, False):
                if skip:
                    ex.streams.skip_seq("trade")
                await place(
                    ex, side="bid", price="0.30", count="1", time_in_force="immediate_or_cancel"
                )
            return [f["seq"] for f in await recv_until(ws, 2) if f["type"] == "trade"]

    assert run(scenario()) == [1, 3, 4]


def test_a_paused_channel_holds_its_messages_until_resumed(ex: LocalExchange) -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        async with open_ws(ex) as ws:
            params = {"channels": ["trade", "fill"]}
            await send(ws, {"id": 1, "cmd": "subscribe", "params": params})
            ex.streams.pause("trade")
            await place(
                ex, side="bid", price="0.30", count="1", time_in_force="immediate_or_cancel"
            )
            paused = [f["type"] for f in await recv_until(ws, 2)]
            ex.streams.resume("trade")
            resumed = [f["type"] for f in await recv_until(ws, 3)]
            return paused, resumed

    paused, resumed = run(scenario())
    assert paused == ["subscribed", "subscribed", "fill", "ok"]
    assert resumed == ["trade", "ok"]


def test_drop_connections_ends_them_abnormally(ex: LocalExchange) -> None:
    async def scenario() -> int | None:
        async with open_ws(ex) as ws:
            await send(ws, {"id": 1, "cmd": "subscribe", "params": {"channels": ["trade"]}})
            await recv(ws)
            assert ex.streams.connections == 1
            assert ex.streams.drop_connections() == 1
            with pytest.raises(ConnectionClosed) as info:
                await recv(ws)
            return info.value.rcvd.code if info.value.rcvd else None

    assert run(scenario()) is None  # no close frame: as a network failure


def test_refuse_handshakes_refuses_the_next_ones(ex: LocalExchange) -> None:
    ex.streams.refuse_handshakes(2, status=429)

    async def attempt() -> int:
        try:
            async with open_ws(ex):
                return 101
        except InvalidStatus as error:
            return error.response.status_code

    assert [run(attempt()) for _ in range(3)] == [429, 429, 101]


@pytest.mark.parametrize(
    ("control", "args"),
    [
        ("refuse_handshakes", (0,)),
        ("refuse_handshakes", (True,)),
        ("pause", ("weather",)),
        ("resume", ("weather",)),
        ("skip_seq", ("weather",)),
    ],
)
def test_bad_controls_raise_configuration_errors(
    ex: LocalExchange, control: str, args: tuple[Any, ...]
) -> None:
    with pytest.raises(ConfigurationError):
        getattr(ex.streams, control)(*args)
    with pytest.raises(ConfigurationError, match="4xx/5xx"):
        ex.streams.refuse_handshakes(1, status=200)
