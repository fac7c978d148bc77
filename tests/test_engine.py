# mypy: disable-error-code="comparison-overlap"
# (Decimal compares equal to int by design: the tests state counts as plain integers.)
"""The matching engine alone: crossing, priority, time in force, fees, positions, money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from requests_kalshi.testing.catalog import Catalog, seed_catalog
from requests_kalshi.testing.engine import USER, Engine
from requests_kalshi.testing.market import Market, Series
from requests_kalshi.testing.orderspec import OrderSpec, parse_amend, parse_order
from requests_kalshi.testing.records import (
    BookChange,
    ExchangeEvent,
    FillRecord,
    OrderError,
    OrderUpdate,
    TradeRecord,
)

D = Decimal
T = "KXTEST-1"
THOUSAND = Decimal(1000)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def empty_engine(fee_type: str = "quadratic", cash: Decimal = THOUSAND) -> tuple[Engine, Clock]:
    """One market with no history and no participants' quotes: every trade is the test's."""
    clock = Clock()
    market = Market(T, event_ticker="KXTEST-E", status="unopened")
    series = Series("KXTEST", "Test series", fee_type=fee_type, fee_multiplier=0.07)
    engine = Engine(Catalog(series=[series], markets=[market]), clock=clock, user_cash=cash)
    engine.markets[T].status = "open"  # opened now: no history, no participants' quotes
    return engine, clock


def spec(
    side: str, count: str, price: str, tif: str = "good_till_canceled", **kw: Any
) -> OrderSpec:
    body = {
        "ticker": T,
        "side": side,
        "count": count,
        "price": price,
        "time_in_force": tif,
        "self_trade_prevention_type": kw.pop("stp", "taker_at_cross"),
        **kw,
    }
    return parse_order(body)


def test_seeded_books_are_deterministic_and_uncrossed() -> None:
    one = Engine(seed_catalog(3), clock=Clock(), seed=3)
    two = Engine(seed_catalog(3), clock=Clock(), seed=3)
    other = Engine(seed_catalog(4), clock=Clock(), seed=4)
    depth = {t: (m.book.depth("bid"), m.book.depth("ask")) for t, m in one.markets.items()}
    assert depth == {t: (m.book.depth("bid"), m.book.depth("ask")) for t, m in two.markets.items()}
    assert depth != {
        t: (m.book.depth("bid"), m.book.depth("ask")) for t, m in other.markets.items()
    }
    assert list(one.orders) == list(two.orders)  # the same ids too
    for market in one.markets.values():
        bid, ask = market.book.best("bid"), market.book.best("ask")
        if market.status == "open":
            assert bid is not None
            assert ask is not None
            assert bid < ask
            assert market.volume > 0
            assert market.last_price > 0
        else:
            assert bid is None
            assert ask is None
    assert {m.status for m in one.markets.values()} == {"open", "closed", "settled"}


def test_a_bid_that_crosses_fills_at_the_resting_prices_best_first() -> None:
    engine, _ = empty_engine()
    engine.add_liquidity(T, "ask", D("0.42"), D(5))
    engine.add_liquidity(T, "ask", D("0.40"), D(5))
    engine.add_liquidity(T, "ask", D("0.45"), D(5))
    order = engine.place(USER, spec("bid", "8", "0.42"))
    assert [(t.price, t.count) for t in engine.trades] == [(D("0.40"), 5), (D("0.42"), 3)]
    assert (order.filled, order.remaining, order.status) == (8, 0, "executed")
    assert order.taker_cost == D("3.26")
    assert engine.markets[T].book.depth("ask") == [(D("0.42"), 2), (D("0.45"), 5)]
    assert engine.markets[T].last_price == D("0.42")


def test_price_time_priority_within_a_level() -> None:
    engine, _ = empty_engine()
    first = engine.add_liquidity(T, "bid", D("0.30"), D(2), account="mm-1")
    second = engine.add_liquidity(T, "bid", D("0.30"), D(2), account="mm-2")
    better = engine.add_liquidity(T, "bid", D("0.31"), D(1), account="mm-3")
    engine.place(USER, spec("ask", "4", "0.30", "immediate_or_cancel"))
    assert (better.filled, first.filled, second.filled) == (1, 2, 1)
    assert second.status == "resting"
    assert second.remaining == 1


def test_partial_fill_rests_the_rest_and_cancel_reports_it() -> None:
    engine, _ = empty_engine()
    engine.add_liquidity(T, "ask", D("0.50"), D(3))
    order = engine.place(USER, spec("bid", "10", "0.50"))
    assert (order.filled, order.remaining, order.status) == (3, 7, "resting")
    assert engine.markets[T].book.depth("bid") == [(D("0.50"), 7)]
    cancelled, reduced = engine.cancel(USER, order.order_id)
    assert (reduced, cancelled.filled, cancelled.remaining, cancelled.status) == (
        7,
        3,
        0,
        "canceled",
    )


def test_cancelling_an_order_that_never_matched_reports_no_fill() -> None:
    """The old exchange answered fill_count 3, remaining_count 0 here."""
    engine, _ = empty_engine()
    order = engine.place(USER, spec("bid", "3", "0.20"))
    cancelled, reduced = engine.cancel(USER, order.order_id)
    assert (reduced, cancelled.filled, cancelled.initial) == (3, 0, 3)
    assert engine.accounts[USER].cash == 1000
    with pytest.raises(OrderError) as again:
        engine.cancel(USER, order.order_id)
    assert (again.value.status, again.value.code) == (404, "not_found")


def test_ioc_cancels_what_does_not_trade_and_fok_trades_all_or_nothing() -> None:
    engine, _ = empty_engine()
    engine.add_liquidity(T, "ask", D("0.50"), D(3))
    fok = engine.place(USER, spec("bid", "4", "0.50", "fill_or_kill"))
    assert (fok.filled, fok.status) == (0, "canceled")
    assert engine.trades == []
    ioc = engine.place(USER, spec("bid", "4", "0.50", "immediate_or_cancel"))
    assert (ioc.filled, ioc.remaining, ioc.status) == (3, 0, "canceled")
    engine.add_liquidity(T, "ask", D("0.50"), D(3))
    full = engine.place(USER, spec("bid", "3", "0.55", "fill_or_kill"))
    assert (full.filled, full.status) == (3, "executed")
    assert engine.markets[T].book.depth("bid") == []


def test_post_only_and_reduce_only() -> None:
    engine, _ = empty_engine()
    engine.add_liquidity(T, "ask", D("0.50"), D(5))
    with pytest.raises(OrderError, match="post only cross"):
        engine.place(USER, spec("bid", "1", "0.50", post_only=True))
    resting = engine.place(USER, spec("bid", "1", "0.49", post_only=True))
    assert resting.status == "resting"
    engine.cancel(USER, resting.order_id)  # or it would stop the user's own ask below
    with pytest.raises(OrderError, match="reduce only"):
        engine.place(USER, spec("ask", "1", "0.49", "immediate_or_cancel", reduce_only=True))
    engine.place(USER, spec("bid", "2", "0.50", "immediate_or_cancel"))
    engine.add_liquidity(T, "bid", D("0.45"), D(10))
    closing = engine.place(USER, spec("ask", "5", "0.45", "immediate_or_cancel", reduce_only=True))
    assert (closing.initial, closing.filled) == (2, 2)  # capped at the position
    assert engine.accounts[USER].positions[T].contracts == 0


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (
            {"expiration_time": 1_900_000_000, "time_in_force": "immediate_or_cancel"},
            "expiration_time",
        ),
        ({"reduce_only": True}, "reduce_only is only allowed"),
        ({"post_only": True, "time_in_force": "fill_or_kill"}, "post_only is only allowed"),
        ({"side": "buy"}, "side must be one of bid, ask"),
        ({"count": "1.234"}, "3 decimal places"),
        ({"price": "0.5"}, "1 decimal places"),
        ({"time_in_force": "day"}, "time_in_force must be one of"),
        ({"self_trade_prevention_type": "none"}, "self_trade_prevention_type"),
        ({"subaccount": 64}, "subaccount"),
        ({"expiration_time": "soon"}, "expiration_time must be Unix seconds"),
    ],
)
def test_bodies_are_checked(body: dict[str, Any], details: str) -> None:
    base = {
        "ticker": T,
        "side": "bid",
        "count": "1",
        "price": "0.50",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "maker",
    }
    with pytest.raises(OrderError, match=details) as raised:
        parse_order({**base, **body})
    assert (raised.value.status, raised.value.code) == (400, "invalid_order")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ([], "bad_request"),
        ({"side": "bid"}, "missing_parameters"),
        ({"ticker": 5}, "bad_request"),
        ({"ticker": T, "side": "bid", "count": 1}, "invalid_order"),
    ],
)
def test_unreadable_bodies(body: Any, code: str) -> None:
    with pytest.raises(OrderError) as raised:
        parse_order(body)
    assert raised.value.code == code


def test_price_must_be_on_the_markets_levels() -> None:
    engine = Engine(seed_catalog(), clock=Clock())
    with pytest.raises(OrderError, match="price_ranges"):
        engine.place(USER, parse_order({**_fed(), "price": "0.505"}))
    btc = "KXBTCD-26DEC0117-T102999.99"  # tapered_deci_cent: 0.001 steps below 0.10
    placed = engine.place(USER, parse_order({**_fed(), "ticker": btc, "price": "0.015"}))
    assert placed.price == D("0.015")
    with pytest.raises(OrderError, match="price_ranges"):
        engine.place(USER, parse_order({**_fed(), "ticker": btc, "price": "0.155"}))


def _fed() -> dict[str, Any]:
    return {
        "ticker": "KXFED-26DEC-T4.25",
        "side": "bid",
        "count": "1",
        "price": "0.10",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "maker",
    }


def test_closed_paused_and_unknown_markets() -> None:
    engine = Engine(seed_catalog(), clock=Clock())
    with pytest.raises(OrderError, match="market_closed"):
        engine.place(USER, parse_order({**_fed(), "ticker": "KXNBAGAME-26NOV29BOSLAL-BOS"}))
    with pytest.raises(OrderError, match="market_closed"):
        engine.place(USER, parse_order({**_fed(), "ticker": "KXHIGHNY-26NOV30-T38"}))
    with pytest.raises(OrderError) as unknown:
        engine.place(USER, parse_order({**_fed(), "ticker": "KXNOPE"}))
    assert unknown.value.status == 404
    engine.pause()
    with pytest.raises(OrderError, match="trading_is_paused"):
        engine.place(USER, parse_order(_fed()))
    engine.pause(paused=False)
    engine.pause("KXFED-26DEC-T4.25")
    with pytest.raises(OrderError, match="trading_is_paused"):
        engine.place(USER, parse_order(_fed()))
    engine.pause("KXFED-26DEC-T4.25", paused=False)
    assert engine.place(USER, parse_order(_fed())).status == "resting"


def test_insufficient_balance_changes_nothing() -> None:
    engine, _ = empty_engine(cash=D("1.00"))
    with pytest.raises(OrderError) as raised:
        engine.place(USER, spec("bid", "2", "0.50"))  # $1.00 plus up to $0.04 of fees
    assert raised.value.code == "insufficient_balance"
    assert engine.accounts[USER].cash == 1
    assert engine.orders == {}
    assert engine.place(USER, spec("bid", "1", "0.50")).reserved_cost == D("0.50")


def test_reduce_only_needs_no_cash_for_what_it_closes() -> None:
    engine, _ = empty_engine(cash=D("5.18"))
    engine.add_liquidity(T, "ask", D("0.50"), D(10))
    engine.place(USER, spec("bid", "10", "0.50", "immediate_or_cancel"))  # $5 and $0.18 fees
    assert engine.accounts[USER].cash == 0
    engine.add_liquidity(T, "bid", D("0.60"), D(10))
    with pytest.raises(OrderError, match="insufficient_balance"):
        engine.place(USER, spec("ask", "10", "0.60", "immediate_or_cancel"))  # would need $4
    with pytest.raises(OrderError, match="insufficient_balance"):  # even the fee needs cash
        engine.place(USER, spec("ask", "10", "0.60", "immediate_or_cancel", reduce_only=True))
    engine.accounts[USER].cash += D("0.18")  # the largest fee of 10 contracts
    engine.fees_collected -= D("0.18")  # moved, not made: the totals still agree
    sold = engine.place(USER, spec("ask", "10", "0.60", "immediate_or_cancel", reduce_only=True))
    assert (sold.filled, sold.reserved_cost, sold.reserved_fee) == (10, 0, 0)
    assert engine.accounts[USER].cash == D("6.01")  # 10 x $0.60 - $0.17 fee + the $0.18 given
    assert engine.accounts[USER].positions[T].contracts == 0


def test_client_order_id_is_used_once_even_after_cancel() -> None:
    engine, _ = empty_engine()
    first = engine.place(USER, spec("bid", "1", "0.10", client_order_id="mine"))
    engine.cancel(USER, first.order_id)
    with pytest.raises(OrderError) as raised:
        engine.place(USER, spec("bid", "1", "0.10", client_order_id="mine"))
    assert (raised.value.status, raised.value.code) == (409, "order_already_exists")
    other = engine.place("mm-1", spec("bid", "1", "0.10", client_order_id="mine"))
    assert other.client_order_id == "mine"  # ids are per account


def test_self_trade_prevention() -> None:
    engine, _ = empty_engine()
    mine = engine.place(USER, spec("ask", "2", "0.50"))
    engine.add_liquidity(T, "ask", D("0.51"), D(2))
    stopped = engine.place(USER, spec("bid", "3", "0.51", stp="taker_at_cross"))
    assert (stopped.filled, stopped.status, mine.status) == (0, "canceled", "resting")
    taker = engine.place(USER, spec("bid", "3", "0.51", stp="maker"))
    assert mine.status == "canceled"
    assert (taker.filled, taker.remaining) == (2, 1)
    assert all(f.account != USER or f.is_taker for f in engine.fills)


def test_fees_follow_the_series_and_round_once_per_order() -> None:
    engine, _ = empty_engine("quadratic_with_maker_fees")
    maker = engine.add_liquidity(T, "ask", D("0.40"), D(100))
    taker = engine.place(USER, spec("bid", "100", "0.40"))
    exact = D("0.07") * 100 * D("0.40") * D("0.60")  # 1.68
    assert taker.taker_fees == D("1.68") == exact
    assert maker.maker_fees == D("0.42")  # a quarter of the rate
    engine2, _ = empty_engine("quadratic")
    resting = engine2.add_liquidity(T, "ask", D("0.50"), D(10))
    small = engine2.place(USER, spec("bid", "1", "0.50"))
    assert small.taker_fees == D("0.02")  # 0.0175 rounds up to a cent
    rest = engine2.place(USER, spec("bid", "9", "0.50"))
    assert rest.taker_fees == D("0.16")  # 0.1575
    assert resting.maker_fees == 0
    assert sum((f.fee for f in engine2.fills), D(0)) == D("0.18")
    flat, _ = empty_engine("flat")
    flat.add_liquidity(T, "ask", D("0.90"), D(3))
    assert flat.place(USER, spec("bid", "3", "0.90")).taker_fees == D("0.21")


def test_fees_of_one_order_over_many_fills_round_up_once() -> None:
    engine, _ = empty_engine()
    for _ in range(4):
        engine.add_liquidity(T, "ask", D("0.50"), D(1))
    order = engine.place(USER, spec("bid", "4", "0.50"))
    fees = [f.fee for f in engine.fills if f.account == USER]
    assert fees == [D("0.02"), D("0.02"), D("0.02"), D("0.01")]  # 0.0175 a contract
    assert order.taker_fees == D("0.07") == sum(fees, D(0))
    assert all(fee >= 0 for fee in fees)


def test_positions_exposure_realized_pnl_and_balance() -> None:
    engine, _ = empty_engine()
    engine.add_liquidity(T, "ask", D("0.40"), D(10))
    engine.place(USER, spec("bid", "10", "0.40"))
    position = engine.accounts[USER].positions[T]
    assert (position.contracts, position.cost, position.fees_paid) == (10, D("4.00"), D("0.17"))
    assert engine.accounts[USER].cash == D(1000) - D("4.00") - D("0.17")
    engine.add_liquidity(T, "bid", D("0.70"), D(4))
    engine.place(USER, spec("ask", "4", "0.70", "immediate_or_cancel"))
    assert (position.contracts, position.cost) == (6, D("2.40"))
    assert position.realized_pnl == 4 * (D("0.70") - D("0.40"))
    engine.add_liquidity(T, "bid", D("0.20"), D(10))
    engine.place(USER, spec("ask", "10", "0.20", "immediate_or_cancel"))
    assert position.contracts == -4  # went through zero: now NO
    assert position.cost == 4 * D("0.80")
    assert engine.open_interest(T) == 4 + 0  # the participants hold the YES side


def test_settlement_pays_winners_and_records_it() -> None:
    engine, clock = empty_engine()
    engine.add_liquidity(T, "ask", D("0.30"), D(5))
    engine.place(USER, spec("bid", "5", "0.30"))
    cash = engine.accounts[USER].cash
    clock.now += 60
    engine.settle(T, "yes")
    assert engine.accounts[USER].cash == cash + 5
    mine = [s for s in engine.settlements if s.account == USER]
    assert [(s.result, s.yes_count, s.yes_cost, s.revenue) for s in mine] == [
        ("yes", 5, D("1.50"), 5)
    ]
    position = engine.accounts[USER].positions[T]
    assert (position.contracts, position.realized_pnl) == (0, D("3.50"))
    assert engine.open_interest(T) == 0
    with pytest.raises(OrderError, match="already settled"):
        engine.settle(T, "no")
    with pytest.raises(OrderError, match="result"):
        engine.settle(T, "maybe")


def test_amend_and_decrease() -> None:
    engine, _ = empty_engine()
    a = engine.place(USER, spec("bid", "5", "0.30"))
    b = engine.place("mm-1", spec("bid", "5", "0.30"))
    amend = parse_amend({"ticker": T, "side": "bid", "price": "0.30", "count": "3"})
    engine.amend(USER, a.order_id, amend)  # smaller: keeps its place before b
    assert [o.order_id for o in engine.markets[T].book.orders()] == [a.order_id, b.order_id]
    engine.amend(USER, a.order_id, parse_amend({**_amend(), "count": "4"}))  # bigger: to the back
    assert [o.order_id for o in engine.markets[T].book.orders()] == [b.order_id, a.order_id]
    engine.decrease(USER, a.order_id, D(1), None)
    assert a.remaining == 3
    with pytest.raises(OrderError, match="cannot grow"):
        engine.decrease(USER, a.order_id, None, D(3))
    engine.add_liquidity(T, "ask", D("0.35"), D(2))
    crossed = engine.amend(
        USER, a.order_id, parse_amend({**_amend(), "price": "0.35", "count": "4"})
    )
    assert (crossed.filled, crossed.remaining, crossed.price) == (2, 2, D("0.35"))
    with pytest.raises(OrderError, match="above the 2"):
        engine.amend(USER, a.order_id, parse_amend({**_amend(), "count": "2"}))
    with pytest.raises(OrderError, match="ticker and side"):
        engine.amend(USER, a.order_id, parse_amend({**_amend(), "side": "ask"}))
    engine.decrease(USER, a.order_id, None, D(0))
    assert a.status == "canceled"


def _amend() -> dict[str, Any]:
    return {"ticker": T, "side": "bid", "price": "0.30", "count": "4"}


def test_amend_that_cannot_be_paid_changes_nothing() -> None:
    engine, _ = empty_engine(cash=D("1.10"))
    order = engine.place(USER, spec("bid", "2", "0.30"))
    cash = engine.accounts[USER].cash
    with pytest.raises(OrderError, match="insufficient_balance"):
        engine.amend(USER, order.order_id, parse_amend({**_amend(), "price": "0.90", "count": "2"}))
    assert (order.price, order.remaining, engine.accounts[USER].cash) == (D("0.30"), 2, cash)
    assert engine.markets[T].book.depth("bid") == [(D("0.30"), 2)]


def test_expiration_and_cancel_on_pause() -> None:
    engine, clock = empty_engine()
    expiring = engine.place(USER, spec("bid", "1", "0.10", expiration_time=int(clock.now) + 30))
    on_pause = engine.place(USER, spec("bid", "1", "0.11", cancel_order_on_pause=True))
    gone = engine.place(USER, spec("bid", "1", "0.09", expiration_time=int(clock.now) + 300))
    engine.cancel(USER, gone.order_id)  # cancelled before it expires: forgotten quietly
    clock.now += 31
    assert engine.order(USER, expiring.order_id).status == "canceled"
    engine.pause(T)
    assert on_pause.status == "canceled"
    assert engine.accounts[USER].cash == 1000


def test_listeners_see_book_changes_trades_fills_and_updates() -> None:
    engine, _ = empty_engine()
    seen: list[ExchangeEvent] = []
    stop = engine.subscribe(seen.append)
    engine.add_liquidity(T, "ask", D("0.40"), D(5))
    engine.place(USER, spec("bid", "2", "0.40"))
    kinds = [type(e).__name__ for e in seen]
    assert kinds == [
        "BookChange",
        "OrderUpdate",
        "TradeRecord",
        "FillRecord",
        "FillRecord",
        "BookChange",
        "OrderUpdate",
    ]
    first, *_, last_change, _ = seen
    assert isinstance(first, BookChange)
    assert (first.side, first.price, first.delta) == (
        "no",
        D("0.60"),
        5,
    )
    assert isinstance(last_change, BookChange)
    assert last_change.delta == -2
    fills = [e for e in seen if isinstance(e, FillRecord)]
    assert [(f.account, f.is_taker, f.position_after) for f in fills] == [
        ("mm-1", False, -2),
        (USER, True, 2),
    ]
    assert isinstance(seen[2], TradeRecord)
    assert seen[2].taker_side == "bid"
    assert isinstance(seen[-1], OrderUpdate)
    assert seen[-1].order.status == "executed"
    stop()
    stop()  # harmless twice
    engine.place(USER, spec("bid", "1", "0.10"))
    assert len(seen) == 7


def test_a_failing_listener_is_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    engine, _ = empty_engine()

    def broken(event: ExchangeEvent) -> None:
        raise RuntimeError("listener bug")

    seen: list[ExchangeEvent] = []
    engine.subscribe(broken)
    engine.subscribe(seen.append)
    order = engine.place(USER, spec("bid", "1", "0.10"))
    assert order.status == "resting"
    assert len(seen) == 2
    assert "an exchange listener failed" in caplog.text


def test_move_market_sweeps_resting_user_orders() -> None:
    engine = Engine(seed_catalog(), clock=Clock())
    ticker = "KXFED-26DEC-T4.25"
    mine = engine.place(USER, parse_order({**_fed(), "side": "ask", "price": "0.30"}))
    engine.move_market(ticker, D("0.35"))
    market = engine.markets[ticker]
    assert (mine.filled, mine.status) == (1, "executed")
    assert market.last_price == D("0.35")
    assert (market.book.best("bid"), market.book.best("ask")) == (D("0.34"), D("0.36"))
    with pytest.raises(OrderError):
        engine.move_market(ticker, D("1.5"))


ACCOUNTS = ("user", "mm-1", "mm-2", "mm-3")
orders = st.tuples(
    st.sampled_from(ACCOUNTS),
    st.sampled_from(("bid", "ask")),
    st.integers(min_value=1, max_value=99),
    st.integers(min_value=1, max_value=2000).map(lambda n: D(n) / 100),
    st.sampled_from(("good_till_canceled", "immediate_or_cancel", "fill_or_kill")),
    st.sampled_from(("taker_at_cross", "maker")),
    st.booleans(),
)
actions = st.one_of(
    orders,
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=50)),
    st.tuples(st.just("settle"), st.sampled_from(("yes", "no"))),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(actions, max_size=40), st.sampled_from(("quadratic", "quadratic_with_maker_fees")))
def test_money_is_neither_created_nor_lost(steps: list[Any], fee_type: str) -> None:
    engine, _ = empty_engine(fee_type, cash=D(50))
    total = engine.total_money()
    for step in steps:
        try:
            if step[0] == "cancel":
                ids = list(engine.orders)
                if ids:
                    order = engine.orders[ids[step[1] % len(ids)]]
                    engine.cancel(order.account, order.order_id)
            elif step[0] == "settle":
                engine.settle(T, step[1])
            else:
                account, side, cents, count, tif, stp, reduce = step
                price = f"0.{cents:02d}"
                options = {"reduce_only": True} if reduce and tif == "immediate_or_cancel" else {}
                engine.place(account, spec(side, str(count), price, tif, stp=stp, **options))
        except OrderError:
            pass
        assert engine.total_money() == total
        assert all(a.cash >= 0 for a in engine.accounts.values())
        pairs = engine.open_interest(T)
        no_side = sum(
            (
                -p.contracts
                for a in engine.accounts.values()
                for p in a.positions.values()
                if p.contracts < 0
            ),
            D(0),
        )
        assert pairs == no_side  # every open YES is matched by one NO
        assert engine.collateral == pairs  # each open pair locks exactly $1
        for order in engine.orders.values():
            assert order.filled + order.remaining <= order.initial
            assert order.reserved_cost >= 0
            assert order.reserved_fee >= 0
            if order.status != "resting":
                assert order.reserved_cost == order.reserved_fee == 0
    assert engine.fees_collected >= 0
