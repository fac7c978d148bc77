"""The engine's state as Kalshi's answers: every answer is built as its TypedDict.

mypy checks these builders against :mod:`requests_kalshi.shapes`, so the exchange cannot
drift from the shapes users type their code with.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import cast

from requests_kalshi import shapes
from requests_kalshi.fixedpoint import format_count, format_dollars

from .book import BookOrder
from .engine import USER, USER_ID, Engine, LiveMarket
from .ledger import Position
from .market import PRICE_STRUCTURES, Event, Series
from .records import FillRecord, SettlementRecord, TradeRecord

__all__ = ["MARKET_STATUS"]

ZERO = Decimal(0)
ONE = Decimal(1)
MICRO = Decimal("0.000001")

MARKET_STATUS = {
    "unopened": "initialized",
    "open": "active",
    "paused": "inactive",
    "closed": "closed",
    "settled": "finalized",
}
"""The ``status`` a market reports for each state (the ``status`` filter takes the keys)."""


def iso(seconds: float) -> str:
    """RFC 3339 time in UTC with a ``Z``, to the microsecond when there is one."""
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    text = moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def _money(amount: Decimal) -> str:
    return format_dollars(amount.quantize(MICRO, rounding=ROUND_HALF_EVEN))


def cents(amount: Decimal) -> int:
    """Dollars as whole cents, rounded down."""
    return int((amount * 100).to_integral_value(rounding=ROUND_FLOOR))


def market(engine: Engine, live: LiveMarket) -> shapes.Market:
    """``Market`` for ``live`` as it is now."""
    spec, book = live.spec, live.book
    bid, ask = book.best("bid") or ZERO, book.best("ask") or ONE
    prev_bid, prev_ask, prev_price = live.previous
    answer: shapes.Market = {
        "ticker": spec.ticker,
        "event_ticker": spec.event_ticker,
        "market_type": "binary",
        "title": spec.title,
        "subtitle": "",
        "yes_sub_title": spec.yes_sub_title,
        "no_sub_title": spec.no_sub_title,
        "created_time": spec.open_time,
        "updated_time": iso(live.updated),
        "open_time": spec.open_time,
        "close_time": spec.close_time,
        "expected_expiration_time": spec.close_time,
        "expiration_time": spec.close_time,
        "latest_expiration_time": spec.close_time,
        "settlement_timer_seconds": 300,
        "status": MARKET_STATUS[live.status],
        "yes_bid_dollars": format_dollars(bid),
        "yes_ask_dollars": format_dollars(ask),
        "no_bid_dollars": format_dollars(1 - ask),
        "no_ask_dollars": format_dollars(1 - bid),
        "last_price_dollars": format_dollars(live.last_price),
        "notional_value_dollars": format_dollars(ONE),
        "previous_yes_bid_dollars": format_dollars(prev_bid),
        "previous_yes_ask_dollars": format_dollars(prev_ask or ONE),
        "previous_price_dollars": format_dollars(prev_price),
        "yes_bid_size_fp": format_count(book.size_at("bid", bid)),
        "yes_ask_size_fp": format_count(book.size_at("ask", ask)),
        "volume_fp": format_count(live.volume),
        "volume_24h_fp": format_count(engine.volume_24h(spec.ticker)),
        "open_interest_fp": format_count(engine.open_interest(spec.ticker)),
        "result": live.result,
        "can_close_early": True,
        "early_close_condition": "",
        "settlement_bounds_type": "default",
        "expiration_value": live.result,
        "rules_primary": spec.rules_primary,
        "rules_secondary": spec.rules_secondary,
        "price_level_structure": spec.price_level_structure,
        "price_ranges": [
            {"start": start, "end": end, "step": step}
            for start, end, step in PRICE_STRUCTURES[spec.price_level_structure]
        ],
        "exchange_index": 0,
    }
    strike = spec.strike
    if isinstance(strike.get("strike_type"), str):
        answer["strike_type"] = str(strike["strike_type"])
    floor, cap = strike.get("floor_strike"), strike.get("cap_strike")
    if isinstance(floor, float):
        answer["floor_strike"] = floor
    if isinstance(cap, float):
        answer["cap_strike"] = cap
    if live.settled is not None:
        answer["settlement_value_dollars"] = format_dollars(ONE if live.result == "yes" else ZERO)
        answer["settlement_ts"] = iso(live.settled)
    return answer


def series(item: Series) -> shapes.Series:
    """``Series`` for ``item``."""
    return {
        "ticker": item.ticker,
        "frequency": item.frequency,
        "title": item.title,
        "category": item.category,
        "categories": [item.category],
        "tags": list(item.tags),
        "additional_prohibitions": [],
        "settlement_sources": [{"name": item.settlement_source, "url": item.settlement_url}],
        "contract_url": f"https://kalshi-public-docs.s3.amazonaws.com/contract_terms/{item.ticker}.pdf",
        "contract_terms_url": (
            f"https://kalshi-public-docs.s3.amazonaws.com/regulatory/product-certifications/"
            f"{item.ticker}.pdf"
        ),
        "fee_type": cast("shapes.FeeType", item.fee_type),  # Series checked it
        "fee_multiplier": float(item.fee_multiplier),
    }


def event(engine: Engine, item: Event, *, nested: bool) -> shapes.Event:
    """``Event`` for ``item``, with its markets when ``nested``."""
    owner = engine.series[item.series_ticker]
    answer: shapes.Event = {
        "event_ticker": item.event_ticker,
        "series_ticker": item.series_ticker,
        "title": item.title,
        "sub_title": item.sub_title,
        "collateral_return_type": "MECNET" if item.mutually_exclusive else "DIRECNET",
        "mutually_exclusive": item.mutually_exclusive,
        "settlement_sources": [{"name": owner.settlement_source, "url": owner.settlement_url}],
        "category": owner.category,
    }
    if item.strike_date:
        answer["strike_date"] = item.strike_date
    if nested:
        answer["markets"] = markets_of(engine, item)
    return answer


def markets_of(engine: Engine, item: Event) -> list[shapes.Market]:
    """The markets of ``item``, in listing order."""
    return [
        market(engine, live)
        for live in engine.markets.values()
        if live.spec.event_ticker == item.event_ticker
    ]


def orderbook(live: LiveMarket, depth: int) -> shapes.OrderbookResponse:
    """The book as YES bids and NO bids (asks seen from NO), each worst price first."""
    bids = live.book.depth("bid")
    asks = live.book.depth("ask")
    if depth:
        bids, asks = bids[:depth], asks[:depth]
    yes = [[format_dollars(p), format_count(n)] for p, n in reversed(bids)]
    no = [[format_dollars(1 - p), format_count(n)] for p, n in reversed(asks)]
    return {"orderbook_fp": {"yes_dollars": yes, "no_dollars": no}}


def trade(record: TradeRecord) -> shapes.Trade:
    """``Trade`` for ``record``."""
    return {
        "trade_id": record.trade_id,
        "ticker": record.ticker,
        "count_fp": format_count(record.count),
        "yes_price_dollars": format_dollars(record.price),
        "no_price_dollars": format_dollars(1 - record.price),
        "taker_outcome_side": "yes" if record.taker_side == "bid" else "no",
        "taker_book_side": "bid" if record.taker_side == "bid" else "ask",
        "created_time": iso(record.created),
        "is_block_trade": False,
    }


def order(item: BookOrder) -> shapes.Order:
    """``Order`` for ``item``."""
    answer: shapes.Order = {
        "order_id": item.order_id,
        "user_id": USER_ID if item.account == USER else item.account,
        "client_order_id": item.client_order_id,
        "ticker": item.ticker,
        "outcome_side": "yes" if item.side == "bid" else "no",
        "book_side": "bid" if item.side == "bid" else "ask",
        "type": "limit",
        "status": _status(item.status),
        "yes_price_dollars": format_dollars(item.price),
        "no_price_dollars": format_dollars(1 - item.price),
        "fill_count_fp": format_count(item.filled),
        "remaining_count_fp": format_count(item.remaining),
        "initial_count_fp": format_count(item.initial),
        "taker_fill_cost_dollars": _money(item.taker_cost),
        "maker_fill_cost_dollars": _money(item.maker_cost),
        "taker_fees_dollars": format_dollars(item.taker_fees),
        "maker_fees_dollars": format_dollars(item.maker_fees),
        "created_time": iso(item.created),
        "last_update_time": iso(item.updated),
        "self_trade_prevention_type": (
            "maker" if item.self_trade_prevention == "maker" else "taker_at_cross"
        ),
        "cancel_order_on_pause": item.cancel_on_pause,
        "subaccount_number": 0,
        "exchange_index": 0,
    }
    if item.expiration is not None:
        answer["expiration_time"] = iso(item.expiration)
    return answer


def _status(value: str) -> shapes.OrderStatus:
    if value == "resting":
        return "resting"
    return "executed" if value == "executed" else "canceled"


def averages(item: BookOrder) -> tuple[str, str] | None:
    """``(average_fill_price, average_fee_paid)`` of an order that filled, else ``None``."""
    if not item.filled:
        return None
    cost = (item.taker_cost + item.maker_cost) / item.filled
    price = cost if item.side == "bid" else 1 - cost
    fee = (item.taker_fees + item.maker_fees) / item.filled
    return _money(price), _money(fee)


def fill(record: FillRecord) -> shapes.Fill:
    """``Fill`` for ``record``."""
    return {
        "fill_id": record.trade_id,
        "trade_id": record.trade_id,
        "order_id": record.order_id,
        "ticker": record.ticker,
        "market_ticker": record.ticker,
        "exchange_index": 0,
        "outcome_side": "yes" if record.side == "bid" else "no",
        "book_side": "bid" if record.side == "bid" else "ask",
        "count_fp": format_count(record.count),
        "yes_price_dollars": format_dollars(record.price),
        "no_price_dollars": format_dollars(1 - record.price),
        "is_taker": record.is_taker,
        "fee_cost": format_dollars(record.fee),
        "created_time": iso(record.created),
        "ts": int(record.created),
        "subaccount_number": 0,
    }


def position(ticker: str, item: Position) -> shapes.MarketPosition:
    """``MarketPosition`` for the user's position in ``ticker``."""
    return {
        "ticker": ticker,
        "exchange_index": 0,
        "total_traded_dollars": _money(item.traded),
        "position_fp": format_count(item.contracts),
        "market_exposure_dollars": _money(item.cost),
        "realized_pnl_dollars": _money(item.realized_pnl),
        "fees_paid_dollars": format_dollars(item.fees_paid),
        "last_updated_ts": iso(item.updated),
    }


