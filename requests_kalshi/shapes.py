"""Typed descriptions of Kalshi's answers and request bodies (OpenAPI 3.34, October 2026).

Import them to type what ``response.json()`` gives back; they cost nothing at run time::

    from requests_kalshi.shapes import MarketsResponse

    page: MarketsResponse = k.get("/markets").json()
    best_bid = parse_dollars(page["markets"][0]["yes_bid_dollars"])

Conventions of the wire, kept here as the field types say: money and prices are dollar strings
(``"0.5600"``, fields ending in ``_dollars``, plus ``fee_cost``), contract counts are strings
with 2 decimals (``"10.00"``, fields ending in ``_fp``), times are RFC 3339 strings, except the
integer cents of the balance and ``*_ts``/``ts_ms`` Unix numbers. Use
:mod:`requests_kalshi.fixedpoint` to turn the strings into :class:`~decimal.Decimal`.

Each ``X`` with optional fields is declared as a private ``_XRequired`` base (the fields Kalshi
always sends) and ``X`` itself (``total=False``) adding the optional ones.
"""

from __future__ import annotations

from typing import Literal, TypedDict

__all__ = [
    "AmendOrderRequest",
    "AmendOrderResponse",
    "Balance",
    "BalanceBreakdown",
    "BatchCancelOrdersRequest",
    "BatchCancelOrdersResponse",
    "BatchCancelResult",
    "BatchCreateOrdersRequest",
    "BatchCreateOrdersResponse",
    "BatchCreateResult",
    "BatchError",
    "CancelOrderResponse",
    "CreateOrderRequest",
    "CreateOrderResponse",
    "DecreaseOrderRequest",
    "DecreaseOrderResponse",
    "ErrorBody",
    "ErrorDetail",
    "Event",
    "EventPosition",
    "EventResponse",
    "EventsResponse",
    "ExchangeStatus",
    "Fill",
    "FillsResponse",
    "MaintenanceWindow",
    "Market",
    "MarketPosition",
    "MarketResponse",
    "MarketsResponse",
    "Order",
    "OrderResponse",
    "Orderbook",
    "OrderbookResponse",
    "OrdersResponse",
    "PositionsResponse",
    "PriceRange",
    "Schedule",
    "ScheduleResponse",
    "Series",
    "SeriesListResponse",
    "SeriesResponse",
    "Settlement",
    "SettlementSource",
    "SettlementsResponse",
    "Trade",
    "TradesResponse",
    "TradingHours",
    "TradingSession",
]

BookSide = Literal["bid", "ask"]
OutcomeSide = Literal["yes", "no"]
TimeInForce = Literal["fill_or_kill", "good_till_canceled", "immediate_or_cancel"]
SelfTradePrevention = Literal["taker_at_cross", "maker"]
FeeType = Literal[
    "quadratic", "quadratic_with_maker_fees", "quadratic_with_combo_maker_fees", "flat"
]
OrderStatus = Literal["resting", "canceled", "executed"]


# -- the exchange ---------------------------------------------------------------------------


class _ExchangeStatusRequired(TypedDict):
    exchange_active: bool
    trading_active: bool


class ExchangeStatus(_ExchangeStatusRequired, total=False):
    """``GET /exchange/status``."""

    intra_exchange_transfers_active: bool
    exchange_estimated_resume_time: str


class TradingSession(TypedDict):
    """One open period of a weekday, as ``"HH:MM"`` Eastern times."""

    open_time: str
    close_time: str


class TradingHours(TypedDict):
    """A week of trading sessions, valid from ``start_time`` to ``end_time``."""

    start_time: str
    end_time: str
    monday: list[TradingSession]
    tuesday: list[TradingSession]
    wednesday: list[TradingSession]
    thursday: list[TradingSession]
    friday: list[TradingSession]
    saturday: list[TradingSession]
    sunday: list[TradingSession]


class MaintenanceWindow(TypedDict):
    """A planned pause: no trading from ``start_datetime`` to ``end_datetime``."""

    start_datetime: str
    end_datetime: str


