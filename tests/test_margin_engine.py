"""The margin slice's state without HTTP: mark, positions through flips and partial exits."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from requests_kalshi.testing.margin import MarginExchange, MarginOrderSpec
from requests_kalshi.testing.margin_orderspec import parse_margin_order
from requests_kalshi.testing.margin_records import MarketChange
from requests_kalshi.testing.records import BookChange, FillRecord, OrderError, TradeRecord

BTC = "KXBTCPERP"
NOW = 1_800_000_000.0


def spec(side: str, count: str, price: str, cid: str) -> MarginOrderSpec:
    return MarginOrderSpec(
        ticker=BTC,
        side=side,
        count=Decimal(count),
        price=Decimal(price),
        time_in_force="immediate_or_cancel",
        self_trade_prevention="taker_at_cross",
        client_order_id=cid,
    )


def test_the_mark_is_the_index_while_a_side_is_empty() -> None:
    margin = MarginExchange(lambda: NOW)
    market = margin.market(BTC)
    margin.set_index(BTC, "90000")
    assert margin.mark(market) == Decimal(96995)  # median of 96995, 97005, 90000
    for order in [o for o in market.book.orders() if o.side == "ask"]:
        margin.cancel_resting(order, NOW)
    assert market.book.best("ask") is None
    assert margin.mark(market) == Decimal(90000)


def test_a_position_flips_and_exits_in_part() -> None:
    margin = MarginExchange(lambda: NOW)
    position = margin.accounts["user"].position(BTC)
    margin.place(spec("bid", "0.20", "97010", "a"))  # 0.10 at 97005, 0.10 at 97010
    assert position.contracts == Decimal("0.20")
    assert position.entry == Decimal("97007.5")
    margin.place(spec("ask", "0.05", "96995", "b"))  # a partial exit keeps the entry
    assert position.contracts == Decimal("0.15")
    assert position.entry == Decimal("97007.5")
    assert position.realized == Decimal("0.05") * (96995 - Decimal("97007.5"))
    margin.place(spec("ask", "0.25", "96990", "c"))  # 0.05 at 96995, 0.20 at 96990: flips
    assert position.contracts == Decimal("-0.10")
    assert position.entry == Decimal(96990)


def test_a_body_that_is_not_an_object_is_a_bad_request() -> None:
    with pytest.raises(OrderError) as caught:
        parse_margin_order(["not", "an", "object"])
    assert (caught.value.status, caught.value.code) == (400, "bad_request")


def test_listeners_see_book_changes_trades_fills_and_market_changes() -> None:
    clock = [NOW]
    margin = MarginExchange(lambda: clock[0])
    seen: list[object] = []
    stop = margin.subscribe(seen.append)
    resting = margin.place(
        replace(spec("bid", "0.30", "96000", "rest"), time_in_force="good_till_canceled")
    )
    assert seen == [BookChange(BTC, "bid", Decimal(96000), Decimal("0.30"), NOW)]
    seen.clear()
    taker = margin.place(spec("bid", "0.15", "97010", "take"))
    trades = [e for e in seen if isinstance(e, TradeRecord)]
    fills = [e for e in seen if isinstance(e, FillRecord)]
    changes = [e for e in seen if isinstance(e, BookChange)]
    assert trades == margin.trades
    assert [(t.price, t.count, t.taker_side) for t in trades] == [
        (Decimal(97005), Decimal("0.10"), "bid"),
        (Decimal(97010), Decimal("0.05"), "bid"),
    ]
    mine = [f for f in fills if f.account == "user"]
    assert [(f.order_id, f.is_taker, f.position_after) for f in mine] == [
        (taker.order_id, True, Decimal("0.10")),
        (taker.order_id, True, Decimal("0.15")),
    ]
    assert sum(f.fee for f in mine) == taker.taker_fees
    assert {f.account for f in fills} == {"user", "maker"}
    assert [(c.side, c.price, c.delta) for c in changes] == [
        ("ask", Decimal(97005), Decimal("-0.10")),
        ("ask", Decimal(97010), Decimal("-0.05")),
    ]
    seen.clear()
    margin.cancel(resting.order_id)
    margin.set_index(BTC, "96500")
    clock[0] += 3600  # a funding falls due: told at the next operation, for every market
    with margin.operation():
        pass
    assert seen[:2] == [
        BookChange(BTC, "bid", Decimal(96000), Decimal("-0.30"), NOW),
        MarketChange(BTC, NOW),
    ]
    assert {e.ticker for e in seen[2:] if isinstance(e, MarketChange)} == set(margin.markets)
    stop()
    margin.set_index(BTC, "97000")
    assert len(seen) == 2 + len(margin.markets)
