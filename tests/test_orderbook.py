"""OrderBook: snapshot + deltas in Decimal, and a typed error for every message it cannot apply."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from requests_kalshi import KalshiError
from requests_kalshi.orderbook import OrderBook, OrderBookError

T = "KXFED-26DEC-T4.25"


def snapshot(yes: list[list[str]], no: list[list[str]]) -> dict[str, Any]:
    msg = {"market_ticker": T, "yes_dollars_fp": yes, "no_dollars_fp": no}
    return {"type": "orderbook_snapshot", "msg": msg}


def delta(price: str, size: str, side: str = "yes") -> dict[str, Any]:
    msg = {"market_ticker": T, "price_dollars": price, "delta_fp": size, "side": side}
    return {"type": "orderbook_delta", "msg": msg}


def test_deltas_add_remove_and_empty_levels() -> None:
    book = OrderBook(T)
    assert (book.best_yes_bid(), book.best_yes_ask()) == (None, None)
    book.apply(snapshot([["0.2000", "5.00"], ["0.2200", "10.00"]], [["0.7600", "2.50"]]))
    book.apply(delta("0.2300", "1.00"))
    book.apply(delta("0.2200", "-10.00"))
    book.apply(delta("0.7700", "0.01", "no"))
    assert book.best_yes_bid() == Decimal("0.23")
    assert book.best_yes_ask() == Decimal("0.23")
    assert book.rest_view() == {
        "yes_dollars": [["0.2000", "5.00"], ["0.2300", "1.00"]],
        "no_dollars": [["0.7600", "2.50"], ["0.7700", "0.01"]],
    }
    book.apply(snapshot([], [["0.5000", "0.00"]]))  # a new snapshot replaces everything
    assert book.levels == {"yes": {}, "no": {}}
    assert "yes_bid=None" in repr(book)


BAD = [
    ({"type": "orderbook_delta"}, "needs a 'msg'"),
    ({"type": "trade", "msg": {"market_ticker": T}}, "not an order book message"),
    ({"type": "orderbook_delta", "msg": {"market_ticker": "OTHER"}}, "one OrderBook per market"),
    (snapshot([["0.2", "1.000"]], []), "malformed yes level"),
    (snapshot([], [["0.2"]]), "malformed no level"),
    (delta("0.2000", "1.00", "maybe"), "'yes' or 'no'"),
    (delta("0.2000", "1"), None),
    (delta("0.20000001", "1.00"), "malformed delta"),
    (delta("0.2000", "-6.00"), "a message was missed"),
]


@pytest.mark.parametrize(("message", "match"), BAD)
def test_messages_that_cannot_apply_raise_and_leave_the_book(
    message: dict[str, Any], match: str | None
) -> None:
    book = OrderBook(T)
    book.apply(snapshot([["0.2000", "5.00"]], []))
    if match is None:  # a whole count is a valid fixed-point count
        book.apply(message)
        assert book.levels["yes"][Decimal("0.2")] == 6
        return
    with pytest.raises(OrderBookError, match=match) as info:
        book.apply(message)
    assert isinstance(info.value, KalshiError)
    assert book.levels == {"yes": {Decimal("0.2000"): Decimal("5.00")}, "no": {}}


def test_a_delta_before_the_snapshot_raises() -> None:
    with pytest.raises(OrderBookError, match="before its snapshot"):
        OrderBook(T).apply(delta("0.2000", "1.00"))