class Schedule(TypedDict):
    """The exchange's trading hours and maintenance windows."""

    standard_hours: list[TradingHours]
    maintenance_windows: list[MaintenanceWindow]


class ScheduleResponse(TypedDict):
    """``GET /exchange/schedule``."""

    schedule: Schedule


# -- market data ----------------------------------------------------------------------------


class PriceRange(TypedDict):
    """Prices from ``start`` to ``end`` (dollars) are allowed in steps of ``step``."""

    start: str
    end: str
    step: str


class _MarketRequired(TypedDict):
    ticker: str
    event_ticker: str
    market_type: str
    yes_sub_title: str
    no_sub_title: str
    created_time: str
    updated_time: str
    open_time: str
    close_time: str
    latest_expiration_time: str
    settlement_timer_seconds: int
    status: str
    yes_bid_dollars: str
    yes_ask_dollars: str
    no_bid_dollars: str
    no_ask_dollars: str
    last_price_dollars: str
    notional_value_dollars: str
    previous_yes_bid_dollars: str
    previous_yes_ask_dollars: str
    previous_price_dollars: str
    yes_bid_size_fp: str
    yes_ask_size_fp: str
    volume_fp: str
    volume_24h_fp: str
    open_interest_fp: str
    result: str
    can_close_early: bool
    settlement_bounds_type: str
    expiration_value: str
    rules_primary: str
    rules_secondary: str
    price_level_structure: str
    price_ranges: list[PriceRange]


class Market(_MarketRequired, total=False):
    """A binary market (``GET /markets``, ``GET /markets/{ticker}``)."""

    title: str
    subtitle: str
    expected_expiration_time: str
    expiration_time: str
    settlement_value_dollars: str
    settlement_ts: str
    strike_type: str
    floor_strike: float
    cap_strike: float
    early_close_condition: str
    is_provisional: bool
    exchange_index: int


class MarketsResponse(TypedDict):
    """``GET /markets``."""

    markets: list[Market]
    cursor: str


class MarketResponse(TypedDict):
    """``GET /markets/{ticker}``."""

    market: Market


class Orderbook(TypedDict):
    """Resting bids on each side as ``[price_dollars, count_fp]`` pairs, best price last.

    A NO bid at ``p`` is a YES ask at ``1 - p``.
    """

    yes_dollars: list[list[str]]
    no_dollars: list[list[str]]


class OrderbookResponse(TypedDict):
    """``GET /markets/{ticker}/orderbook``."""

    orderbook_fp: Orderbook


class Trade(TypedDict):
    """One execution on a market (``GET /markets/trades``)."""

    trade_id: str
    ticker: str
    count_fp: str
    yes_price_dollars: str
    no_price_dollars: str
    taker_outcome_side: OutcomeSide
    taker_book_side: BookSide
    created_time: str
    is_block_trade: bool


class TradesResponse(TypedDict):
    """``GET /markets/trades``."""

    trades: list[Trade]
    cursor: str


class SettlementSource(TypedDict, total=False):
    """Where the result of an event or series is read."""

    name: str
    url: str


class _EventRequired(TypedDict):
    event_ticker: str
    series_ticker: str
    title: str
    sub_title: str
    collateral_return_type: str
    mutually_exclusive: bool
    settlement_sources: list[SettlementSource]


class Event(_EventRequired, total=False):
    """An event: markets on one question (``GET /events``)."""

    category: str
    strike_date: str
    markets: list[Market]


class _EventsResponseRequired(TypedDict):
    events: list[Event]
    cursor: str


class EventsResponse(_EventsResponseRequired, total=False):
    """``GET /events``."""

    milestones: list[object]


class EventResponse(TypedDict):
    """``GET /events/{event_ticker}``."""

    event: Event
    markets: list[Market]


class Series(TypedDict):
    """A series of recurring events (``GET /series``)."""

    ticker: str
    frequency: str
    title: str
    category: str
    categories: list[str]
    tags: list[str]
    additional_prohibitions: list[str]
    settlement_sources: list[SettlementSource]
    contract_url: str
    contract_terms_url: str
    fee_type: FeeType
    fee_multiplier: float


