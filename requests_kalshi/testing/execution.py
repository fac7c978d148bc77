"""What a trade does to the orders in it, the same on event contracts and perpetual futures.

Each exchange keeps its own money (:mod:`~requests_kalshi.testing.ledger` for event contracts,
margin accounts for perpetual futures). Shared here: matching in price-time priority with
self-trade prevention, and an order's own count of a fill (contracts, cost, fees, as taker or
maker) with the fill's record.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from .book import BookOrder, OrderBook
from .records import FillRecord, TradeRecord

__all__ = ["book_fill", "match"]


def match(
    book: OrderBook,
    taker: BookOrder,
    *,
    trade: Callable[[BookOrder, Decimal], None],
    cancel: Callable[[BookOrder], None],
) -> bool:
    """Trade ``taker`` with the resting orders it crosses, best price first, then oldest.

    ``trade(maker, count)`` executes ``count`` contracts with ``maker`` (and must take them off
    both orders). Against an order of its own account, self-trade prevention decides:
    ``taker_at_cross`` stops the taker; ``maker`` has ``cancel(maker)`` cancel the resting one.

    :returns: ``False`` when self-trade prevention stopped the taker (the caller ends it).
    """
    for maker in book.crossing(taker.side, taker.price):
        if not taker.remaining:
            break
        if maker.account == taker.account:
            if taker.self_trade_prevention == "taker_at_cross":
                return False
            cancel(maker)
            continue
        trade(maker, min(taker.remaining, maker.remaining))
    return True


def book_fill(
    order: BookOrder,
    trade: TradeRecord,
    *,
    cost: Decimal,
    fee: Decimal,
    is_taker: bool,
    position_after: Decimal,
) -> FillRecord:
    """Count ``order``'s part in ``trade`` on the order; returns the fill's record.

    :param cost: what its contracts cost the order's account, dollars.
    :param fee: the fee charged for this fill, dollars.
    :param is_taker: the order was the incoming one.
    :param position_after: the account's position once the fill is booked.
    """
    order.filled += trade.count
    order.remaining -= trade.count
    order.updated = trade.created
    if is_taker:
        order.taker_cost += cost
        order.taker_fees += fee
    else:
        order.maker_cost += cost
        order.maker_fees += fee
    return FillRecord(
        trade_id=trade.trade_id,
        order_id=order.order_id,
        account=order.account,
        ticker=order.ticker,
        side=order.side,
        count=trade.count,
        price=trade.price,
        is_taker=is_taker,
        fee=fee,
        position_after=position_after,
        created=trade.created,
    )
