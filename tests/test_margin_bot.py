"""A perps bot against the local exchange, through ``session("local")``: market data, a resting
and a crossing order, positions, funding, cancels in the maintenance window, margin's buckets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from requests_kalshi import KalshiSession, session
from requests_kalshi.fixedpoint import parse_count, parse_dollars
from requests_kalshi.ratelimit import RateLimiter

ETH = "KXETHPERP"


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
    with session("local", rate_limit="auto") as k:
        exchange = k.exchange  # type: ignore[attr-defined]
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