class SeriesListResponse(TypedDict):
    """``GET /series``."""

    series: list[Series]


class SeriesResponse(TypedDict):
    """``GET /series/{series_ticker}``."""

    series: Series


# -- portfolio ------------------------------------------------------------------------------


class BalanceBreakdown(TypedDict):
    """The balance held on one exchange instance."""

    exchange_index: int
    balance: str


class _BalanceRequired(TypedDict):
    balance: int
    balance_dollars: str
    portfolio_value: int
    updated_ts: int


class Balance(_BalanceRequired, total=False):
    """``GET /portfolio/balance``: integer cents next to a dollar string."""

    balance_breakdown: list[BalanceBreakdown]


class MarketPosition(TypedDict):
    """A position in one market; ``position_fp`` is negative for NO contracts."""

    ticker: str
    exchange_index: int
    total_traded_dollars: str
    position_fp: str
    market_exposure_dollars: str
    realized_pnl_dollars: str
    fees_paid_dollars: str
    last_updated_ts: str


class EventPosition(TypedDict):
    """Positions summed over the markets of one event."""

    event_ticker: str
    total_cost_dollars: str
    total_cost_shares_fp: str
    event_exposure_dollars: str
    realized_pnl_dollars: str
    fees_paid_dollars: str


class _PositionsResponseRequired(TypedDict):
    market_positions: list[MarketPosition]
    event_positions: list[EventPosition]


class PositionsResponse(_PositionsResponseRequired, total=False):
    """``GET /portfolio/positions``."""

    cursor: str


class _FillRequired(TypedDict):
    fill_id: str
    trade_id: str
    order_id: str
    ticker: str
    market_ticker: str
    exchange_index: int
    outcome_side: OutcomeSide
    book_side: BookSide
    count_fp: str
    yes_price_dollars: str
    no_price_dollars: str
    is_taker: bool
    fee_cost: str


class Fill(_FillRequired, total=False):
    """One execution of one of your orders (``GET /portfolio/fills``)."""

    created_time: str
    ts: int
    subaccount_number: int


class FillsResponse(TypedDict):
    """``GET /portfolio/fills``."""

    fills: list[Fill]
    cursor: str


class Settlement(TypedDict):
    """What a settled market paid you (``GET /portfolio/settlements``)."""

    ticker: str
    event_ticker: str
    exchange_index: int
    market_result: str
    yes_count_fp: str
    yes_total_cost_dollars: str
    no_count_fp: str
    no_total_cost_dollars: str
    revenue: int
    settled_time: str
    fee_cost: str


class _SettlementsResponseRequired(TypedDict):
    settlements: list[Settlement]


class SettlementsResponse(_SettlementsResponseRequired, total=False):
    """``GET /portfolio/settlements``."""

    cursor: str


class _OrderRequired(TypedDict):
    order_id: str
    user_id: str
    client_order_id: str
    ticker: str
    outcome_side: OutcomeSide
    book_side: BookSide
    type: Literal["limit", "market"]
    status: OrderStatus
    yes_price_dollars: str
    no_price_dollars: str
    fill_count_fp: str
    remaining_count_fp: str
    initial_count_fp: str
    taker_fill_cost_dollars: str
    maker_fill_cost_dollars: str
    taker_fees_dollars: str
    maker_fees_dollars: str


class Order(_OrderRequired, total=False):
    """One of your orders (``GET /portfolio/orders``)."""

    expiration_time: str
    created_time: str
    last_update_time: str
    self_trade_prevention_type: SelfTradePrevention
    order_group_id: str
    cancel_order_on_pause: bool
    subaccount_number: int
    exchange_index: int


class OrdersResponse(TypedDict):
    """``GET /portfolio/orders``."""

    orders: list[Order]
    cursor: str


class OrderResponse(TypedDict):
    """``GET /portfolio/orders/{order_id}``."""

    order: Order


# -- placing and changing orders -------------------------------------------------------------


class _CreateOrderRequestRequired(TypedDict):
    ticker: str
    side: BookSide
    count: str
    price: str
    time_in_force: TimeInForce
    self_trade_prevention_type: SelfTradePrevention


