"""Stream benchmarks: what the WebSocket client costs per message, and how soon a fill arrives.

Run from the repository root (needs the ``websockets`` extra)::

    python benchmarks/streams.py            # about half a minute
    python benchmarks/streams.py --quick    # a few seconds, to check the script

1. Messages per second the client takes from raw text to an applied book change (its frame
   handling, ``seq`` check, ``Message``, ``OrderBook.apply``), against ``json.loads`` alone
   of the same frames: how close the client gets to the floor of parsing JSON.
2. End-to-end latency on loopback from a REST order that crosses the book to its ``fill``
   message on the stream, against the REST round trip of the same order alone: what the
   stream adds after the order is answered.

Figures are medians of interleaved rounds; absolute numbers go to stderr, ratios to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure the working tree, not an installed copy

from requests_kalshi.orderbook import OrderBook  # noqa: E402
from requests_kalshi.stream import KalshiStream, Message, _Subscription, connect  # noqa: E402
from requests_kalshi.testing import LocalExchange  # noqa: E402

TICKER = "KXFED-26DEC-T4.25"
ORDER = {
    "ticker": TICKER,
    "side": "bid",
    "count": "1",
    "price": "0.30",
    "time_in_force": "immediate_or_cancel",
    "self_trade_prevention_type": "taker_at_cross",
}


def frames(count: int) -> list[str]:
    """A snapshot and ``count`` deltas as the server writes them; no level goes below zero."""
    rng = random.Random(7)
    levels: dict[tuple[str, str], int] = {}
    out = [
        json.dumps(
            {
                "type": "orderbook_snapshot",
                "sid": 1,
                "seq": 1,
                "msg": {"market_ticker": TICKER, "yes_dollars_fp": [], "no_dollars_fp": []},
            }
        )
    ]
    for seq in range(2, count + 2):
        side, price = rng.choice(("yes", "no")), f"0.{rng.randint(1, 98):02d}00"
        have = levels.get((side, price), 0)
        delta = -rng.randint(1, have) if have and rng.random() < 0.5 else rng.randint(1, 500)
        levels[(side, price)] = have + delta
        msg = {
            "market_ticker": TICKER,
            "price_dollars": price,
            "delta_fp": f"{delta}.00",
            "side": side,
            "ts_ms": 1796000000000 + seq,
        }
        out.append(json.dumps({"type": "orderbook_delta", "sid": 1, "seq": seq, "msg": msg}))
    return out


async def client_path(stream: KalshiStream, raw: list[str]) -> float:
    """Seconds for the client to take every frame to an applied book change."""
    subscription = _Subscription("orderbook_delta", (TICKER,), sid=1)
    stream._by_sid = {1: subscription}
    book = OrderBook(TICKER)
    items = stream._items
    start = time.perf_counter()
    for text in raw:
        await stream._receive(text)
        item = items.get_nowait()
        assert isinstance(item, Message)
        book.apply(item)
    return time.perf_counter() - start


def parse_only(raw: list[str]) -> float:
    start = time.perf_counter()
    for text in raw:
        json.loads(text)
    return time.perf_counter() - start


def throughput(rounds: int, count: int, ex: LocalExchange) -> None:
    raw = frames(count)
    stream = connect(ex.auth, ex.ws_url)
    client, floor = [], []
    gc.disable()
    try:
        for i in range(rounds):
            for side in "ab" if i % 2 == 0 else "ba":
                if side == "a":
                    client.append(asyncio.run(client_path(stream, raw)))
                else:
                    floor.append(parse_only(raw))
    finally:
        gc.enable()
    per_second = len(raw) / statistics.median(client)
    floor_rate = len(raw) / statistics.median(floor)
    print(
        f"client: {per_second:,.0f} messages/s; json.loads alone: {floor_rate:,.0f}/s",
        file=sys.stderr,
    )
    print(
        f"1. client parse + apply ÷ json.loads alone (time per message): "
        f"{statistics.median(client) / statistics.median(floor):.1f}×"
    )


async def latencies(ex: LocalExchange, rounds: int) -> tuple[list[float], list[float]]:
    with ex.session() as rest:
        async with connect(ex.auth, ex.ws_url) as stream:
            await stream.subscribe(["fill"])
            to_fill, round_trip = [], []
            for _ in range(rounds):
                start = time.perf_counter()
                answer = await asyncio.to_thread(rest.post, "/portfolio/events/orders", json=ORDER)
                answered = time.perf_counter()
                order_id = answer.json()["order_id"]
                async for item in stream:
                    if isinstance(item, Message) and item.msg["order_id"] == order_id:
                        break
                to_fill.append(time.perf_counter() - start)
                round_trip.append(answered - start)
                if len(to_fill) % 50 == 0:
                    ex.move_market(TICKER, "0.23")  # put liquidity back on the asks
    return to_fill, round_trip


def latency(rounds: int) -> None:
    with LocalExchange(key_type="ed25519", balance=10**10) as ex:
        to_fill, round_trip = asyncio.run(latencies(ex, rounds))
    fill_ms = statistics.median(to_fill) * 1000
    rest_ms = statistics.median(round_trip) * 1000
    p90 = statistics.quantiles(to_fill, n=10)[-1] * 1000
    print(
        f"REST order → fill message: median {fill_ms:.2f} ms, p90 {p90:.2f} ms; "
        f"REST round trip alone: median {rest_ms:.2f} ms",
        file=sys.stderr,
    )
    print(f"2. REST order → its fill message ÷ the REST round trip: {fill_ms / rest_ms:.2f}×")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds, rough numbers")
    args = parser.parse_args(argv)
    rounds, count, orders = (3, 2_000, 20) if args.quick else (15, 20_000, 300)
    with LocalExchange(key_type="ed25519") as ex:
        throughput(rounds, count, ex)
    latency(orders)
    return 0


if __name__ == "__main__":
    sys.exit(main())
