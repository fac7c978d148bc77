"""Typed errors for Kalshi's error responses, with a diagnosis of what probably went wrong."""

from __future__ import annotations

from typing import Any

import requests

from .clock import measured_offset, wait_asked
from .core.error_bodies import (
    DEPRECATED_V1,
    ErrorAnswer,
    describe,
    diagnose,
    error_body_on_success,
    error_fields,
    one_line,
    timestamp_diagnosis,
    too_many_requests,
)
from .errors import KalshiError
from .signing import ACCESS_KEY

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "DeprecatedEndpointError",
    "KalshiAPIError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "TimestampExpiredError",
    "answer_of",
    "error_class",
    "error_for_response",
    "error_from_answer",
    "error_in_response",
    "parse_error_body",
    "raise_for_kalshi",
]


class KalshiAPIError(KalshiError, requests.HTTPError):
    """Kalshi answered with an HTTP error status.

    Also a :class:`requests.HTTPError`, so ``except requests.RequestException`` catches it,
    and ``error.response`` is the response. ``str(error)`` is one line: status, method and
    path, Kalshi's code, message and details, then the diagnosis. It never holds the
    signature or any key material (the key id is not secret and may appear). The error
    pickles (to cross process boundaries) with its parsed fields; the unpickled copy's
    ``response`` is ``None``.

    :param response: the error response.
    :param diagnosis: what probably went wrong; worked out from the response when ``None``.
    :ivar status: the HTTP status code.
    :ivar code: Kalshi's error code (``"authentication_error"``…), or ``""``.
    :ivar message: Kalshi's error message, or the start of a non-JSON body, or ``""``.
    :ivar details: Kalshi's error details (``"NOT_FOUND"``…), or ``""``.
    :ivar diagnosis: what probably went wrong and how to fix it, or ``""``.
    """

    status: int
    code: str
    message: str
    details: str
    diagnosis: str

    def __init__(self, response: requests.Response, diagnosis: str | None = None) -> None:
        text = self._read(answer_of(response), diagnosis)
        super().__init__(text, response=response)

    def _read(self, answer: ErrorAnswer, diagnosis: str | None) -> str:
        """Take the parsed fields from ``answer``; return the error's text."""
        self.status = answer.status
        fields = error_fields(answer.content, answer.encoding)
        self.code, self.message, self.details = fields
        if diagnosis is None:
            diagnosis = self._diagnose(answer)
        self.diagnosis = one_line(diagnosis)
        return describe(answer, fields, self.diagnosis)

    def _diagnose(self, answer: ErrorAnswer) -> str:
        return diagnose(answer, self.code, self.details)

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle as cls(*args), which this constructor cannot take. Keep the
        # parsed fields and drop the response (its request may hold unpicklable hooks), so
        # the error can cross process boundaries (multiprocessing, ProcessPoolExecutor).
        fields = {k: v for k, v in self.__dict__.items() if k not in ("response", "request")}
        return (_unpickle, (type(self), str(self), fields))


class BadRequestError(KalshiAPIError):
    """400: the request's parameters or body are not valid."""


class AuthenticationError(KalshiAPIError):
    """401: Kalshi did not accept the request's signature headers."""


class TimestampExpiredError(AuthenticationError):
    """401 ``header_timestamp_expired``: the signed timestamp was outside Kalshi's window.

    :ivar clock_offset: seconds to add to the local clock to match Kalshi's, measured from
        the response's ``Date`` header and the signed timestamp, or ``None`` when the
        response had no usable ``Date`` header.
    """

    clock_offset: float | None

    def _read(self, answer: ErrorAnswer, diagnosis: str | None) -> str:
        self.clock_offset = answer.clock_offset
        return super()._read(answer, diagnosis)

    def _diagnose(self, answer: ErrorAnswer) -> str:
        return timestamp_diagnosis(self.clock_offset)


class PermissionDeniedError(KalshiAPIError):
    """403: the key may not do this."""


class NotFoundError(KalshiAPIError):
    """404: no such market, order or endpoint."""


class ConflictError(KalshiAPIError):
    """409: for example ``order_already_exists``, a reused ``client_order_id``."""


class RateLimitError(KalshiAPIError):
    """429: too many requests.

    :ivar retry_after: seconds a ``Retry-After`` header asked to wait (delay-seconds or an
        HTTP date), or ``None`` (Kalshi sends none today).
    """

    retry_after: float | None

    def _read(self, answer: ErrorAnswer, diagnosis: str | None) -> str:
        self.retry_after = answer.retry_after
        return super()._read(answer, diagnosis)


class ServerError(KalshiAPIError):
    """5xx: Kalshi failed to answer."""