class CreateOrderRequest(_CreateOrderRequestRequired, total=False):
    """The body of ``POST /portfolio/events/orders`` (a V2 order on the YES book)."""

    client_order_id: str
    expiration_time: int
    post_only: bool
    reduce_only: bool
    cancel_order_on_pause: bool
    subaccount: int
    order_group_id: str
    exchange_index: int


class _CreateOrderResponseRequired(TypedDict):
    order_id: str
    fill_count: str
    remaining_count: str
    ts_ms: int


class CreateOrderResponse(_CreateOrderResponseRequired, total=False):
    """``POST /portfolio/events/orders`` (201)."""

    client_order_id: str
    average_fill_price: str
    average_fee_paid: str


class BatchCreateOrdersRequest(TypedDict):
    """The body of ``POST /portfolio/events/orders/batched``."""

    orders: list[CreateOrderRequest]


class ErrorDetail(TypedDict, total=False):
    """Why one item of a batch failed."""

    code: str
    message: str
    details: str


BatchError = ErrorDetail


class BatchCreateResult(TypedDict, total=False):
    """One item of a batched create: the order's answer, or ``error``."""

    order_id: str
    client_order_id: str
    fill_count: str
    remaining_count: str
    average_fill_price: str
    average_fee_paid: str
    ts_ms: int
    error: ErrorDetail


class BatchCreateOrdersResponse(TypedDict):
    """``POST /portfolio/events/orders/batched`` (201), one item per order, in order."""

    orders: list[BatchCreateResult]


class _CancelOrderResponseRequired(TypedDict):
    order_id: str
    reduced_by: str
    ts_ms: int


class CancelOrderResponse(_CancelOrderResponseRequired, total=False):
    """``DELETE /portfolio/events/orders/{order_id}``: ``reduced_by`` contracts were resting."""

    client_order_id: str


class _BatchCancelItemRequired(TypedDict):
    order_id: str


class _BatchCancelItem(_BatchCancelItemRequired, total=False):
    subaccount: int
    exchange_index: int
    market_ticker: str


class BatchCancelOrdersRequest(TypedDict):
    """The body of ``DELETE /portfolio/events/orders/batched``."""

    orders: list[_BatchCancelItem]


class _BatchCancelResultRequired(TypedDict):
    order_id: str
    reduced_by: str


class BatchCancelResult(_BatchCancelResultRequired, total=False):
    """One item of a batched cancel."""

    client_order_id: str
    ts_ms: int
    error: ErrorDetail


class BatchCancelOrdersResponse(TypedDict):
    """``DELETE /portfolio/events/orders/batched`` and ``DELETE /portfolio/events/orders``."""

    orders: list[BatchCancelResult]


class _AmendOrderRequestRequired(TypedDict):
    ticker: str
    side: BookSide
    price: str
    count: str


class AmendOrderRequest(_AmendOrderRequestRequired, total=False):
    """The body of ``POST /portfolio/events/orders/{order_id}/amend``.

    ``count`` is the new total: filled plus resting.
    """

    client_order_id: str
    updated_client_order_id: str
    expiration_time: int


class _AmendOrderResponseRequired(TypedDict):
    order_id: str
    ts_ms: int


class AmendOrderResponse(_AmendOrderResponseRequired, total=False):
    """``POST /portfolio/events/orders/{order_id}/amend``."""

    client_order_id: str
    remaining_count: str
    fill_count: str
    average_fill_price: str
    average_fee_paid: str


class DecreaseOrderRequest(TypedDict, total=False):
    """The body of ``POST /portfolio/events/orders/{order_id}/decrease``: exactly one field."""

    reduce_by: str
    reduce_to: str


class _DecreaseOrderResponseRequired(TypedDict):
    order_id: str
    remaining_count: str
    ts_ms: int


class DecreaseOrderResponse(_DecreaseOrderResponseRequired, total=False):
    """``POST /portfolio/events/orders/{order_id}/decrease``."""

    client_order_id: str


class ErrorBody(TypedDict):
    """Kalshi's nested error body: ``{"error": {"code", "message", "details"?}}``."""

    error: ErrorDetail
