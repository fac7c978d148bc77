"""HTTP dates and ``Retry-After`` values, read without any HTTP client."""

from __future__ import annotations

from datetime import timezone
from email.utils import parsedate_to_datetime

__all__ = ["parse_http_date", "retry_after_seconds"]


def parse_http_date(value: str) -> float | None:
    """Unix time in seconds from an HTTP date (``Date``, ``Retry-After``), or ``None``.

    The RFC 850 and asctime forms, which name no zone, are read as GMT (as HTTP says).

    >>> parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT")
    784111777.0
    >>> parse_http_date("Sun Nov  6 08:49:37 1994")  # asctime: no zone, read as GMT
    784111777.0
    >>> parse_http_date("yesterday") is None
    True
    """
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Seconds a ``Retry-After`` value asks to wait: delay-seconds or an HTTP date.

    >>> retry_after_seconds("3", now=0.0)
    3.0
    >>> retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", now=784111770.0)
    7.0

    :param value: the header's value, or ``None`` when there is none.
    :param now: the local Unix time in seconds, to turn a date into a delay.
    :returns: seconds (0 for a date already past), or ``None`` for no usable value.
    """
    value = (value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    when = parse_http_date(value)
    return None if when is None else max(0.0, when - now)
