"""The margin slice's state without HTTP: mark, positions through flips and partial exits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from requests_kalshi.testing.margin import MarginExchange, MarginOrderSpec
from requests_kalshi.testing.margin_orderspec import parse_margin_order
from requests_kalshi.testing.records import OrderError

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
