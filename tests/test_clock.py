"""clock: HTTP dates, the server's Date, the measured clock offset, Retry-After."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
import responses
from cryptography.hazmat.primitives.asymmetric import ed25519

from requests_kalshi import KalshiAuth
from requests_kalshi.clock import measured_offset, server_time, wait_asked
from requests_kalshi.core.clock_skew import measured_offset as core_measured_offset
from requests_kalshi.core.http_dates import parse_http_date

from .conftest import KEY_ID

URL = "https://external-api.demo.kalshi.co/trade-api/v2/exchange/status"
NOV_6_1994 = 784111777.0  # Sun, 06 Nov 1994 08:49:37 GMT


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as rsps:
        yield rsps


def reply(
    mock: responses.RequestsMock, headers: dict[str, str], auth: KalshiAuth | None = None
) -> requests.Response:
    mock.get(URL, json={"exchange_active": True}, headers=headers)
    return requests.get(URL, auth=auth)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Sun, 06 Nov 1994 08:49:37 GMT", NOV_6_1994),  # IMF-fixdate
        ("Sunday, 06-Nov-94 08:49:37 GMT", NOV_6_1994),  # RFC 850
        ("Sun Nov  6 08:49:37 1994", NOV_6_1994),  # asctime: no zone, still GMT
        ("Sun, 06 Nov 1994 08:49:37 -0000", NOV_6_1994),  # "unknown zone": GMT
        ("Sun, 06 Nov 1994 09:49:37 +0100", NOV_6_1994),
        ("  Sun, 06 Nov 1994 08:49:37 GMT  ", NOV_6_1994),
        ("", None),
        ("yesterday", None),
        ("Sun, 99 Nov 1994 08:49:37 GMT", None),
    ],
)
def test_parse_http_date(value: str, expected: float | None) -> None:
    assert parse_http_date(value) == expected


def test_server_time_reads_date(mock: responses.RequestsMock) -> None:
    assert server_time(reply(mock, {"Date": "Sun, 06 Nov 1994 08:49:37 GMT"})) == NOV_6_1994


@pytest.mark.parametrize("headers", [{}, {"Date": ""}, {"Date": "not a date"}])
def test_server_time_without_a_usable_date(
    mock: responses.RequestsMock, headers: dict[str, str]
) -> None:
    response = reply(mock, headers)
    assert server_time(response) is None
    assert measured_offset(response) is None


@pytest.mark.parametrize(
    ("signed_at", "date_at", "expected"),
    [
        (NOV_6_1994 - 42, NOV_6_1994, 42.5),  # local clock 42 s behind
        (NOV_6_1994 + 600, NOV_6_1994, -599.5),  # local clock ten minutes ahead
        (NOV_6_1994 + 0.5, NOV_6_1994, 0.0),  # in step (Date is truncated to the second)
    ],
)
def test_clock_offset_compares_date_with_the_signed_timestamp(
    mock: responses.RequestsMock,
    ed_key: ed25519.Ed25519PrivateKey,
    signed_at: float,
    date_at: float,
    expected: float,
) -> None:
    auth = KalshiAuth(KEY_ID, ed_key, clock=lambda: signed_at)
    response = reply(mock, {"Date": "Sun, 06 Nov 1994 08:49:37 GMT"}, auth)
    assert response.request.headers["KALSHI-ACCESS-TIMESTAMP"] == str(int(signed_at * 1000))
    measured = measured_offset(response, now=lambda: pytest.fail("must use the signed timestamp"))
    assert measured == pytest.approx(expected)


def test_clock_offset_of_an_unsigned_request_uses_now(mock: responses.RequestsMock) -> None:
    response = reply(mock, {"Date": "Sun, 06 Nov 1994 08:49:37 GMT"})
    assert measured_offset(response, now=lambda: NOV_6_1994 - 10) == 10.5


@pytest.mark.parametrize("stamp", ["abc", "", "１２３"])
def test_clock_offset_ignores_a_timestamp_that_is_not_ascii_digits(stamp: str) -> None:
    response = requests.Response()
    response.headers["Date"] = "Sun, 06 Nov 1994 08:49:37 GMT"
    response.request = requests.Request(
        "GET", URL, headers={"KALSHI-ACCESS-TIMESTAMP": stamp}
    ).prepare()
    assert measured_offset(response, now=lambda: NOV_6_1994) == 0.5


def test_clock_offset_of_a_response_without_request() -> None:
    response = requests.Response()
    response.headers["Date"] = "Sun, 06 Nov 1994 08:49:37 GMT"
    assert measured_offset(response, now=lambda: NOV_6_1994 + 2) == -1.5


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Sun, 06 Nov 1994 08:50:07 GMT", 30.0),  # a date 30 s after "now"
        ("Sun, 06 Nov 1994 08:40:00 GMT", 0.0),  # a date already past
        ("1.5", None),
        ("-5", None),
        ("²", None),
        ("later", None),
    ],
)
def test_retry_after_seconds_or_date(
    mock: responses.RequestsMock, value: str, expected: float | None
) -> None:
    mock.get(URL, status=429, json={"error": "too many requests"}, headers={"Retry-After": value})
    response = requests.get(URL)
    assert wait_asked(response, now=lambda: NOV_6_1994) == expected


def test_retry_after_absent(mock: responses.RequestsMock) -> None:
    assert wait_asked(reply(mock, {})) is None


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset to change the zone")
def test_zoneless_http_dates_are_gmt_whatever_the_local_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert parse_http_date("Sun Nov  6 08:49:37 1994") == NOV_6_1994
        assert parse_http_date("Sun, 06 Nov 1994 08:49:37 -0000") == NOV_6_1994
    finally:
        monkeypatch.undo()
        time.tzset()


def test_the_core_measure_reads_the_clock_only_for_an_unsigned_request() -> None:
    """The pure measure every client's ``sync_clock()`` uses (httpx has no requests Response)."""
    assert (
        core_measured_offset(None, "1000", now=lambda: pytest.fail("no date, no reading")) is None
    )
    assert core_measured_offset(100.0, "90000", now=lambda: pytest.fail("signed")) == 10.5
    assert core_measured_offset(100.0, None, now=lambda: 101.0) == -0.5
    assert core_measured_offset(100.0, "not-a-stamp", now=lambda: 95.0) == 5.5
