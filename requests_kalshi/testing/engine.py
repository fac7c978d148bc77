"""The matching engine of the local exchange: pure Python, no I/O, deterministic by seed.

It keeps the books, the accounts (the user's and the simulated participants'), orders, trades,
fills and settlements, and matches orders in price-time priority. Money follows the rules of
:mod:`~requests_kalshi.testing.ledger`. Every public method takes the engine's lock, so the
HTTP server's threads and a test's own thread can use one engine together.

>>> from requests_kalshi.testing.catalog import seed_catalog
>>> engine = Engine(seed_catalog(), clock=lambda: 1_800_000_000.0)
>>> market = engine.market("KXFED-26DEC-T3.75")
>>> market.book.best("bid") < market.book.best("ask")
True
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from ._listeners import Listeners
from .book import BookOrder, OrderBook
from .catalog import Catalog
from .execution import book_fill, match
from .ledger import Account, exact_fee, fee_bound, fee_rate, round_up_to_cent
from .market import Event, Market, Series
from .orderspec import AmendSpec, OrderSpec, invalid
from .records import (
    BookChange,
    ExchangeEvent,
    FillRecord,
    OrderError,
    OrderUpdate,
    SettlementRecord,
    TradeRecord,
)

__all__ = ["USER", "USER_ID", "Engine", "LiveMarket"]

USER = "user"
"""The account of whoever signs requests with the exchange's key."""
USER_ID = "5e3c1a2b-7d4f-4e8a-9b6c-0d1e2f3a4b5c"
"""The ``user_id`` the user's orders carry (a fixed UUID, as Kalshi's ids are UUIDs)."""
PARTICIPANTS = ("mm-1", "mm-2", "mm-3")
ZERO = Decimal(0)
DAY = 86_400.0
FUNDED_AT = 1_795_996_800.0
"""When every account was funded (2026-11-30T00:00:00Z): the balance's first ``updated_ts``."""


@dataclass
class LiveMarket:
    """A market as it trades: its description, book, status and statistics.

    :ivar spec: the market as it started.
    :ivar series: the series of its event (its fee schedule).
    :ivar book: its resting orders.
    :ivar status: ``"open"``, ``"paused"``, ``"unopened"``, ``"closed"`` or ``"settled"``.
    :ivar result: ``"yes"`` or ``"no"`` once settled, else ``""``.
    :ivar settled: when it settled (Unix seconds), or ``None``.
    :ivar updated: when it last changed (Unix seconds).
    :ivar last_price: the YES price of its last trade (dollars; ``0`` before any).
    :ivar volume: contracts traded in all.
    :ivar previous: the best YES bid, best YES ask and last price when it opened, for
        Kalshi's ``previous_*`` fields.
    """

    spec: Market
    series: Series
    book: OrderBook = field(default_factory=OrderBook)
    status: str = "open"
    result: str = ""
    settled: float | None = None
    updated: float = 0.0
    last_price: Decimal = ZERO
    volume: Decimal = ZERO
    previous: tuple[Decimal, Decimal, Decimal] = (ZERO, ZERO, ZERO)

    @property
    def ticker(self) -> str:
        """The market ticker."""
        return self.spec.ticker


