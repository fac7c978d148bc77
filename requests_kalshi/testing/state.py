"""The local exchange's state: the matching engine over a catalog, and the API to shape it.

:class:`ExchangeState` holds the :class:`~requests_kalshi.testing.engine.Engine`;
:class:`MarketControls` gives the exchange (and every transport serving it) the testing
methods that move markets, settle them and pause trading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from requests_kalshi import shapes
from requests_kalshi.errors import ConfigurationError
from requests_kalshi.fixedpoint import FixedPointError, count_from_request, price_from_request

from . import views
from .book import BookOrder
from .catalog import Catalog, seed_catalog
from .engine import USER, Engine
from .market import Market
from .records import ExchangeEvent, OrderError

__all__ = ["ExchangeState", "MarketControls", "Rejection"]

DEFAULT_BALANCE = 100_000
"""Starting balance in cents ($1,000)."""


class Rejection(Exception):
    """An API answer other than success, raised inside the exchange and sent as the reply.

    :ivar status: the HTTP status.
    :ivar body: the JSON body.
    """

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def api_error(status: int, code: str, message: str, details: str = "") -> Rejection:
    """A rejection with Kalshi's nested error body (``details`` only when there is some)."""
    error: dict[str, str] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return Rejection(status, {"error": error})


def bad_request(message: str) -> Rejection:
    """400 ``invalid_parameters`` (the code this exchange uses for any invalid query input)."""
    return api_error(400, "invalid_parameters", message)


def rejection(error: OrderError) -> Rejection:
    """The answer for an :class:`OrderError`.

    ``bad_request`` (a body that cannot be read) is flat, as Kalshi sends it; the rest nested.
    """
    if error.code == "bad_request":
        return Rejection(
            400, {"code": error.code, "message": error.message, "details": error.details}
        )
    return api_error(error.status, error.code, error.message, error.details)


class ExchangeState:
    """Markets, accounts and orders: a matching engine, safe to use from many threads.

    :param markets: the markets to trade; the seeded catalog (:func:`seed_catalog`) by default.
        Markets whose event is not in the catalog get a made-up event and series.
    :type markets: ~collections.abc.Iterable[~requests_kalshi.testing.Market] | None
    :param balance: the user's starting balance in cents.
    :param clock: the server clock (Unix seconds).
    :param seed: chooses the seeded prices and the participants' liquidity.
    :raises ConfigurationError: ``markets`` holds something that is not a
        :class:`~requests_kalshi.testing.Market`.
    """

    def __init__(
        self,
        *,
        markets: Iterable[Market] | None = None,
        balance: int = DEFAULT_BALANCE,
        clock: Callable[[], float],
        seed: int = 0,
    ) -> None:
        if markets is None:
            catalog = seed_catalog(seed)
        else:
            chosen = list(markets)
            for market in chosen:
                if not isinstance(market, Market):
                    raise ConfigurationError(
                        f"markets must be Market objects, not {type(market).__name__}."
                    )
            catalog = Catalog(markets=chosen)
        self.engine = Engine(catalog, clock=clock, seed=seed, user_cash=Decimal(balance) / 100)
        self.lock = self.engine.lock

    @property
    def balance(self) -> int:
        """The user's free cash in whole cents (rounded down)."""
        with self.lock:
            cash = self.engine.accounts[USER].cash * 100
            return int(cash.to_integral_value(rounding=ROUND_FLOOR))

    def list_orders(self) -> list[shapes.Order]:
        """The user's orders, oldest first, as ``GET /portfolio/orders`` shows each of them."""
        with self.lock:
            mine = [o for o in self.engine.orders.values() if o.account == USER]
            return [views.order(o) for o in sorted(mine, key=lambda o: o.created)]


class MarketControls:
    """The testing API of the local exchange: shape the market a test runs against.

    Prices and counts are given as strings (``"0.56"``, ``"10"``) or :class:`Decimal`. Every
    method raises :class:`~requests_kalshi.ConfigurationError` for an unknown market or a value
    the market cannot take, with Kalshi's code in the message.

    :ivar state: the exchange's markets, accounts and orders, which these methods change.
    """

    state: ExchangeState

    @property
    def engine(self) -> Engine:
        """The matching engine (books, accounts, orders, trades): read it in assertions."""
        return self.state.engine

    def subscribe(self, listener: Callable[[ExchangeEvent], None]) -> Callable[[], None]:
        """Call ``listener`` with each book change, trade, fill, order update and settlement.

        :returns: a function that unsubscribes.
        """
        return self.state.engine.subscribe(listener)

    def put_liquidity(
        self, ticker: str, side: str, price: Decimal | str, count: Decimal | str
    ) -> str:
        """Rest a simulated participant's order: ``side`` ``"bid"`` buys YES, ``"ask"`` sells.

        It trades at once with whatever it crosses, your resting orders included.

        :returns: the participant's order id.
        :raises ConfigurationError: an unknown market, a bad side, price or count, or a market
            that does not trade.
        """
        if side not in ("bid", "ask"):
            raise ConfigurationError(f"side must be 'bid' or 'ask', not {side!r}.")
        with _configuration_errors():
            order: BookOrder = self.state.engine.add_liquidity(
                ticker, side, _price(price), _count(count)
            )
        return order.order_id

    def move_market(self, ticker: str, price: Decimal | str) -> None:
        """Make ``ticker`` trade at YES ``price`` and re-quote around it.

        Your resting orders that the move crosses are filled, as a real sweep would.

        :raises ConfigurationError: an unknown market, a bad price, or a market that does not
            trade.
        """
        with _configuration_errors():
            self.state.engine.move_market(ticker, _price(price))

    def settle_market(self, ticker: str, result: str) -> None:
        """Settle ``ticker`` on ``"yes"`` or ``"no"``, paying $1 per winning contract.

        Every position in it is paid and closed; yours are listed by
        ``GET /portfolio/settlements``.

        :raises ConfigurationError: an unknown market, another result, or one already settled.
        """
        with _configuration_errors():
            self.state.engine.settle(ticker, result)

    def close_market(self, ticker: str) -> None:
        """Close ``ticker``: resting orders are cancelled and new ones refused (``market_closed``).

        :raises ConfigurationError: an unknown market.
        """
        with _configuration_errors():
            self.state.engine.close(ticker)

    def pause_trading(self, ticker: str | None = None, *, paused: bool = True) -> None:
        """Pause trading on ``ticker``, or the whole exchange; ``paused=False`` resumes.

        Orders are refused with ``trading_is_paused`` meanwhile, and resting orders placed with
        ``cancel_order_on_pause`` are cancelled.

        :raises ConfigurationError: an unknown market.
        """
        with _configuration_errors():
            self.state.engine.pause(ticker, paused=paused)


@contextmanager
def _configuration_errors() -> Iterator[None]:
    try:
        yield
    except (OrderError, FixedPointError) as error:
        raise ConfigurationError(str(error)) from None


def _price(value: Decimal | str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return price_from_request(value)
    except FixedPointError as error:
        raise ConfigurationError(str(error)) from None


def _count(value: Decimal | str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return count_from_request(value)
    except FixedPointError as error:
        raise ConfigurationError(str(error)) from None