def event_position(event_ticker: str, items: list[Position]) -> shapes.EventPosition:
    """``EventPosition``: the user's positions in the markets of one event, summed."""
    return {
        "event_ticker": event_ticker,
        "total_cost_dollars": _money(sum((p.traded for p in items), ZERO)),
        "total_cost_shares_fp": format_count(sum((p.volume for p in items), ZERO)),
        "event_exposure_dollars": _money(sum((p.cost for p in items), ZERO)),
        "realized_pnl_dollars": _money(sum((p.realized_pnl for p in items), ZERO)),
        "fees_paid_dollars": format_dollars(sum((p.fees_paid for p in items), ZERO)),
    }


def settlement(record: SettlementRecord) -> shapes.Settlement:
    """``Settlement`` for ``record``."""
    return {
        "ticker": record.ticker,
        "event_ticker": record.event_ticker,
        "exchange_index": 0,
        "market_result": record.result,
        "yes_count_fp": format_count(record.yes_count),
        "yes_total_cost_dollars": _money(record.yes_cost),
        "no_count_fp": format_count(record.no_count),
        "no_total_cost_dollars": _money(record.no_cost),
        "revenue": cents(record.revenue),
        "settled_time": iso(record.settled),
        "fee_cost": format_dollars(ZERO),
    }


def balance(engine: Engine) -> shapes.Balance:
    """``Balance``: the user's free cash, and positions valued at each market's last price."""
    account = engine.accounts[USER]
    value = ZERO
    for ticker, held in account.positions.items():
        last = engine.markets[ticker].last_price
        value += held.contracts * last if held.contracts > 0 else -held.contracts * (1 - last)
    return {
        "balance": cents(account.cash),
        "balance_dollars": _money(account.cash),
        "portfolio_value": cents(value),
        "updated_ts": int(account.updated),
    }