class Engine:
    """Books, accounts, orders and their history for every market of a catalog.

    :param catalog: the series, events and markets to trade.
    :param clock: Unix seconds; the exchange's clock.
    :param seed: chooses the simulated participants' resting liquidity and the ids.
    :param user_cash: the user's starting cash, in dollars.
    """

    def __init__(
        self,
        catalog: Catalog,
        *,
        clock: Callable[[], float],
        seed: int = 0,
        user_cash: Decimal = Decimal(1000),
    ) -> None:
        self.lock = threading.RLock()
        self._clock = clock
        self._rng = random.Random(f"engine-{seed}")  # noqa: S311 - reproducible, not secret
        self._events: Listeners[ExchangeEvent] = Listeners(self.lock)
        self._sequence = 0
        catalog = catalog.complete()
        self.series = {s.ticker: s for s in catalog.series}
        self.events = {e.event_ticker: e for e in catalog.events}
        self.markets: dict[str, LiveMarket] = {}
        self.accounts = {USER: Account(USER, user_cash, FUNDED_AT)}
        for name in PARTICIPANTS:
            self.accounts[name] = Account(name, Decimal(10_000_000), FUNDED_AT)
        self.orders: dict[str, BookOrder] = {}
        self._expiring: dict[str, BookOrder] = {}
        self.client_order_ids: set[tuple[str, str]] = set()
        self.trades: list[TradeRecord] = []
        self.fills: list[FillRecord] = []
        self.settlements: list[SettlementRecord] = []
        self.fees_collected = ZERO
        self.collateral = ZERO
        self.trading_active = True
        for spec in catalog.markets:
            event = self.events[spec.event_ticker]
            self.markets[spec.ticker] = LiveMarket(spec, self.series[event.series_ticker])
            self._open(self.markets[spec.ticker])

    # -- observing -------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[ExchangeEvent], None]) -> Callable[[], None]:
        """Call ``listener`` with every later event; returns a function that unsubscribes.

        A listener that raises is logged and skipped: it cannot break the exchange.
        """
        return self._events.subscribe(listener)

    @contextmanager
    def _operation(self) -> Iterator[float]:
        with self._events.operation() as outermost:
            now = self._clock()
            if outermost:
                self._expire(now)
            yield now

    def _emit(self, event: ExchangeEvent) -> None:
        self._events.emit(event)

    # -- looking up ------------------------------------------------------------------------

    def market(self, ticker: str) -> LiveMarket:
        """The market ``ticker``.

        :raises OrderError: 404 ``not_found``.
        """
        market = self.markets.get(ticker)
        if market is None:
            raise OrderError(404, "not_found", "not found", f"market {ticker} not found")
        return market

    def order(self, account: str, order_id: str) -> BookOrder:
        """``account``'s order ``order_id``.

        :raises OrderError: 404 ``not_found``.
        """
        with self._operation():
            order = self.orders.get(order_id)
            if order is None or order.account != account:
                raise OrderError(404, "not_found", "not found", f"order {order_id} not found")
            return order

    def event_of(self, market: LiveMarket) -> Event:
        """The event ``market`` belongs to."""
        return self.events[market.spec.event_ticker]

    def open_interest(self, ticker: str) -> Decimal:
        """YES contracts held across every account (each against one NO)."""
        held = (a.positions.get(ticker) for a in self.accounts.values())
        return sum((p.contracts for p in held if p is not None and p.contracts > 0), ZERO)

    def volume_24h(self, ticker: str) -> Decimal:
        """Contracts traded on ``ticker`` in the last 24 hours of the exchange's clock."""
        since = self._clock() - DAY
        return sum(
            (t.count for t in self.trades if t.ticker == ticker and t.created >= since), ZERO
        )

    def total_money(self) -> Decimal:
        """Cash, reservations, fees collected and $1 per open pair: constant by construction."""
        with self.lock:
            reserved = sum((o.reserved_cost + o.reserved_fee for o in self.orders.values()), ZERO)
            cash = sum((a.cash for a in self.accounts.values()), ZERO)
            return cash + reserved + self.fees_collected + self.collateral

    # -- orders ----------------------------------------------------------------------------

    def place(self, account: str, spec: OrderSpec) -> BookOrder:
        """Place an order for ``account``: match what crosses, rest or cancel the rest.

        :raises OrderError: the order is refused (nothing happened); see docs/orders.md.
        """
        with self._operation() as now:
            market = self.market(spec.ticker)
            self._check_tradable(market)
            if spec.client_order_id and (account, spec.client_order_id) in self.client_order_ids:
                raise OrderError(409, "order_already_exists", "order already exists")
            if not market.spec.allows(spec.price):
                raise invalid(f"price {spec.price} is not on the market's price_ranges")
            count = spec.count
            if spec.reduce_only:
                held = self.accounts[account].position(spec.ticker).contracts
                reducible = -held if spec.side == "bid" else held
                if reducible <= 0:
                    raise invalid("reduce only order would not reduce a position")
                count = min(count, reducible)
            if spec.post_only and self._crosses(market, spec.side, spec.price):
                raise invalid("post only cross")
            order = BookOrder(
                order_id=self._new_id(),
                account=account,
                ticker=spec.ticker,
                side=spec.side,
                price=spec.price,
                initial=count,
                remaining=count,
                client_order_id=spec.client_order_id or self._new_id(),
                time_in_force=spec.time_in_force,
                self_trade_prevention=spec.self_trade_prevention,
                created=now,
                updated=now,
                sequence=self._next_sequence(),
                expiration=spec.expiration,
                post_only=spec.post_only,
                cancel_on_pause=spec.cancel_on_pause,
                covered=spec.reduce_only,
            )
            self._reserve(order, count)
            self.client_order_ids.add((account, order.client_order_id))
            self.orders[order.order_id] = order
            if order.expiration is not None:
                self._expiring[order.order_id] = order
            if spec.time_in_force == "fill_or_kill" and self._fillable(market, order) < count:
                self._finish(order, now)
            else:
                self._match(market, order, now)
                if order.remaining and order.status == "resting":
                    if spec.time_in_force == "good_till_canceled":
                        self._rest(market, order, now)
                    else:
                        self._finish(order, now)
            self._emit(OrderUpdate(order, now))
            return order

    def cancel(self, account: str, order_id: str) -> tuple[BookOrder, Decimal]:
        """Cancel a resting order; returns it and the contracts that were resting.

        :raises OrderError: 404 ``not_found`` for an unknown order or one not resting.
        """
        with self._operation() as now:
            order = self._resting(account, order_id)
            reduced = order.remaining
            self._cancel(order, now)
            return order, reduced

    def cancel_all(self, account: str, ticker: str = "") -> list[tuple[BookOrder, Decimal]]:
        """Cancel every resting order of ``account`` (in ``ticker`` only, if given)."""
        with self._operation():
            wanted = [
                o
                for o in self.orders.values()
                if o.account == account
                and o.status == "resting"
                and (not ticker or o.ticker == ticker)
            ]
            return [self.cancel(account, o.order_id) for o in wanted]

    def decrease(
        self, account: str, order_id: str, reduce_by: Decimal | None, reduce_to: Decimal | None
    ) -> BookOrder:
        """Rest fewer contracts (keeping the order's place in the queue); 0 cancels it.

        :raises OrderError: 404 ``not_found``; 400 ``invalid_order`` when it would not
            decrease (``reduce_to`` at or above what rests).
        """
        with self._operation() as now:
            order = self._resting(account, order_id)
            target = order.remaining - reduce_by if reduce_by is not None else reduce_to or ZERO
            if target >= order.remaining:
                raise invalid(f"the order rests {order.remaining} contracts; it cannot grow here")
            target = max(target, ZERO)
            if target == 0:
                self._cancel(order, now)
                return order
            cut = order.remaining - target
            self._release(order, cut)
            order.remaining = target
            order.updated = now
            self._book_change(order, -cut, now)
            self._emit(OrderUpdate(order, now))
            return order

    def amend(self, account: str, order_id: str, spec: AmendSpec) -> BookOrder:
        """Change the price and/or total count of a resting order.

        A lower count at the same price keeps its place in the queue; anything else sends it
        to the back, and a new price that crosses trades at once.

        :raises OrderError: 404 ``not_found``; 400 ``invalid_order`` for another ticker or side,
            a count not above what already filled, a price off the market's ranges;
            ``insufficient_balance``; 409 ``order_already_exists`` for a used
            ``updated_client_order_id``.
        """
        with self._operation() as now:
            order = self._resting(account, order_id)
            market = self.market(order.ticker)
            self._check_tradable(market)
            if (spec.ticker, spec.side) != (order.ticker, order.side):
                raise invalid("ticker and side must be the order's own")
            if spec.client_order_id and spec.client_order_id != order.client_order_id:
                raise invalid("client_order_id is not this order's")
            if spec.count <= order.filled:
                raise invalid(f"count must be above the {order.filled} contracts already filled")
            if not market.spec.allows(spec.price):
                raise invalid(f"price {spec.price} is not on the market's price_ranges")
            new_id = spec.updated_client_order_id
            if new_id and (account, new_id) in self.client_order_ids:
                raise OrderError(409, "order_already_exists", "order already exists")
            remaining = spec.count - order.filled
            order.initial = spec.count
            keeps_place = spec.price == order.price and remaining <= order.remaining
            if keeps_place:
                cut = order.remaining - remaining
                self._release(order, cut)
                order.remaining = remaining
                self._book_change(order, -cut, now)
            else:
                wallet = self.accounts[account]
                saved = (wallet.cash, order.reserved_cost, order.reserved_fee, order.price)
                resting = order.remaining
                self._release(order, resting)
                order.price = spec.price
                try:
                    self._reserve(order, remaining)
                except OrderError:
                    wallet.cash, order.reserved_cost, order.reserved_fee, order.price = saved
                    order.initial = order.filled + resting
                    raise
                order.price = saved[3]
                market.book.remove(order)
                self._book_change(order, -resting, now)
                order.price = spec.price
                order.remaining = remaining
                order.sequence = self._next_sequence()
                self._match(market, order, now)
                if order.remaining and order.status == "resting":
                    self._rest(market, order, now)
            if new_id:
                self.client_order_ids.add((account, new_id))
                order.client_order_id = new_id
            if spec.expiration is not None:
                order.expiration = spec.expiration
                self._expiring[order.order_id] = order
            order.updated = now
            self._emit(OrderUpdate(order, now))
            return order

    # -- shaping the market (the testing API) ------------------------------------------------

    def add_liquidity(
        self, ticker: str, side: str, price: Decimal, count: Decimal, account: str = "mm-1"
    ) -> BookOrder:
        """Rest a participant's order (it trades at once if it crosses).

        :raises OrderError: as :meth:`place`.
        """
        spec = OrderSpec(ticker, side, count, price, "good_till_canceled", "taker_at_cross")
        return self.place(account, spec)

    def move_market(self, ticker: str, price: Decimal) -> None:
        """Move ``ticker`` to ``price``: participants trade there, then quote around it.

        The participants' old quotes are withdrawn; the user's resting orders that the move
        crosses (bids at or above ``price``, asks at or below it) are filled at their own
        prices, as a real sweep would.

        :raises OrderError: 400 ``invalid_order`` for a price not above 0 and below 1;
            ``market_closed`` or ``trading_is_paused`` when the market does not trade.
        """
        if not 0 < price < 1:
            raise invalid(f"price {price} must be above 0 and below 1")
        with self._operation() as now:
            market = self.market(ticker)
            self._check_tradable(market)
            for order in list(market.book.orders()):
                if order.account != USER:
                    self._cancel(order, now)
            for side in ("bid", "ask"):
                crossed = sum((o.remaining for o in market.book.crossing(side, price)), ZERO)
                if crossed:
                    self._sweep(ticker, side, price, crossed)
            self.add_liquidity(ticker, "ask", price, Decimal(1), account="mm-1")
            self._sweep(ticker, "bid", price, Decimal(1))
            self._quote(market, price - Decimal("0.01"), price + Decimal("0.01"))

    def _sweep(self, ticker: str, side: str, price: Decimal, count: Decimal) -> None:
        spec = OrderSpec(ticker, side, count, price, "immediate_or_cancel", "maker")
        self.place("mm-2", spec)

    def pause(self, ticker: str | None = None, *, paused: bool = True) -> None:
        """Pause (or resume) trading on one market, or on the whole exchange.

        Orders placed with ``cancel_order_on_pause`` are cancelled when trading pauses.
        """
        with self._operation() as now:
            markets = [self.market(ticker)] if ticker else list(self.markets.values())
            if ticker is None:
                self.trading_active = not paused
            for market in markets:
                if ticker is not None and market.status in ("open", "paused"):
                    market.status = "paused" if paused else "open"
                    market.updated = now
                if paused:
                    for order in list(market.book.orders()):
                        if order.cancel_on_pause:
                            self._cancel(order, now)

    def close(self, ticker: str) -> None:
        """Close ``ticker``: no more trading; every resting order is cancelled."""
        with self._operation() as now:
            market = self.market(ticker)
            for order in list(market.book.orders()):
                self._cancel(order, now)
            if market.status != "settled":
                market.status = "closed"
            market.updated = now

    def settle(self, ticker: str, result: str) -> None:
        """Settle ``ticker`` on ``result`` (``"yes"`` or ``"no"``): pay $1 per winning contract.

        :raises OrderError: 400 ``invalid_parameters`` for another result or a market already
            settled.
        """
        if result not in ("yes", "no"):
            raise OrderError(400, "invalid_parameters", "result must be 'yes' or 'no'")
        with self._operation() as now:
            market = self.market(ticker)
            if market.status == "settled":
                raise OrderError(400, "invalid_parameters", f"{ticker} is already settled")
            self.close(ticker)
            for account in self.accounts.values():
                position = account.positions.get(ticker)
                if position is None or not position.contracts:
                    continue
                held = position.contracts
                wins = (held > 0) == (result == "yes")
                revenue = abs(held) if wins else ZERO
                account.cash += revenue
                account.updated = now
                self.collateral -= revenue
                record = SettlementRecord(
                    ticker=ticker,
                    event_ticker=market.spec.event_ticker,
                    account=account.name,
                    result=result,
                    yes_count=max(held, ZERO),
                    yes_cost=position.cost if held > 0 else ZERO,
                    no_count=max(-held, ZERO),
                    no_cost=position.cost if held < 0 else ZERO,
                    revenue=revenue,
                    settled=now,
                )
                position.realized_pnl += revenue - position.cost
                position.cost = ZERO
                position.contracts = ZERO
                position.updated = now
                self.settlements.append(record)
                self._emit(record)
            market.status, market.result, market.settled, market.updated = (
                "settled",
                result,
                now,
                now,
            )

    # -- internals ---------------------------------------------------------------------------

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def _open(self, market: LiveMarket) -> None:
        """Give a new market a short trading history and the participants' quotes."""
        spec = market.spec
        market.updated = self._clock()
        if spec.status == "unopened":
            market.status = "unopened"
            return
        for n in range(self._rng.randint(2, 4)):
            size = Decimal(self._rng.randint(5, 200))
            maker_side, price = ("ask", spec.ask) if n % 2 == 0 else ("bid", spec.bid)
            self.add_liquidity(spec.ticker, maker_side, price, size)
            self._sweep(spec.ticker, "bid" if maker_side == "ask" else "ask", price, size)
        if spec.status in ("open", "paused"):
            self._quote(market, spec.bid, spec.ask)
        market.previous = (
            market.book.best("bid") or ZERO,
            market.book.best("ask") or ZERO,
            market.last_price,
        )
        if spec.status == "settled":
            self.settle(spec.ticker, spec.result)
        elif spec.status == "closed":
            self.close(spec.ticker)
        else:
            market.status = spec.status

    def _quote(self, market: LiveMarket, bid: Decimal, ask: Decimal) -> None:
        """Rest participants' quotes, five levels a side, from ``bid`` down and ``ask`` up."""
        step = Decimal("0.01")
        with self._operation() as now:
            for level in range(5):
                for side, price in (("bid", bid - level * step), ("ask", ask + level * step)):
                    if 0 < price < 1:
                        size = Decimal(self._rng.randint(1, 50) * 10)
                        account = PARTICIPANTS[self._rng.randrange(2)]
                        self._rest_quote(market, side, price, size, account, now)

    def _rest_quote(
        self, market: LiveMarket, side: str, price: Decimal, size: Decimal, account: str, now: float
    ) -> None:
        """Rest one quote; the short way when it crosses nothing (no matching to do)."""
        if self._crosses(market, side, price):
            self.add_liquidity(market.ticker, side, price, size, account=account)
            return
        sequence = self._next_sequence()
        order = BookOrder(
            order_id=f"{account}-{sequence}",
            account=account,
            ticker=market.ticker,
            side=side,
            price=price,
            initial=size,
            remaining=size,
            client_order_id=f"{account}-{sequence}",
            time_in_force="good_till_canceled",
            self_trade_prevention="taker_at_cross",
            created=now,
            updated=now,
            sequence=sequence,
        )
        self._reserve(order, size)
        self.orders[order.order_id] = order
        self._rest(market, order, now)

    def _check_tradable(self, market: LiveMarket) -> None:
        if market.status in ("closed", "settled", "unopened"):
            raise OrderError(
                400, "market_closed", "market closed", f"{market.ticker} is {market.status}"
            )
        if not self.trading_active or market.status == "paused":
            raise OrderError(400, "trading_is_paused", "trading is paused", market.ticker)

    def _crosses(self, market: LiveMarket, side: str, price: Decimal) -> bool:
        return next(market.book.crossing(side, price), None) is not None

    def _fillable(self, market: LiveMarket, order: BookOrder) -> Decimal:
        total = ZERO
        for maker in market.book.crossing(order.side, order.price):
            if maker.account == order.account:
                if order.self_trade_prevention == "taker_at_cross":
                    break
                continue
            total += maker.remaining
        return total

    def _reserve(self, order: BookOrder, count: Decimal) -> None:
        account = self.accounts[order.account]
        series = self.markets[order.ticker].series
        cost = ZERO if order.covered else count * order.cost_price
        fee = fee_bound(series.fee_type, Decimal(str(series.fee_multiplier)), count)
        if cost + fee > account.cash:
            raise OrderError(
                400,
                "insufficient_balance",
                "insufficient balance",
                f"the order needs ${cost + fee} (cost and largest fee); ${account.cash} is free",
            )
        account.cash -= cost + fee
        account.updated = self._clock()
        order.reserved_cost += cost
        order.reserved_fee += fee

    def _release(self, order: BookOrder, count: Decimal) -> None:
        """Give back the reservation for ``count`` contracts that will not trade."""
        account = self.accounts[order.account]
        cost = ZERO if order.covered else count * order.cost_price
        account.cash += cost
        account.updated = self._clock()
        order.reserved_cost -= cost
        if count == order.remaining:
            account.cash += order.reserved_fee
            order.reserved_fee = ZERO

    def _rest(self, market: LiveMarket, order: BookOrder, now: float) -> None:
        market.book.add(order)
        self._book_change(order, order.remaining, now)

    def _book_change(self, order: BookOrder, delta: Decimal, now: float) -> None:
        side, price = ("yes", order.price) if order.side == "bid" else ("no", 1 - order.price)
        self._emit(BookChange(order.ticker, side, price, delta, now))

    def _finish(self, order: BookOrder, now: float) -> None:
        """End an order that is not on the book: executed if it filled, else canceled."""
        self._release(order, order.remaining)
        order.remaining = ZERO
        order.status = "executed" if order.filled == order.initial else "canceled"
        order.updated = now

    def _cancel(self, order: BookOrder, now: float) -> None:
        self.markets[order.ticker].book.remove(order)
        self._book_change(order, -order.remaining, now)
        self._release(order, order.remaining)
        order.remaining = ZERO
        order.status = "canceled"
        order.updated = now
        self._emit(OrderUpdate(order, now))

    def _resting(self, account: str, order_id: str) -> BookOrder:
        order = self.order(account, order_id)
        if order.status != "resting":
            raise OrderError(404, "not_found", "not found", f"order {order_id} is {order.status}")
        return order

    def _expire(self, now: float) -> None:
        for order in list(self._expiring.values()):
            expires = order.expiration
            if order.status != "resting":
                del self._expiring[order.order_id]
            elif expires is not None and expires <= now:
                del self._expiring[order.order_id]
                self._cancel(order, now)

    def _match(self, market: LiveMarket, taker: BookOrder, now: float) -> None:
        if not match(
            market.book,
            taker,
            trade=lambda maker, count: self._trade(market, taker, maker, count, now),
            cancel=lambda maker: self._cancel(maker, now),
        ):
            self._finish(taker, now)
            return
        if not taker.remaining:
            taker.status = "executed"
            self._release(taker, ZERO)

    def _trade(
        self, market: LiveMarket, taker: BookOrder, maker: BookOrder, count: Decimal, now: float
    ) -> None:
        price = maker.price
        trade = TradeRecord(self._new_id(), market.ticker, count, price, taker.side, now)
        self.trades.append(trade)
        self._emit(trade)
        for order, is_taker in ((maker, False), (taker, True)):
            self._fill(market, order, trade, is_taker, now)
        self._book_change(maker, -count, now)
        if not maker.remaining:
            market.book.remove(maker)
            maker.status = "executed"
            self._release(maker, ZERO)
            self._emit(OrderUpdate(maker, now))
        market.last_price = price
        market.volume += count
        market.updated = now

    def _fill(
        self, market: LiveMarket, order: BookOrder, trade: TradeRecord, is_taker: bool, now: float
    ) -> None:
        account = self.accounts[order.account]
        count, price = trade.count, trade.price
        cost_price = price if order.side == "bid" else 1 - price
        # The reservation at the limit pays the cost at the (better or equal) trade price.
        released = ZERO if order.covered else count * order.cost_price
        order.reserved_cost -= released
        account.cash += released - count * cost_price
        self.collateral += count * cost_price
        position = account.position(order.ticker)
        pairs = position.acquire(count if order.side == "bid" else -count, cost_price)
        account.cash += pairs
        account.updated = now
        self.collateral -= pairs
        series = market.series
        multiplier = Decimal(str(series.fee_multiplier))
        rate = fee_rate(series.fee_type, multiplier, taker=is_taker)
        order.fee_exact += exact_fee(series.fee_type, rate, count, price)
        fee = round_up_to_cent(order.fee_exact) - (order.taker_fees + order.maker_fees)
        order.reserved_fee -= fee
        self.fees_collected += fee
        position.fees_paid += fee
        position.updated = now
        fill = book_fill(
            order,
            trade,
            cost=count * cost_price,
            fee=fee,
            is_taker=is_taker,
            position_after=position.contracts,
        )
        self.fills.append(fill)
        self._emit(fill)
