"""Typed descriptions of perpetual-futures ("margin") answers and request bodies.

Kalshi's margin API lives under ``/trade-api/v2/margin/…``. What its documentation states
(September 2026, as quoted by third parties) is kept here: an order is a limit order with
``side`` ``bid``/``ask``, ``count`` and ``price`` fixed-point strings, ``time_in_force``,
``post_only``, ``reduce_only`` (immediate-or-cancel and fill-or-kill only), a required
``client_order_id`` and a required ``self_trade_prevention_type``. The answers' field lists are
not public: the shapes below are the local exchange's own choice, written in the event-contract
API's conventions (dollar strings in ``*_dollars`` fields, contract counts with 2 decimals in
``*_fp`` fields, RFC 3339 times, ``*_ts``/``*_ms`` Unix numbers). Rates (funding, margin) are
decimal fractions as strings (``"0.000125"`` is 0.0125 %). Treat them as a typed sketch, and
check them against Kalshi's own answers before relying on a field. The same holds for the
messages of the margin WebSocket (Kalshi names its channels; their fields are not public).
"""

from __future__ import annotations

from typing import Literal, TypedDict

__all__ = [
    "MarginBalance",
    "MarginCancelOrderResponse",
    "MarginCreateOrderRequest",
    "MarginCreateOrderResponse",
    "MarginFillMessage",
    "MarginFunding",
    "MarginFundingHistoryResponse",
    "MarginMarket",
    "MarginMarketResponse",
    "MarginMarketsResponse",
    "MarginOrder",
    "MarginOrderResponse",
    "MarginOrderbook",
    "MarginOrderbookDelta",
    "MarginOrderbookResponse",
    "MarginOrderbookSnapshot",
    "MarginOrdersResponse",
    "MarginPosition",
    "MarginPositionsResponse",
    "MarginTickerMessage",
    "MarginTrade",
    "MarginTradeMessage",
    "MarginTradesResponse",
    "PerpsLimits",
]

MarginTimeInForce = Literal["fill_or_kill", "good_till_canceled", "immediate_or_cancel"]


class MarginMarket(TypedDict):
    """One perpetual market (``GET /margin/markets``)."""

    ticker: str
    title: str
    underlying: str
    status: Literal["active", "paused"]
    tick_size_dollars: str
    bid_dollars: str
    ask_dollars: str
    last_price_dollars: str
    mark_price_dollars: str
    index_price_dollars: str
    funding_rate: str
    """The rate the next funding pays at, as things stand: longs pay shorts when positive."""
    funding_interval_seconds: int
    next_funding_time: str
    next_funding_time_ms: int
    initial_margin_rate: str
    maintenance_margin_rate: str
    volume_fp: str
    open_interest_fp: str


class MarginMarketsResponse(TypedDict):
    """``GET /margin/markets``."""

    markets: list[MarginMarket]
    cursor: str


class MarginMarketResponse(TypedDict):
    """``GET /margin/markets/{ticker}``."""

    market: MarginMarket


class MarginOrderbook(TypedDict):
    """Price levels, best first: ``[price $, contracts fp]``."""

    bid_dollars: list[list[str]]
    ask_dollars: list[list[str]]


class MarginOrderbookResponse(TypedDict):
    """``GET /margin/markets/{ticker}/orderbook``."""

    orderbook_fp: MarginOrderbook


class MarginTrade(TypedDict):
    """One execution on a perpetual market's book, at the resting order's price."""

    trade_id: str
    ticker: str
    count_fp: str
    price_dollars: str
    taker_side: Literal["bid", "ask"]
    created_time: str


class MarginTradesResponse(TypedDict):
    """``GET /margin/markets/{ticker}/trades``."""

    trades: list[MarginTrade]
    cursor: str


class _MarginCreateOrderRequired(TypedDict):
    ticker: str
    side: Literal["bid", "ask"]
    count: str
    price: str
    time_in_force: MarginTimeInForce
    client_order_id: str
    self_trade_prevention_type: Literal["taker_at_cross", "maker"]


class MarginCreateOrderRequest(_MarginCreateOrderRequired, total=False):
    """The body of ``POST /margin/orders`` (limit orders only; no batches).

    ``client_order_id`` is required: sending the same body again with the same id is the safe
    way to find out whether an order whose answer was lost landed (409 ``order_already_exists``
    if it did).
    """

    type: Literal["limit"]
    post_only: bool
    reduce_only: bool


class _MarginCreateOrderResponseRequired(TypedDict):
    order_id: str
    client_order_id: str
    fill_count: str
    remaining_count: str
    ts_ms: int


class MarginCreateOrderResponse(_MarginCreateOrderResponseRequired, total=False):
    """``POST /margin/orders`` (201): what filled at once, what rests."""

    average_fill_price: str
    average_fee_paid: str


