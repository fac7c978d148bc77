"""A perps bot against the local exchange, through the library's session: market data, a resting
and a crossing order, positions, funding, cancels in the maintenance window, margin's buckets;
and the same bot on the margin WebSocket through the stream client, across a dropped
connection. The exchange's clock starts after a funding, so the only fundings are the ones the
tests make fall due."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from requests_kalshi import KalshiSession, websocket_url
from requests_kalshi.fixedpoint import parse_count, parse_dollars
from requests_kalshi.orderbook import OrderBook
from requests_kalshi.ratelimit import RateLimiter
from requests_kalshi.stream import KalshiStream, Message, Reconnected, connect
from requests_kalshi.testing import LocalExchange
from tests.scripted import after_a_funding
from tests.verifier import assert_signed

ETH = "KXETHPERP"
MARGIN_PATH = "/trade-api/ws/v2/margin"


class PerpsBot:
    """Quotes one perpetual: rests a bid below the market, lifts the offer, reads its account."""

    def __init__(self, k: KalshiSession, ticker: str) -> None:
        self.k = k
        self.ticker = ticker
        self.sent = 0

    def market(self) -> dict[str, Any]:
        market: dict[str, Any] = self.k.get(f"/margin/markets/{self.ticker}").json()["market"]
        return market

    def order(
        self, side: str, price: Decimal, count: str, tif: str, **extra: Any
    ) -> dict[str, Any]:
        self.sent += 1
        body = {
            **extra,
            "ticker": self.ticker,
            "side": side,
            "count": count,
            "price": str(price),
            "time_in_force": tif,
            "client_order_id": f"bot-{self.sent}",
            "self_trade_prevention_type": "taker_at_cross",
        }
        answer = self.k.post("/margin/orders", json=body)
        answer.raise_for_status()
        placed: dict[str, Any] = answer.json()
        return placed

    def position(self) -> Decimal:
        rows = self.k.get("/margin/positions").json()["positions"]
        return sum((parse_count(r["position_fp"]) for r in rows if r["ticker"] == self.ticker),
                   Decimal(0))  # fmt: skip


def test_a_perps_bot_runs_against_the_local_exchange() -> None:
    with (
        LocalExchange(key_type="ed25519", clock=after_a_funding()) as exchange,
        exchange.session(rate_limit="auto") as k,
    ):
        limiter = k.rate_limiter
        assert isinstance(limiter, RateLimiter)
        assert limiter.margin is not None  # read from /account/limits/perps
        assert (limiter.margin.read_per_second, limiter.margin.write_burst) == (200, 200)
        assert any(r.path == "/trade-api/v2/account/limits/perps" for r in exchange.requests)

        bot = PerpsBot(k, ETH)
        market = bot.market()
        bid, ask = parse_dollars(market["bid_dollars"]), parse_dollars(market["ask_dollars"])
        assert bid < parse_dollars(market["mark_price_dollars"]) < ask
        trades_before = k.get(f"/margin/markets/{ETH}/trades").json()["trades"]

        resting = bot.order("bid", bid - 1, "2.00", "good_till_canceled")
        assert resting["remaining_count"] == "2.00"
        crossing = bot.order("bid", ask, "1.00", "immediate_or_cancel")
        assert crossing["fill_count"] == "1.00"
        assert parse_dollars(crossing["average_fill_price"]) == ask
        trades = k.get(f"/margin/markets/{ETH}/trades").json()["trades"]
        assert len(trades) == len(trades_before) + 1
        assert bot.position() == 1

        exchange.margin.set_index(ETH, str(ask + 10))  # the index above the mark: shorts pay
        assert parse_dollars(bot.market()["funding_rate"]) < 0
        exchange.timestamp_window = 7200
        exchange.clock_offset = 3600
        (funding,) = k.get("/margin/funding_history").json()["funding"]
        assert parse_dollars(funding["payment_dollars"]) > 0  # the long receives
        balance = k.get("/margin/balance").json()
        assert parse_dollars(balance["equity_dollars"]) > 0

        exchange.margin.maintenance = True
        refused = k.post(
            "/margin/orders",
            json={
                "ticker": ETH,
                "side": "ask",
                "count": "1.00",
                "price": str(bid),
                "time_in_force": "immediate_or_cancel",
                "client_order_id": "exit-1",
                "self_trade_prevention_type": "taker_at_cross",
                "reduce_only": True,
            },
        )
        assert refused.status_code == 503
        cancelled = k.delete(f"/margin/orders/{resting['order_id']}")
        assert cancelled.json()["reduced_by"] == "2.00"
        exchange.margin.maintenance = False
        exit_order = bot.order("ask", bid - 5, "5.00", "immediate_or_cancel", reduce_only=True)
        assert exit_order["fill_count"] == "1.00"  # reduce_only: at most the position
        assert bot.position() == 0
        assert parse_dollars(k.get("/margin/balance").json()["initial_margin_dollars"]) == 0


async def next_item(stream: KalshiStream) -> Any:
    return await asyncio.wait_for(stream.__anext__(), 5)


async def until(stream: KalshiStream, wanted: Any) -> tuple[Any, list[Any]]:
    """Read items until one for which ``wanted(item)`` holds; returns it and those before."""
    before = []
    while not wanted(item := await next_item(stream)):
        before.append(item)
    return item, before


def is_message(channel: str, **fields: Any) -> Any:
    def wanted(item: Any) -> bool:
        return (
            isinstance(item, Message)
            and item.channel == channel
            and all(item.msg.get(name) == value for name, value in fields.items())
        )

    return wanted


def test_a_perps_bot_streams_through_a_dropped_connection() -> None:
    with (
        LocalExchange(key_type="ed25519", clock=after_a_funding()) as exchange,
        exchange.session() as k,
    ):
        bot = PerpsBot(k, ETH)

        async def run() -> None:
            url = websocket_url(exchange.url, product="margin")
            assert url == exchange.margin_ws_url
            async with connect(exchange.auth, exchange.url, product="margin", backoff=0) as stream:
                assert stream.url == url
                await stream.subscribe(["orderbook_delta", "ticker", "trade"], market_tickers=[ETH])
                await stream.subscribe("fill")
                book = OrderBook(ETH, product="margin")
                book.apply(await next_item(stream))  # the snapshot comes first

                market = await asyncio.to_thread(bot.market)
                bid, ask = book.best_bid(), book.best_ask()
                assert (bid, ask) == (
                    parse_dollars(market["bid_dollars"]),
                    parse_dollars(market["ask_dollars"]),
                )
                assert bid is not None
                assert ask is not None
                order = bot.order
                resting = await asyncio.to_thread(
                    order, "bid", bid - 1, "2.00", "good_till_canceled"
                )
                crossing = await asyncio.to_thread(order, "bid", ask, "1.00", "immediate_or_cancel")
                fill, before = await until(
                    stream, is_message("fill", order_id=crossing["order_id"])
                )
                assert (fill.msg["count_fp"], fill.msg["post_position_fp"]) == ("1.00", "1.00")
                assert parse_dollars(fill.msg["price_dollars"]) == ask
                assert fill.msg["is_taker"] is True
                # The book's delta for the crossing comes after the fill (trade, fills, book).
                delta, more = await until(stream, is_message("orderbook_delta", side="ask"))
                for item in [*before, *more, delta]:
                    if item.channel == "orderbook_delta":
                        book.apply(item)
                trade = next(i.msg for i in before if i.channel == "trade")
                assert trade["trade_id"] == fill.msg["trade_id"]
                ticker = [i.msg for i in before if i.channel == "ticker"][-1]
                market = await asyncio.to_thread(bot.market)
                assert ticker["funding_rate"] == market["funding_rate"]
                assert ticker["next_funding_time_ms"] == market["next_funding_time_ms"]
                rest_book = await asyncio.to_thread(k.get, f"/margin/markets/{ETH}/orderbook")
                assert book.rest_view() == rest_book.json()["orderbook_fp"]
                assert bid - 1 in book.levels["bid"]  # the resting bid is on the book

                await asyncio.sleep(0.01)  # a later millisecond: the reconnect signs anew
                assert exchange.streams.drop_connections() == 1
                # Reconnected comes once every subscription is made again: the bot acts at once.
                reconnected, _ = await until(stream, lambda i: isinstance(i, Reconnected))
                assert reconnected == Reconnected(attempts=1)
                snapshot = await next_item(stream)  # the first item of the new connection
                assert snapshot.type == "orderbook_snapshot"
                book = OrderBook(ETH, product="margin")
                book.apply(snapshot)  # a fresh snapshot, the same book
                assert book.rest_view() == rest_book.json()["orderbook_fp"]

                await asyncio.to_thread(exchange.margin.set_index, ETH, str(ask + 10))
                ticker, _ = await until(stream, is_message("ticker", market_ticker=ETH))
                assert parse_dollars(ticker.msg["funding_rate"]) < 0  # index above mark
                exchange.timestamp_window = 7200
                exchange.clock_offset = 3600
                funding = await asyncio.to_thread(k.get, "/margin/funding_history")
                (payment,) = funding.json()["funding"]
                assert parse_dollars(payment["payment_dollars"]) > 0  # the long receives
                moved, _ = await until(stream, is_message("ticker", market_ticker=ETH))
                assert moved.msg["next_funding_time_ms"] == ticker.msg["next_funding_time_ms"] + (
                    3_600_000
                )
                assert await asyncio.to_thread(bot.position) == 1

                await asyncio.to_thread(k.delete, f"/margin/orders/{resting['order_id']}")
                exit_order = await asyncio.to_thread(
                    bot.order, "ask", bid - 5, "1.00", "immediate_or_cancel", reduce_only=True
                )
                exit_fill, _ = await until(
                    stream, is_message("fill", order_id=exit_order["order_id"])
                )
                assert (exit_fill.msg["side"], exit_fill.msg["post_position_fp"]) == ("ask", "0.00")
                listing = await stream.list_subscriptions()
                channels = sorted(s["channel"] for s in listing)
                assert channels == ["fill", "orderbook_delta", "ticker", "trade"]

        asyncio.run(run())
        handshakes = [r for r in exchange.requests if r.path == MARGIN_PATH]
        assert [r.status for r in handshakes] == [101, 101]
        for record in handshakes:
            key = exchange.auth.public_key
            assert_signed(key, record.headers, "GET", MARGIN_PATH, exchange.key_id)
        assert len({r.headers["KALSHI-ACCESS-SIGNATURE"] for r in handshakes}) == 2
        assert len({r.headers["KALSHI-ACCESS-TIMESTAMP"] for r in handshakes}) == 2
        assert not any(r.path == "/trade-api/ws/v2" for r in exchange.requests)
