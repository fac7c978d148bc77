"""httpx responses and exceptions in the terms of the core (no conversion to ``requests``)."""

from __future__ import annotations

import ssl
import time

import httpx

from .api_errors import KalshiAPIError, error_from_answer
from .core.clock_skew import measured_offset
from .core.error_bodies import ErrorAnswer, error_fields
from .core.http_dates import parse_http_date, retry_after_seconds
from .core.retrying import Failure
from .core.signature import ACCESS_KEY, ACCESS_TIMESTAMP

__all__ = [
    "answer_of",
    "error_for_httpx",
    "failure_of",
    "offset_measured",
    "timestamp_refused",
]


def answer_of(response: httpx.Response) -> ErrorAnswer:
    """A read httpx ``response`` as the core's :class:`ErrorAnswer`."""
    request = response.request
    return ErrorAnswer(
        status=response.status_code,
        content=response.content,
        encoding=response.encoding,
        reason=response.reason_phrase,
        method=request.method,
        url=str(request.url),
        key_id=request.headers.get(ACCESS_KEY, ""),
        retry_after=retry_after_seconds(response.headers.get("Retry-After"), time.time()),
        clock_offset=offset_measured(response),
    )


def error_for_httpx(response: httpx.Response) -> KalshiAPIError:
    """The typed :class:`KalshiAPIError` for a read error ``response``.

    Its ``response`` and ``request`` are the httpx ones.
    """
    return error_from_answer(answer_of(response), response, response.request)


def timestamp_refused(response: httpx.Response) -> bool:
    """Whether a read ``response`` is Kalshi's 401 ``header_timestamp_expired``."""
    if response.status_code != 401:
        return False
    code, _, details = error_fields(response.content, response.encoding)
    return "header_timestamp_expired" in (code, details)


def offset_measured(response: httpx.Response) -> float | None:
    """Seconds the local clock is behind the ``Date`` of ``response`` (see the core's rule)."""
    date = response.headers.get("Date")
    return measured_offset(
        parse_http_date(date) if date else None,
        response.request.headers.get(ACCESS_TIMESTAMP),
        time.time,
    )


def failure_of(error: Exception) -> Failure:
    """What an exception raised while sending means for retrying."""
    if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        cause: BaseException | None = error
        seen: set[int] = set()
        while cause is not None and id(cause) not in seen:
            if isinstance(cause, ssl.SSLError):
                return Failure.FATAL  # a certificate problem does not go away by itself
            seen.add(id(cause))
            cause = cause.__cause__ or cause.__context__
        return Failure.NOT_SENT
    if isinstance(error, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.NetworkError)):
        return Failure.AFTER_SEND
    if isinstance(error, httpx.RemoteProtocolError):
        return Failure.AFTER_SEND
    return Failure.FATAL
