"""One RateLimiter shared by a requests session, an httpx client and an httpx async client.

The limiter runs on a clock that stands still unless a test moves it, so what goes out is
decided by tokens alone: the tests count requests at the local exchange and read the
limiter's buckets, and never time anything.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from requests_kalshi import RateLimiter, session
from requests_kalshi import httpx as kalshi_httpx
from requests_kalshi.testing import LocalExchange

from .test_ratelimit import FakeClock


class Stop(Exception):
    """Raised by a limiter's sleep: the test has seen the request wait."""


@pytest.fixture
def exchange() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as running:
        yield running


def sent(exchange: LocalExchange, path: str = "/trade-api/v2/markets") -> int:
    return sum(1 for request in exchange.requests if request.path == path)


def test_one_limiter_paces_a_session_and_both_httpx_clients_together(
    exchange: LocalExchange,
) -> None:
    clock = FakeClock()
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        raise Stop

    # 50 read tokens: five 10-token reads, whoever sends them; the clock never refills them.
    limiter = RateLimiter(
        read_per_second=10, write_per_second=10, read_burst=50, clock=clock, sleep=sleep
    )
    auth = kalshi_httpx.KalshiAuth.from_requests_auth(exchange.auth)
    s = session(exchange.url, auth=exchange.auth, rate_limit=limiter, retries=0)
    c = kalshi_httpx.client(exchange.url, auth=auth, rate_limit=limiter, retries=0)

    async def main() -> None:
        a = kalshi_httpx.async_client(exchange.url, auth=auth, rate_limit=limiter, retries=0)
        async with a:
            assert s.get("/markets").status_code == 200
            assert (await a.get("/markets")).status_code == 200
            assert c.get("/markets").status_code == 200
            assert (await a.get("/markets")).status_code == 200
            assert s.get("/markets").status_code == 200
            assert sent(exchange) == 5
            assert limiter.available("GET") == 0

            # The budget is spent for all three: the next read of each waits, in order.
            with pytest.raises(Stop):
                s.get("/markets")
            assert waits == [1.0]  # 10 tokens at 10 a second
            with pytest.raises(Stop):
                c.get("/markets")
            assert waits == [1.0, 2.0]  # behind the session's reservation
            task = asyncio.create_task(a.get("/markets"))
            for _ in range(1000):  # until the task has reserved its tokens
                if limiter.available("GET") == -30:
                    break
                await asyncio.sleep(0)
            assert limiter.available("GET") == -30  # behind both of the others
            assert not task.done()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    with s, c:
        assert s.rate_limiter is limiter
        asyncio.run(main())
    assert sent(exchange) == 5  # nothing that waited went out


def test_writes_and_margin_share_the_limiters_buckets_across_clients(
    exchange: LocalExchange,
) -> None:
    clock = FakeClock()
    limiter = RateLimiter(
        read_per_second=10, write_per_second=10, write_burst=20, clock=clock, sleep=clock.sleep
    )
    auth = kalshi_httpx.KalshiAuth.from_requests_auth(exchange.auth)
    order = {"ticker": "NOPE", "side": "yes", "action": "buy", "count": 1, "type": "limit"}

    async def cancel_twice() -> None:
        async with kalshi_httpx.async_client(exchange.url, auth=auth, rate_limit=limiter) as a:
            for _ in range(2):
                await a.delete("/portfolio/events/orders/none")
            assert limiter.available("DELETE") == 0  # 20 write tokens: both cancels
            assert limiter.reserve("GET", "/margin/orders") == 0  # margin: its own pair
            assert limiter.margin is not None
            assert limiter.margin.available("GET", "/margin/orders") == 0

    asyncio.run(cancel_twice())
    with session(exchange.url, auth=exchange.auth, rate_limit=limiter, retries=0) as s:
        s.post("/portfolio/events/orders", json=order)
    assert clock.sleeps == [1.0]  # the session's write waited for the async client's
    assert sent(exchange, "/trade-api/v2/portfolio/events/orders") == 1


def test_the_async_client_awaits_its_wait_and_never_blocks_the_loop(
    exchange: LocalExchange,
) -> None:
    def blocking_sleep(seconds: float) -> None:
        raise AssertionError("the event loop was blocked")

    # 10 read tokens at 200 a second: the second read waits 50 ms for its tokens.
    limiter = RateLimiter(
        read_per_second=200, write_per_second=100, read_burst=10, sleep=blocking_sleep
    )
    auth = kalshi_httpx.KalshiAuth.from_requests_auth(exchange.auth)
    seen_by_ticks: list[int] = []  # how many reads had reached the exchange, at each tick

    async def main() -> None:
        stop = asyncio.Event()

        async def ticker() -> None:
            while not stop.is_set():
                seen_by_ticks.append(sent(exchange))
                await asyncio.sleep(0.001)

        async with kalshi_httpx.async_client(exchange.url, auth=auth, rate_limit=limiter) as a:
            await a.get("/markets")
            ticking = asyncio.create_task(ticker())
            await a.get("/markets")
            stop.set()
            await ticking

    asyncio.run(main())
    # The loop ran the ticker while the second read waited for its tokens, before it went out.
    assert seen_by_ticks[0] == 1
    assert sent(exchange) == 2


def test_threads_and_the_loop_draw_from_one_queue(exchange: LocalExchange) -> None:
    clock = FakeClock()
    limiter = RateLimiter(read_per_second=10, write_per_second=10, read_burst=100, clock=clock)
    auth = kalshi_httpx.KalshiAuth.from_requests_auth(exchange.auth)
    errors: list[BaseException] = []

    def session_reads() -> None:
        try:
            with session(exchange.url, auth=exchange.auth, rate_limit=limiter) as s:
                for _ in range(5):
                    s.get("/markets").raise_for_status()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    async def client_reads() -> None:
        async with kalshi_httpx.async_client(exchange.url, auth=auth, rate_limit=limiter) as a:
            await asyncio.gather(*(a.get("/markets") for _ in range(5)))

    thread = threading.Thread(target=session_reads)
    thread.start()
    asyncio.run(client_reads())
    thread.join()
    assert errors == []
    assert sent(exchange) == 10
    assert limiter.available("GET") == 0  # ten reads of 10 tokens, from one bucket of 100
