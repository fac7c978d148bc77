"""Fixed-point dollar and count strings to Decimal and back, and every bad input."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from requests_kalshi import KalshiError
from requests_kalshi.fixedpoint import (
    FixedPointError,
    count_from_request,
    format_count,
    format_dollars,
    parse_count,
    parse_dollars,
    price_from_request,
)


def test_round_trips() -> None:
    assert parse_dollars("0.5600") == Decimal("0.56")
    assert parse_dollars("-1.250000") == Decimal("-1.25")
    assert parse_count("10.00") == 10
    assert parse_count("-3.50") == Decimal("-3.5")
    assert format_dollars(Decimal("0.56")) == "0.5600"
    assert format_dollars(1) == "1.0000"
    assert format_dollars("0.00555") == "0.00555"
    assert format_dollars(Decimal("0.005555")) == "0.005555"
    assert format_count(Decimal("7")) == "7.00"
    assert format_count("0.5") == "0.50"


@given(st.decimals(min_value=-1000, max_value=1000, places=6, allow_nan=False))
def test_any_micro_dollar_amount_round_trips(amount: Decimal) -> None:
    assert parse_dollars(format_dollars(amount)) == amount


@given(st.decimals(min_value=-100000, max_value=100000, places=2, allow_nan=False))
def test_any_count_round_trips(count: Decimal) -> None:
    assert parse_count(format_count(count)) == count


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0.56", "0.56"),
        ("0.5", "has 1 decimal places; use 2 to 4"),
        ("0.56789", "has 5 decimal places"),
        ("1.00", "above 0 and below 1"),
        ("0.00", "above 0 and below 1"),
        ("-0.50", "above 0 and below 1"),
        (0.56, "must be a string"),
        (56, "must be a string"),
        ("", "is not a decimal number"),
        ("0,56", "is not a decimal number"),
        ("1e-2", "is not a decimal number"),
        (" 0.56", "is not a decimal number"),
    ],
)
def test_request_prices(value: Any, message: str) -> None:
    if value == message:
        assert price_from_request(value) == Decimal(value)
        return
    with pytest.raises(FixedPointError, match=message):
        price_from_request(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("10", Decimal(10)), ("10.5", Decimal("10.5")), ("0.01", Decimal("0.01"))],
)
def test_request_counts(value: str, expected: Decimal) -> None:
    assert count_from_request(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "must be above 0"),
        ("-1", "must be above 0"),
        ("1.001", "has 3 decimal places; use 0 to 2"),
        (10, 'must be a string such as "10.00"'),
        (None, "not NoneType"),
        ("ten", "is not a decimal number"),
    ],
)
def test_bad_request_counts(value: Any, message: str) -> None:
    with pytest.raises(FixedPointError, match=message):
        count_from_request(value)


@pytest.mark.parametrize(
    ("call", "value", "message"),
    [
        (format_dollars, Decimal("0.0000001"), "more than 6 decimal places"),
        (format_count, Decimal("0.001"), "finer than 0.01"),
        (format_count, "many", "is not a number"),
        (format_dollars, Decimal("NaN"), "not a finite number"),
        (format_dollars, 0.5, "must be a Decimal, int or str"),
        (format_count, True, "must be a Decimal, int or str"),
        (parse_dollars, "0.1234567", "has 7 decimal places"),
        (parse_count, "1.000", "has 3 decimal places"),
    ],
)
def test_bad_values_are_typed_errors(call: Any, value: Any, message: str) -> None:
    with pytest.raises(FixedPointError, match=message) as raised:
        call(value)
    assert isinstance(raised.value, KalshiError)
    assert isinstance(raised.value, ValueError)
