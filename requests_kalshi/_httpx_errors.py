"""httpx responses and exceptions in the terms of the core and of :mod:`api_errors`."""

from __future__ import annotations

import ssl

import httpx
import requests
from requests.structures import CaseInsensitiveDict

from .api_errors import KalshiAPIError, error_for_response, parse_error_body
from .core.retrying import Failure

__all__ = ["as_requests_response", "error_for_httpx", "failure_of", "timestamp_refused"]


def as_requests_response(response: httpx.Response) -> requests.Response:
    """A read ``response`` as a :class:`requests.Response`, for the shared error parsing."""
    converted = requests.Response()
    converted.status_code = response.status_code
    converted._content = response.content
    converted.headers = CaseInsensitiveDict(response.headers.multi_items())
    converted.url = str(response.url)
    converted.reason = response.reason_phrase
    converted.encoding = response.encoding
    request = response.request
    prepared = requests.PreparedRequest()
    prepared.method = request.method
    prepared.url = str(request.url)
    prepared.headers = CaseInsensitiveDict(request.headers.multi_items())
    converted.request = prepared
    return converted


def error_for_httpx(response: httpx.Response) -> KalshiAPIError:
    """The typed :class:`KalshiAPIError` for a read error ``response``.

    Its ``response`` and ``request`` are the httpx ones.
    """
    error = error_for_response(as_requests_response(response))
    error.response = response
    error.request = response.request
    return error


def timestamp_refused(response: httpx.Response) -> bool:
    """Whether a read ``response`` is Kalshi's 401 ``header_timestamp_expired``."""
    if response.status_code != 401:
        return False
    code, _, details = parse_error_body(as_requests_response(response))
    return "header_timestamp_expired" in (code, details)


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
