"""The local exchange's perpetual futures ("margin"): books, positions, funding, maintenance.

A few perpetual markets (:data:`PERPETUALS`) with books seeded around a deterministic index
price, matched in price-time priority on the same :class:`~.book.OrderBook` as event contracts.
The user trades against a market maker with unlimited cash. Choices of this exchange (Kalshi's
are not public): one contract is one unit of the underlying; the mark price is the median of
best bid, best ask and index (the index alone while a side is empty); the funding rate is the
premium ``(mark - index) / index`` clamped to ±0.5 %; funding is paid every
``funding_interval`` seconds of the exchange clock (hourly by default, at multiples of the
interval since the epoch), ``position × mark × rate`` from longs to shorts when positive;
initial margin is 10 % of notional; takers pay 0.05 % of notional, makers nothing.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

from ._listeners import Listeners
from .book import BookOrder
from .execution import book_fill, match
from .margin_records import (
    PERPETUALS,
    MarginAccount,
    MarginEvent,
    MarginFundingRecord,
    MarginOrderSpec,
    MarginPosition,
    MarketChange,
    Perpetual,
    PerpMarket,
)
from .records import BookChange, OrderError, TradeRecord

__all__ = ["PERPETUALS", "MarginExchange", "MarginFundingRecord", "MarginOrderSpec", "Perpetual"]

ZERO = Decimal(0)
USER = "user"
MAKER = "maker"
TAKER_FEE = Decimal("0.0005")
INITIAL_MARGIN = Decimal("0.10")
MAINTENANCE_MARGIN = Decimal("0.05")
MAX_FUNDING_RATE = Decimal("0.005")
DEFAULT_CASH = Decimal(10_000)
CENT6 = Decimal("0.000001")


class MarginExchange:
    """The margin slice's state and matching; thread-safe (one lock).

    Testing API: :attr:`maintenance` (switch the maintenance window on or off),
    :meth:`set_index` (move an index, and so the mark and the funding rate).

    :param clock: the exchange clock, Unix seconds.
    :param funding_interval: seconds between fundings.
    :param cash: the user's starting margin balance, dollars.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        funding_interval: int = 3600,
        cash: Decimal = DEFAULT_CASH,
    ) -> None:
        self._clock = clock
        self.lock = threading.RLock()
        self._events: Listeners[MarginEvent] = Listeners(self.lock)
        self.funding_interval = funding_interval
        self.maintenance = False
        """While true, new orders are refused (``exchange_under_maintenance``); cancels work."""
        self.markets = {p.ticker: PerpMarket(p, p.index) for p in PERPETUALS}
        self.accounts = {USER: MarginAccount(cash), MAKER: MarginAccount(ZERO)}
        self.orders: dict[str, BookOrder] = {}
        self.client_order_ids: set[str] = set()
        self.trades: list[TradeRecord] = []
        self.funding: list[MarginFundingRecord] = []
        self._ids = itertools.count(1)
        now = clock()
        self.last_funding = now - now % funding_interval
        for market in self.markets.values():
            self._seed(market, now)

    # -- testing API --------------------------------------------------------------------

    def set_index(self, ticker: str, price: Decimal | str) -> None:
        """Move ``ticker``'s index price (the book stays): the mark and funding follow."""
        with self.operation() as now:
            self.market(ticker).index = Decimal(price)
            self._events.emit(MarketChange(ticker, now))

    def subscribe(self, listener: Callable[[MarginEvent], None]) -> Callable[[], None]:
        """Call ``listener`` with every later event (book, trade, fill, market changes).

        Events are told under :attr:`lock` once the operation that caused them is complete;
        returns a function that unsubscribes.
        """
        return self._events.subscribe(listener)

    # -- reading ------------------------------------------------------------------------

    def now(self) -> float:
        """The exchange's clock now, Unix seconds."""
        return self._clock()

    @contextmanager
    def operation(self) -> Iterator[float]:
        """Hold the lock, pay the fundings that fell due, and give the exchange's now.

        What the operation changed is told to the listeners when it ends.
        """
        with self._events.operation():
            now = self._clock()
            self._pay_funding(now)
            yield now

    def market(self, ticker: str) -> PerpMarket:
        """The market ``ticker``; 404 ``not_found`` otherwise."""
        market = self.markets.get(ticker)
        if market is None:
            raise OrderError(404, "not_found", "not found", f"market {ticker} not found")
        return market

    def mark(self, market: PerpMarket) -> Decimal:
        """The mark price: median of best bid, best ask and index (the index if a side is empty)."""
        bid, ask = market.book.best("bid"), market.book.best("ask")
        if bid is None or ask is None:
            return market.index
        return sorted((bid, ask, market.index))[1]

    def funding_rate(self, market: PerpMarket) -> Decimal:
        """The rate the next funding pays at: the premium of mark over index, clamped."""
        premium = (self.mark(market) - market.index) / market.index
        clamped = max(-MAX_FUNDING_RATE, min(MAX_FUNDING_RATE, premium))
        return clamped.quantize(CENT6, rounding=ROUND_HALF_UP)

    def next_funding(self) -> float:
        """When the next funding is paid, Unix seconds."""
        return self.last_funding + self.funding_interval

    def order(self, order_id: str) -> BookOrder:
        """The user's order ``order_id``; 404 ``not_found`` otherwise."""
        order = self.orders.get(order_id)
        if order is None or order.account != USER:
            raise OrderError(404, "not_found", "not found", f"order {order_id} not found")
        return order

    def unrealized(self, ticker: str, position: MarginPosition) -> Decimal:
        """What ``position`` would gain (or lose) closed at the mark."""
        return position.contracts * (self.mark(self.markets[ticker]) - position.entry)

    def initial_margin(self, account: str = USER) -> Decimal:
        """Margin held by ``account``'s positions (at the mark) and resting orders."""
        held = sum(
            (
                abs(p.contracts) * self.mark(self.markets[t]) * INITIAL_MARGIN
                for t, p in self.accounts[account].positions.items()
            ),
            ZERO,
        )
        resting = sum(
            (o.remaining * o.price * INITIAL_MARGIN for o in self._resting(account)), ZERO
        )
        return held + resting

    def equity(self, account: str = USER) -> Decimal:
        """Cash plus the unrealized result of every position."""
        positions = self.accounts[account].positions.items()
        return self.accounts[account].cash + sum(
            (self.unrealized(t, p) for t, p in positions), ZERO
        )

    # -- orders -------------------------------------------------------------------------

    def place(self, spec: MarginOrderSpec) -> BookOrder:
        """Place the user's order: match what crosses, rest (GTC) or cancel the rest.

        :raises OrderError: maintenance, an unknown market, a reused ``client_order_id``, a
            price off the tick, a post-only order that crosses, a reduce-only order that
            reduces nothing, a fill-or-kill that cannot fill, or too little margin.
        """
        with self.operation() as now:
            if self.maintenance:
                raise OrderError(
                    503,
                    "exchange_under_maintenance",
                    "the margin exchange is in its maintenance window",
                    "new and amended orders are refused until it ends; cancels are allowed",
                )
            market = self.market(spec.ticker)
            if spec.client_order_id in self.client_order_ids:
                raise OrderError(409, "order_already_exists", "order already exists")
            if spec.price % market.terms.tick:
                details = f"price must be a multiple of {market.terms.tick} for {spec.ticker}"
                raise OrderError(400, "invalid_order", "invalid order", details)
            count = spec.count
            held = self.accounts[USER].position(spec.ticker).contracts
            if spec.reduce_only:
                reducible = -held if spec.side == "bid" else held
                if reducible <= 0:
                    details = "reduce only order would not reduce a position"
                    raise OrderError(400, "invalid_order", "invalid order", details)
                count = min(count, reducible)
            crossing = list(market.book.crossing(spec.side, spec.price))
            if spec.post_only and crossing:
                raise OrderError(400, "invalid_order", "invalid order", "post only cross")
            fillable = sum((o.remaining for o in crossing if o.account != USER), ZERO)
            if spec.time_in_force == "fill_or_kill" and fillable < count:
                raise OrderError(409, "fill_or_kill_insufficient_resting_volume", "fok")
            signed = count if spec.side == "bid" else -count
            opening = max(ZERO, abs(held + signed) - abs(held))
            needed = opening * spec.price * INITIAL_MARGIN * (1 + TAKER_FEE)
            if needed > self.equity() - self.initial_margin():
                raise OrderError(400, "insufficient_balance", "insufficient balance")
            order = BookOrder(
                order_id=str(uuid.uuid4()),
                account=USER,
                ticker=spec.ticker,
                side=spec.side,
                price=spec.price,
                initial=count,
                remaining=count,
                client_order_id=spec.client_order_id,
                time_in_force=spec.time_in_force,
                self_trade_prevention=spec.self_trade_prevention,
                created=now,
                sequence=next(self._ids),
                post_only=spec.post_only,
                covered=spec.reduce_only,
                updated=now,
            )
            self.client_order_ids.add(spec.client_order_id)
            self.orders[order.order_id] = order
            if not match(
                market.book,
                order,
                trade=lambda maker, count: self._fill(market, order, maker, count, now),
                cancel=lambda maker: self.cancel_resting(maker, now),
            ):
                order.status = "canceled"  # self-trade prevention stopped it
            if order.remaining > 0:
                if order.time_in_force == "good_till_canceled" and order.status == "resting":
                    market.book.add(order)
                    self._book_change(order, order.remaining, now)
                else:
                    order.remaining, order.status = ZERO, "canceled"
            else:
                order.status = "executed"
            return order

    def cancel(self, order_id: str) -> tuple[BookOrder, Decimal]:
        """Cancel the user's resting order (allowed in maintenance); what was resting."""
        with self.operation() as now:
            order = self.order(order_id)
            if order.status != "resting":
                raise OrderError(
                    404, "not_found", "not found", f"order {order_id} is {order.status}"
                )
            reduced = order.remaining
            self.cancel_resting(order, now)
            return order, reduced

    # -- inside -------------------------------------------------------------------------

    def cancel_resting(self, order: BookOrder, now: float) -> None:
        """Take a resting order off its book as cancelled."""
        self.markets[order.ticker].book.remove(order)
        self._book_change(order, -order.remaining, now)
        order.remaining, order.status, order.updated = ZERO, "canceled", now

    def _fill(
        self, market: PerpMarket, taker: BookOrder, maker: BookOrder, count: Decimal, now: float
    ) -> None:
        price = maker.price
        fee = (count * price * TAKER_FEE).quantize(CENT6, rounding=ROUND_HALF_UP)
        trade = TradeRecord(str(uuid.uuid4()), market.terms.ticker, count, price, taker.side, now)
        self.trades.append(trade)
        self._events.emit(trade)
        for order, paid in ((taker, fee), (maker, ZERO)):
            signed = count if order.side == "bid" else -count
            account = self.accounts[order.account]
            self._move(account, order.ticker, signed, price, paid, now)
            position_after = account.position(order.ticker).contracts
            self._events.emit(
                book_fill(
                    order,
                    trade,
                    cost=count * price,
                    fee=paid,
                    is_taker=order is taker,
                    position_after=position_after,
                )
            )
        self._book_change(maker, -count, now)
        if maker.remaining <= 0:
            market.book.remove(maker)
            maker.status = "executed"
        market.last = price
        market.volume += count

    def _book_change(self, order: BookOrder, delta: Decimal, now: float) -> None:
        self._events.emit(BookChange(order.ticker, order.side, order.price, delta, now))

    @staticmethod
    def _move(
        account: MarginAccount,
        ticker: str,
        signed: Decimal,
        price: Decimal,
        fee: Decimal,
        now: float,
    ) -> None:
        position = account.position(ticker)
        held = position.contracts
        if held == 0 or (held > 0) == (signed > 0):
            total = held + signed
            position.entry = (abs(held) * position.entry + abs(signed) * price) / abs(total)
        else:
            closed = min(abs(signed), abs(held))
            pnl = closed * (price - position.entry) * (1 if held > 0 else -1)
            position.realized += pnl
            account.cash += pnl
            if abs(signed) > abs(held):
                position.entry = price
            elif abs(signed) == abs(held):
                position.entry = ZERO
        position.contracts = held + signed
        position.fees += fee
        position.updated = now
        account.cash -= fee

    def _resting(self, account: str) -> Iterator[BookOrder]:
        for market in self.markets.values():
            yield from (o for o in market.book.orders() if o.account == account)

    def _pay_funding(self, now: float) -> None:
        due = self.last_funding + self.funding_interval
        missed = int((now - due) // self.funding_interval)
        if missed > 1000:  # a clock moved by years: pay the last thousand, not millions
            due += (missed - 1000) * self.funding_interval
        while due <= now:
            for market in self.markets.values():
                rate, mark = self.funding_rate(market), self.mark(market)
                for name, account in self.accounts.items():
                    position = account.positions.get(market.terms.ticker)
                    if position is None or position.contracts == 0:
                        continue
                    payment = -position.contracts * mark * rate
                    payment = payment.quantize(CENT6, rounding=ROUND_HALF_UP)
                    account.cash += payment
                    position.funding += payment
                    if name == USER:
                        self.funding.append(
                            MarginFundingRecord(
                                market.terms.ticker, due, rate, mark, position.contracts, payment
                            )
                        )
            self.last_funding = due
            for ticker in self.markets:
                self._events.emit(MarketChange(ticker, due))
            due += self.funding_interval

    def _seed(self, market: PerpMarket, now: float) -> None:
        terms = market.terms
        for level in range(1, 6):
            for side, price in (
                ("bid", terms.index - level * terms.step),
                ("ask", terms.index + level * terms.step),
            ):
                size = terms.size * level
                order = BookOrder(
                    order_id=str(uuid.UUID(int=next(self._ids), version=4)),
                    account=MAKER,
                    ticker=terms.ticker,
                    side=side,
                    price=price,
                    initial=size,
                    remaining=size,
                    client_order_id=f"seed-{terms.ticker}-{side}-{level}",
                    time_in_force="good_till_canceled",
                    self_trade_prevention="maker",
                    created=now,
                    sequence=next(self._ids),
                    updated=now,
                )
                self.orders[order.order_id] = order
                market.book.add(order)
