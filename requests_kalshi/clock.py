"""Reading the server's clock from responses, to measure how far the local clock is off."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from .core.clock_skew import MAX_CORRECTION
from .core.clock_skew import measured_offset as core_measured_offset
from .core.http_dates import parse_http_date, retry_after_seconds
from .errors import ConfigurationError
from .signing import ACCESS_TIMESTAMP

__all__ = [
    "MAX_CLOCK_CORRECTION",
    "measured_offset",
    "server_time",
    "synced_offset",
    "wait_asked",
]

MAX_CLOCK_CORRECTION = MAX_CORRECTION
"""Seconds a clock correction may move ``clock_offset`` by, at most (an hour; the core's rule).

A server ``Date`` further away than this is not believed (a proxy's or a broken clock's):
the clock is left alone and the local clock should be fixed instead."""


def server_time(response: requests.Response) -> float | None:
    """The server's time when it answered, from the ``Date`` header (1 s resolution).

    :returns: Unix time in seconds, or ``None`` if the header is missing or unreadable.
    """
    value = response.headers.get("Date")
    return parse_http_date(value) if value else None


def measured_offset(
    response: requests.Response, *, now: Callable[[], float] = time.time
) -> float | None:
    """Seconds to add to the local clock to match the server's, measured from one response.

    Compares the ``Date`` header with the timestamp the request was signed with (or, for
    an unsigned request, the local time ``now()``). Positive: the local clock is behind.
    ``Date`` has whole seconds, so the result is good to about a second (plus the request's
    round trip); that is well inside Kalshi's timestamp window. Not to be confused with
    :attr:`KalshiAuth.clock_offset <requests_kalshi.KalshiAuth.clock_offset>`, the offset an
    auth signs with, which :func:`synced_offset` moves by what this measures.

    :param response: a response whose ``request`` may carry ``KALSHI-ACCESS-TIMESTAMP``.
    :param now: the local clock, Unix seconds (for tests).
    :returns: the offset in seconds, or ``None`` without a usable ``Date`` header.
    """
    request = response.request
    signed = request.headers.get(ACCESS_TIMESTAMP) if request is not None else None
    return core_measured_offset(server_time(response), signed, now)


def wait_asked(
    response: requests.Response, *, now: Callable[[], float] = time.time
) -> float | None:
    """Seconds a response's ``Retry-After`` header asks to wait: delay-seconds or an HTTP date.

    :param response: the response (usually a 429 or 503).
    :param now: the local clock, Unix seconds, to turn a date into a delay (for tests).
    :returns: seconds (0 for a date already past), or ``None`` without a usable header.
    """
    return retry_after_seconds(response.headers.get("Retry-After"), now())


def synced_offset(offset: float, measured: float | None) -> float:
    """The clock offset after a clock sync measured the local clock ``measured`` seconds off.

    What ``sync_clock()`` of every client sets: ``offset + measured``.

    :param offset: the auth's clock offset now, in seconds.
    :param measured: what :func:`measured_offset` measured; ``None`` without a usable ``Date``.
    :raises ConfigurationError: no measurement, or one further than
        :data:`MAX_CLOCK_CORRECTION` (the offset is then left alone).
    """
    if measured is None:
        raise ConfigurationError(
            "the server sent no usable Date header; set KalshiAuth.clock_offset yourself."
        )
    if abs(measured) > MAX_CLOCK_CORRECTION:
        raise ConfigurationError(
            f"the server's Date is {measured:+.0f} s away from the local clock, more than "
            f"the {MAX_CLOCK_CORRECTION:.0f} s a correction may make; the clock offset was "
            "not changed. Fix the system clock (enable NTP), or set "
            "KalshiAuth.clock_offset yourself."
        )
    return offset + measured