class DeprecatedEndpointError(KalshiAPIError):
    """``deprecated_v1_order_endpoint``: a retired V1 order endpoint; nothing was done.

    Kalshi answers it with a 2xx status, so ``response.ok`` is true and only the body tells;
    :func:`raise_for_kalshi` (and ``session(..., raise_errors=True)``) raise it anyway.
    Orders are created with ``POST /portfolio/events/orders`` and cancelled with
    ``DELETE /portfolio/events/orders/{order_id}``.
    """


def _unpickle(cls: type[KalshiAPIError], text: str, fields: dict[str, Any]) -> KalshiAPIError:
    error = cls.__new__(cls)
    Exception.__init__(error, text)
    error.response = None
    error.request = None
    error.__dict__.update(fields)
    return error


_BY_STATUS: dict[int, type[KalshiAPIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def answer_of(response: requests.Response) -> ErrorAnswer:
    """A read ``requests`` response as the core's :class:`ErrorAnswer` (reads the body)."""
    request = response.request
    return ErrorAnswer(
        status=response.status_code,
        content=response.content,
        encoding=response.encoding,
        reason=str(response.reason or ""),
        method=(request.method or "") if request is not None else "",
        url=(request.url if request is not None else None) or response.url or "",
        key_id=request.headers.get(ACCESS_KEY, "") if request is not None else "",
        retry_after=wait_asked(response),
        clock_offset=measured_offset(response),
    )


def parse_error_body(response: requests.Response) -> tuple[str, str, str]:
    """``(code, message, details)`` from any of Kalshi's error body shapes.

    Handles ``{"error": {"code", "message", "details"}}``, ``{"code", "message"}``,
    ``{"msg": …}``, ``{"error": "too many requests"}`` and non-JSON bodies (an HTML page
    gives its title). Each part is one line; missing parts are ``""``.
    """
    return error_fields(response.content, response.encoding)


def error_for_response(response: requests.Response) -> KalshiAPIError:
    """The typed error for an error response (status ≥ 400), with its diagnosis.

    The class follows the status: 400 :class:`BadRequestError`, 401
    :class:`AuthenticationError` (:class:`TimestampExpiredError` for
    ``header_timestamp_expired``), 403 :class:`PermissionDeniedError`, 404
    :class:`NotFoundError`, 409 :class:`ConflictError`, 429 :class:`RateLimitError`, 5xx
    :class:`ServerError`, any other :class:`KalshiAPIError`.
    """
    return error_class(response.status_code, response.content, response.encoding)(response)


def error_class(
    status: int, content: bytes | None, encoding: str | None = None
) -> type[KalshiAPIError]:
    """The class of the error for a status and body (see :func:`error_for_response`)."""
    code, _, details = error_fields(content, encoding)
    if status == 401 and "header_timestamp_expired" in (code, details):
        return TimestampExpiredError
    if code == DEPRECATED_V1:
        return DeprecatedEndpointError
    if too_many_requests(content):
        return RateLimitError
    return _BY_STATUS.get(status, ServerError if status >= 500 else KalshiAPIError)


def error_from_answer(answer: ErrorAnswer, response: object, request: object) -> KalshiAPIError:
    """The typed error for an answer another HTTP client read (httpx).

    :param answer: the response as plain values.
    :param response: that client's response, for ``error.response``.
    :param request: that client's request, for ``error.request``.
    """
    cls = error_class(answer.status, answer.content, answer.encoding)
    error = cls.__new__(cls)
    Exception.__init__(error, error._read(answer, None))
    error.response = response
    error.request = request
    return error


def error_in_response(response: requests.Response) -> KalshiAPIError | None:
    """The typed error a response carries, or ``None`` for a success.

    An error status (≥ 400) gives :func:`error_for_response`'s error. So does a 2xx whose
    body is an error: ``{"error": {"code": …}}`` (Kalshi's ``deprecated_v1_order_endpoint``
    comes with a 2xx status) or ``{"error": "too many requests"}``. A body that was not
    read yet (``stream=True``) is not read for this.
    """
    # Never read a streamed body that was not read yet: that would consume it.
    content = None if getattr(response, "_content", False) is False else response.content
    if response.status_code >= 400 or error_body_on_success(content):
        return error_for_response(response)
    return None


def raise_for_kalshi(response: requests.Response) -> None:
    """Raise the typed :class:`KalshiAPIError` for an error response; do nothing otherwise.

    Like :meth:`requests.Response.raise_for_status` (statuses below 400 pass), with Kalshi's
    error code, message, details and a diagnosis.

    Also raises for a 2xx answer whose body is an error, such as Kalshi's
    ``deprecated_v1_order_endpoint`` (see :func:`error_in_response`).

    :raises KalshiAPIError: a subclass matching the status (see :func:`error_for_response`),
        when the status is 400 or more or the body is an error.
    """
    error = error_in_response(response)
    if error is not None:
        raise error
