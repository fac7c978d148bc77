"""When a refused timestamp corrects the clock, and by how much.

Kalshi answers 401 ``header_timestamp_expired`` to a timestamp outside its window (between 5
and 30 s wide, measured). Two different things cause it: a local clock that is off (then a
corrected offset fixes every later request) and a request that reached Kalshi long after it
was signed (then the clock is fine and must not be "corrected"). The server's ``Date``
header, good to about a second, tells them apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["CLOCK_AGREES", "MAX_CORRECTION", "ClockVerdict", "judge_clock", "measured_offset"]

CLOCK_AGREES = 2.0
"""Seconds: a clock this close to the server's cannot explain an expired timestamp."""

MAX_CORRECTION = 3600.0
"""Seconds: a correction larger than an hour is refused (a proxy's or a broken ``Date``: fix
the local clock instead)."""


@dataclass(frozen=True)
class ClockVerdict:
    """What one refused timestamp says about the local clock.

    :ivar offset: the new clock offset to sign with, or ``None`` to leave it as it is.
    :ivar clock_error: seconds the signing clock (with its offset) was behind the server's
        when the request was sent (negative: ahead), or ``None`` without a ``Date``.
    :ivar late_by: seconds between signing and sending.
    :ivar reason: why ``offset`` is what it is, for logs.
    """

    offset: float | None
    clock_error: float | None
    late_by: float
    reason: str


def judge_clock(
    *,
    signed_ms: int,
    sent_at: float,
    offset: float,
    server_date: float | None,
    agree_window: float = CLOCK_AGREES,
    max_correction: float = MAX_CORRECTION,
) -> ClockVerdict:
    """Decide the clock offset after Kalshi refused the timestamp ``signed_ms``.

    :param signed_ms: the timestamp that was signed (milliseconds, offset included).
    :param sent_at: the local clock, without offset, when the request was sent (seconds).
    :param offset: the offset the request was signed with (seconds).
    :param server_date: the response's ``Date`` header as Unix seconds, or ``None``.
    :param agree_window: within this many seconds the clock counts as right.
    :param max_correction: corrections larger than this are refused.
    :returns: the verdict; its ``offset`` is set only for a plausible, needed correction.
        The new offset does not depend on the offset in force, so threads refused
        together all arrive at the same value.
    """
    late_by = sent_at + offset - signed_ms / 1000
    if server_date is None:
        return ClockVerdict(None, None, late_by, "the response has no usable Date header")
    # Date is truncated to the second: the server's time was somewhere in [date, date + 1).
    server = server_date + 0.5
    error = server - (sent_at + offset)
    if abs(error) <= agree_window:
        return ClockVerdict(
            None, error, late_by, "the clock agrees with Kalshi's: the request was late"
        )
    if abs(error) > max_correction:
        reason = (
            f"the server's Date is {error:+.0f} s away, more than the {max_correction:.0f} s a "
            "correction may make (a proxy's or a broken Date: not trusted); fix the system clock"
        )
        return ClockVerdict(None, error, late_by, reason)
    return ClockVerdict(server - sent_at, error, late_by, "the local clock is off")


def measured_offset(
    server_date: float | None, signed: str | None, now: Callable[[], float]
) -> float | None:
    """Seconds to add to the local clock to match the server's, from one answer.

    >>> measured_offset(100.0, "90000", now=lambda: 0.0)
    10.5

    :param server_date: the answer's ``Date`` as Unix seconds (whole seconds), or ``None``.
    :param signed: the ``KALSHI-ACCESS-TIMESTAMP`` the request was signed with, if any.
    :param now: the local clock (Unix seconds), read only when the request was not signed.
    :returns: the offset (positive: the local clock is behind), or ``None`` without a date.
    """
    if server_date is None:
        return None
    if signed is not None and signed.isascii() and signed.isdigit():
        local = int(signed) / 1000
    else:
        local = now()
    # Date is truncated to the second: the server's time was somewhere in [date, date + 1).
    return server_date + 0.5 - local
