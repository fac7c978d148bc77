"""Reading the server's clock from responses, to measure how far the local clock is off."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import requests

from .signing import ACCESS_TIMESTAMP

__all__ = ["clock_offset", "server_time"]


def server_time(response: requests.Response) -> float | None:
    """The server's time when it answered, from the ``Date`` header (1 s resolution).

    :returns: Unix time in seconds, or ``None`` if the header is missing or unreadable.
    """
    value = response.headers.get("Date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def clock_offset(response: requests.Response) -> float | None:
    """Seconds to add to the local clock to match the server's, measured from one response.

    Compares the ``Date`` header with the timestamp the request was signed with (or, for
    an unsigned request, the local time now). ``Date`` has whole seconds, so the result is
    good to about a second; that is well inside Kalshi's timestamp window.

    :returns: the offset in seconds, or ``None`` without a usable ``Date`` header.
    """
    server = server_time(response)
    if server is None:
        return None
    local = time.time()
    request = response.request
    signed = request.headers.get(ACCESS_TIMESTAMP) if request is not None else None
    if signed is not None and signed.isdigit():
        local = int(signed) / 1000
    # Date is truncated to the second: the server's time was somewhere in [server, server+1).
    return server + 0.5 - local