class MarginCancelOrderResponse(TypedDict):
    """``DELETE /margin/orders/{order_id}``: ``reduced_by`` contracts were resting."""

    order_id: str
    client_order_id: str
    reduced_by: str
    ts_ms: int


class MarginOrder(TypedDict):
    """One order as ``GET /margin/orders`` shows it."""

    order_id: str
    client_order_id: str
    ticker: str
    side: Literal["bid", "ask"]
    type: Literal["limit"]
    status: Literal["resting", "canceled", "executed"]
    time_in_force: MarginTimeInForce
    price_dollars: str
    initial_count_fp: str
    fill_count_fp: str
    remaining_count_fp: str
    fees_dollars: str
    post_only: bool
    reduce_only: bool
    self_trade_prevention_type: str
    created_time: str
    last_update_time: str


class MarginOrdersResponse(TypedDict):
    """``GET /margin/orders``."""

    orders: list[MarginOrder]
    cursor: str


class MarginOrderResponse(TypedDict):
    """``GET /margin/orders/{order_id}``."""

    order: MarginOrder


class MarginPosition(TypedDict):
    """One open (or closed today) position; ``position_fp`` is negative when short."""

    ticker: str
    position_fp: str
    average_entry_price_dollars: str
    mark_price_dollars: str
    notional_dollars: str
    unrealized_pnl_dollars: str
    realized_pnl_dollars: str
    funding_dollars: str
    """Funding received (positive) or paid (negative), in total."""
    fees_paid_dollars: str
    initial_margin_dollars: str
    last_updated_ts: int


class MarginPositionsResponse(TypedDict):
    """``GET /margin/positions``."""

    positions: list[MarginPosition]


class MarginBalance(TypedDict):
    """``GET /margin/balance``: cash, what the positions are worth, what is free."""

    balance_dollars: str
    unrealized_pnl_dollars: str
    equity_dollars: str
    initial_margin_dollars: str
    available_dollars: str
    updated_ts: int


class MarginFunding(TypedDict):
    """One funding payment of one position."""

    ticker: str
    funding_time: str
    funding_rate: str
    mark_price_dollars: str
    position_fp: str
    payment_dollars: str
    """Received (positive) or paid (negative)."""


class MarginFundingHistoryResponse(TypedDict):
    """``GET /margin/funding_history``: the account's funding payments, newest first."""

    funding: list[MarginFunding]
    cursor: str


class _Bucket(TypedDict):
    refill_rate: int
    bucket_capacity: int


class PerpsLimits(TypedDict):
    """``GET /account/limits/perps``: margin's own token buckets, as ``/account/limits``."""

    usage_tier: str
    read: _Bucket
    write: _Bucket


# -- the margin WebSocket (``/trade-api/ws/v2/margin``): the ``msg`` of each message ----------


class MarginOrderbookSnapshot(TypedDict):
    """``orderbook_snapshot``: the whole book, as ``GET …/orderbook`` (best level first)."""

    market_ticker: str
    bid_dollars_fp: list[list[str]]
    """``[price, contracts]`` of each bid level, highest first."""
    ask_dollars_fp: list[list[str]]
    """``[price, contracts]`` of each ask level, lowest first."""


class MarginOrderbookDelta(TypedDict):
    """``orderbook_delta``: the resting contracts at one level changed."""

    market_ticker: str
    side: Literal["bid", "ask"]
    price_dollars: str
    delta_fp: str
    """The change in contracts at that level (negative: fewer)."""
    ts_ms: int


class MarginTradeMessage(TypedDict):
    """``trade``: one execution, at the resting order's price."""

    trade_id: str
    market_ticker: str
    price_dollars: str
    count_fp: str
    taker_side: Literal["bid", "ask"]
    ts: int


class MarginFillMessage(TypedDict):
    """``fill``: the connection's own part in a trade (private channel)."""

    trade_id: str
    order_id: str
    client_order_id: str
    market_ticker: str
    side: Literal["bid", "ask"]
    is_taker: bool
    price_dollars: str
    count_fp: str
    fee_dollars: str
    post_position_fp: str
    """The position after the fill (negative: short)."""
    ts: int


class MarginTickerMessage(TypedDict):
    """``ticker``: a market's prices, funding and activity, sent when one of them changes."""

    market_ticker: str
    price_dollars: str
    """The last trade's price (``"0.0000"`` before any)."""
    bid_dollars: str
    ask_dollars: str
    mark_price_dollars: str
    index_price_dollars: str
    funding_rate: str
    """The rate the next funding pays at, as things stand: longs pay shorts when positive."""
    next_funding_time_ms: int
    volume_fp: str
    open_interest_fp: str
    ts: int
