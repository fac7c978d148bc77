"""A local copy of one market's order book, kept from ``orderbook_snapshot`` + ``orderbook_delta``.

Prices and sizes are :class:`~decimal.Decimal`, parsed exactly from Kalshi's fixed-point strings.
Kalshi's event-contract book has two sides of bids: ``yes`` (YES bids) and ``no`` (NO bids; a
NO bid at ``p`` is a YES ask at ``1 - p``). A perpetual-futures ("margin") book,
``OrderBook(ticker, product="margin")``, has ``bid`` and ``ask`` levels at their own prices
(``bid_dollars_fp``/``ask_dollars_fp`` in the snapshot, ``side`` ``"bid"``/``"ask"`` in a
delta: the local exchange's shapes, see :mod:`requests_kalshi.margin_shapes`).

>>> book = OrderBook("KXFED-26DEC-T4.25")
>>> book.apply({"type": "orderbook_snapshot", "msg": {"market_ticker": "KXFED-26DEC-T4.25",
...     "yes_dollars_fp": [["0.2200", "10.00"]], "no_dollars_fp": [["0.7600", "5.00"]]}})
>>> book.apply({"type": "orderbook_delta", "msg": {"market_ticker": "KXFED-26DEC-T4.25",
...     "price_dollars": "0.7600", "delta_fp": "-5.00", "side": "no"}})
>>> book.best_yes_bid(), book.best_yes_ask()
(Decimal('0.2200'), None)
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .errors import ConfigurationError, KalshiError
from .fixedpoint import format_count, format_dollars, parse_count, parse_dollars

__all__ = ["OrderBook", "OrderBookError"]

_SIDES = {"events": ("yes", "no"), "margin": ("bid", "ask")}


class OrderBookError(KalshiError, ValueError):
    """A message cannot apply to this book; resubscribe for a fresh snapshot.

    Another market, a delta before the snapshot, a level that would go below zero, or a
    malformed message.
    """


class OrderBook:
    """One market's resting sizes by price, from a snapshot and the deltas after it.

    :param ticker: the market; messages about another market are refused.
    :param product: ``"events"`` (event contracts, the default) or ``"margin"`` (perpetual
        futures).
    :raises ConfigurationError: an unknown ``product``.
    """

    def __init__(self, ticker: str, *, product: str = "events") -> None:
        if product not in _SIDES:
            raise ConfigurationError(
                f"product must be one of {', '.join(map(repr, _SIDES))}, not {product!r}."
            )
        self.ticker = ticker
        self.product = product
        """``"events"`` or ``"margin"``: which book's messages it applies."""
        self.sides: tuple[str, str] = _SIDES[product]
        """Its two sides: ``("yes", "no")``, or ``("bid", "ask")`` for margin."""
        self.levels: dict[str, dict[Decimal, Decimal]] = {side: {} for side in self.sides}
        """``{side: {price: size}}`` for each of :attr:`sides`; no empty levels."""
        self.ready = False
        """Whether a snapshot has arrived (deltas apply only after one)."""

    def apply(self, message: Mapping[str, Any]) -> None:
        """Apply an ``orderbook_snapshot`` or ``orderbook_delta`` message.

        ``message`` is a whole frame (``{"type", "msg", …}``) or a
        :class:`~requests_kalshi.stream.Message`.

        :raises OrderBookError: see :class:`OrderBookError`; the book is unchanged.
        """
        kind, body = message.get("type"), message.get("msg")
        if not isinstance(body, Mapping):
            raise OrderBookError(f"an order book message needs a 'msg' object, not {body!r}.")
        if body.get("market_ticker") != self.ticker:
            raise OrderBookError(
                f"a message about {body.get('market_ticker')!r} cannot apply to the book of "
                f"{self.ticker!r}: keep one OrderBook per market."
            )
        if kind == "orderbook_snapshot":
            self.apply_snapshot(body)
        elif kind == "orderbook_delta":
            self.apply_delta(body)
        else:
            raise OrderBookError(f"{kind!r} is not an order book message.")

    def apply_snapshot(self, body: Mapping[str, Any]) -> None:
        """Replace the book with a snapshot's ``yes_dollars_fp`` and ``no_dollars_fp``.

        Or ``bid_dollars_fp`` and ``ask_dollars_fp`` for margin.

        :raises OrderBookError: a malformed level.
        """
        levels: dict[str, dict[Decimal, Decimal]] = {}
        for side in self.sides:
            rows = body.get(f"{side}_dollars_fp") or []
            try:
                parsed = {parse_dollars(price): parse_count(size) for price, size in rows}
            except (TypeError, ValueError) as error:
                raise OrderBookError(f"a malformed {side} level in a snapshot: {error}") from None
            levels[side] = {price: size for price, size in parsed.items() if size}
        self.levels = levels
        self.ready = True

    def apply_delta(self, body: Mapping[str, Any]) -> None:
        """Add a delta's ``delta_fp`` to the level at ``price_dollars`` on ``side``.

        :raises OrderBookError: no snapshot yet, a malformed delta, or a negative level.
        """
        if not self.ready:
            raise OrderBookError(
                f"a delta for {self.ticker} arrived before its snapshot: subscribe again."
            )
        side = body.get("side")
        if side not in self.sides:
            first, second = self.sides
            raise OrderBookError(f"a delta's side must be {first!r} or {second!r}, not {side!r}.")
        try:
            price, delta = (
                parse_dollars(body.get("price_dollars")),
                parse_count(body.get("delta_fp")),
            )
        except ValueError as error:
            raise OrderBookError(f"a malformed delta: {error}") from None
        level = self.levels[side]
        size = level.get(price, Decimal(0)) + delta
        if size < 0:
            raise OrderBookError(
                f"a delta of {delta} at {side} {price} leaves {size} contracts in {self.ticker}: "
                "a message was missed; subscribe again for a fresh snapshot."
            )
        if size:
            level[price] = size
        else:
            level.pop(price, None)

    def best_bid(self) -> Decimal | None:
        """The highest bid (a YES bid for event contracts), or ``None``."""
        return max(self.levels[self.sides[0]], default=None)

    def best_ask(self) -> Decimal | None:
        """The lowest ask (for event contracts a YES ask: ``1 -`` the best NO bid), or ``None``."""
        if self.product == "margin":
            return min(self.levels["ask"], default=None)
        best_no = max(self.levels["no"], default=None)
        return None if best_no is None else 1 - best_no

    def best_yes_bid(self) -> Decimal | None:
        """The highest YES bid, or ``None`` (an event-contract book's :meth:`best_bid`)."""
        return self.best_bid()

    def best_yes_ask(self) -> Decimal | None:
        """The lowest YES ask (``1 -`` the highest NO bid), or ``None`` (see :meth:`best_ask`)."""
        return self.best_ask()

    def rest_view(self) -> dict[str, list[list[str]]]:
        """The book as its REST endpoint gives its ``orderbook_fp``.

        ``GET /markets/{ticker}/orderbook``: each side from the lowest price up. For margin,
        ``GET /margin/markets/{ticker}/orderbook``: each side best first (bids from the
        highest, asks from the lowest).
        """
        best_first = self.product == "margin"
        return {
            f"{side}_dollars": [
                [format_dollars(price), format_count(size)]
                for price, size in sorted(
                    self.levels[side].items(), reverse=best_first and side == "bid"
                )
            ]
            for side in self.sides
        }

    def __repr__(self) -> str:
        prefix = "yes_" if self.product == "events" else ""
        return (
            f"<OrderBook {self.ticker} {prefix}bid={self.best_bid()} {prefix}ask={self.best_ask()}>"
        )
