"""Kalshi's fixed-point values: dollar strings (``"0.5600"``) and contract counts (``"10.00"``).

Since March 2026 Kalshi sends prices and money as ``*_dollars`` strings and contract counts as
``*_fp`` strings. These helpers turn them into :class:`~decimal.Decimal` and back, exactly
(no float ever touches a price).

>>> parse_dollars("0.5600") + parse_dollars("0.4400")
Decimal('1.0000')
>>> format_count(parse_count("10.00") - 3)
'7.00'
>>> format_dollars(Decimal("0.56"))
'0.5600'
>>> price_from_request("0.565")
Decimal('0.565')
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .errors import KalshiError

__all__ = [
    "FixedPointError",
    "count_from_request",
    "format_count",
    "format_dollars",
    "parse_count",
    "parse_dollars",
    "price_from_request",
]

CENT = Decimal("0.01")
"""One cent, in dollars."""
ONE = Decimal(1)

_NUMBER = re.compile(r"-?(\d+)(?:\.(\d+))?")


class FixedPointError(KalshiError, ValueError):
    """A dollar or count value is not a fixed-point string Kalshi would send or accept."""


def _parse(text: object, what: str, *, max_places: int, min_places: int = 0) -> Decimal:
    if not isinstance(text, str):
        raise FixedPointError(
            f"{what} must be a string such as {_example(what)}, not {type(text).__name__} "
            f"{text!r}: Kalshi's fixed-point values are strings."
        )
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise FixedPointError(f"{what} {text!r} is not a decimal number such as {_example(what)}.")
    places = len(match.group(2) or "")
    if not min_places <= places <= max_places:
        wanted = f"{min_places} to {max_places}" if min_places != max_places else f"{max_places}"
        raise FixedPointError(
            f"{what} {text!r} has {places} decimal places; use {wanted}, such as {_example(what)}."
        )
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already matched a number
        raise FixedPointError(f"{what} {text!r} is not a decimal number.") from None


def _example(what: str) -> str:
    return '"10.00"' if "count" in what else '"0.5600"'


def parse_dollars(text: object) -> Decimal:
    """A ``*_dollars`` string from an answer (up to 6 decimals) as a :class:`Decimal`.

    :raises FixedPointError: ``text`` is not a string, not a number, or has more than 6 decimals.
    """
    return _parse(text, "dollar value", max_places=6)


def parse_count(text: object) -> Decimal:
    """A ``*_fp`` contract count string from an answer (up to 2 decimals) as a :class:`Decimal`.

    :raises FixedPointError: ``text`` is not a string, not a number, or has more than 2 decimals.
    """
    return _parse(text, "count", max_places=2)


def format_dollars(value: Decimal | int | str) -> str:
    """A dollar amount as Kalshi writes it: 4 decimals, up to 6 when the amount needs them.

    >>> format_dollars(Decimal("0.005555"))
    '0.005555'

    :raises FixedPointError: the amount has more than 6 decimals (it is not a whole
        millionth of a dollar) or is not a number.
    """
    amount = _decimal(value, "dollar amount")
    for places in (4, 5, 6):
        quantum = Decimal(1).scaleb(-places)
        if amount == amount.quantize(quantum):
            return f"{amount.quantize(quantum):f}"
    raise FixedPointError(f"dollar amount {value!r} has more than 6 decimal places.")


def format_count(value: Decimal | int | str) -> str:
    """A contract count as Kalshi writes it: exactly 2 decimals (``"10.00"``).

    :raises FixedPointError: the count has more than 2 decimals or is not a number.
    """
    count = _decimal(value, "count")
    if count != count.quantize(CENT):
        raise FixedPointError(f"count {value!r} is finer than 0.01 contract.")
    return f"{count.quantize(CENT):f}"


def _decimal(value: Decimal | int | str, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise FixedPointError(f"{what} must be a Decimal, int or str, not {type(value).__name__}.")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise FixedPointError(f"{what} {value!r} is not a number.") from None
    if not number.is_finite():
        raise FixedPointError(f"{what} {value!r} is not a finite number.")
    return number


def price_from_request(value: object) -> Decimal:
    """A price as an order request gives it: a string with 2 to 4 decimals, above 0, below 1.

    :raises FixedPointError: not a string, not 2–4 decimals, or not strictly between 0 and 1.
    """
    price = _parse(value, "price", max_places=4, min_places=2)
    if not 0 < price < 1:
        raise FixedPointError(f"price {value!r} must be above 0 and below 1 (dollars).")
    return price


def count_from_request(value: object) -> Decimal:
    """A contract count as an order request gives it: a string with 0 to 2 decimals, above 0.

    :raises FixedPointError: not a string, more than 2 decimals, or not above 0.
    """
    count = _parse(value, "count", max_places=2)
    if count <= 0:
        raise FixedPointError(f'count {value!r} must be above 0 (contracts, such as "10.00").')
    return count
