"""Typed errors for Kalshi's error responses, with a diagnosis of what probably went wrong."""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from .clock import measured_offset, wait_asked
from .core.clock_skew import CLOCK_AGREES
from .environments import DEMO, PRODUCTION
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
    "error_for_response",
    "error_in_response",
    "parse_error_body",
    "raise_for_kalshi",
]

_MAX_TEXT = 300
_DEPRECATED_V1 = "deprecated_v1_order_endpoint"  # Kalshi's answer to the V1 order endpoints
_TOO_MANY_REQUESTS = "too many requests"
_MAX_ERROR_BODY = 64 * 1024  # bytes: error bodies are small; larger 2xx bodies are data
_ERROR_KEY_WITHIN = 512  # bytes: an error body names "error" near its start
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


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
        self.status = response.status_code
        self.code, self.message, self.details = parse_error_body(response)
        if diagnosis is None:
            diagnosis = _diagnose(response, self.code, self.details)
        self.diagnosis = _one_line(diagnosis)
        super().__init__(self._describe(response), response=response)

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle as cls(*args), which this constructor cannot take. Keep the
        # parsed fields and drop the response (its request may hold unpicklable hooks), so
        # the error can cross process boundaries (multiprocessing, ProcessPoolExecutor).
        fields = {k: v for k, v in self.__dict__.items() if k not in ("response", "request")}
        return (_unpickle, (type(self), str(self), fields))

    def _describe(self, response: requests.Response) -> str:
        request = response.request
        text = f"Kalshi answered {self.status} {_reason(response)}".rstrip()
        if request is not None and request.method:
            text += f" to {request.method} {urlsplit(request.url or '').path or '/'}"
        what = ": ".join(part for part in (self.code, self.message.rstrip(". ")) if part)
        if self.details:
            what = f"{what} ({self.details})" if what else self.details
        if what:
            text += f": {what}"
        if self.diagnosis:
            text += f". {self.diagnosis}"
            text += "" if text.endswith((".", "!", "?")) else "."
        return text


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

    def __init__(self, response: requests.Response, diagnosis: str | None = None) -> None:
        self.clock_offset = measured_offset(response)
        if diagnosis is None:
            diagnosis = _timestamp_diagnosis(self.clock_offset)
        super().__init__(response, diagnosis)


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

    def __init__(self, response: requests.Response, diagnosis: str | None = None) -> None:
        self.retry_after = wait_asked(response)
        super().__init__(response, diagnosis)


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


def parse_error_body(response: requests.Response) -> tuple[str, str, str]:
    """``(code, message, details)`` from any of Kalshi's error body shapes.

    Handles ``{"error": {"code", "message", "details"}}``, ``{"code", "message"}``,
    ``{"msg": …}``, ``{"error": "too many requests"}`` and non-JSON bodies (an HTML page
    gives its title). Each part is one line; missing parts are ``""``.
    """
    try:
        body: Any = json.loads(response.content or b"null")
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        return "", _plain_text(response.text), ""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    if not isinstance(body, dict):
        return "", "" if body is None else _one_line(_text(body)), ""
    if isinstance(body.get("error"), str) and "message" not in body:
        message: object = body["error"]
    else:
        message = body.get("message", body.get("msg", ""))
    return (
        _one_line(_text(body.get("code"))),
        _one_line(_text(message)),
        _one_line(_text(body.get("details"))),
    )


def error_for_response(response: requests.Response) -> KalshiAPIError:
    """The typed error for an error response (status ≥ 400), with its diagnosis.

    The class follows the status: 400 :class:`BadRequestError`, 401
    :class:`AuthenticationError` (:class:`TimestampExpiredError` for
    ``header_timestamp_expired``), 403 :class:`PermissionDeniedError`, 404
    :class:`NotFoundError`, 409 :class:`ConflictError`, 429 :class:`RateLimitError`, 5xx
    :class:`ServerError`, any other :class:`KalshiAPIError`.
    """
    status = response.status_code
    code, _, details = parse_error_body(response)
    if status == 401 and "header_timestamp_expired" in (code, details):
        return TimestampExpiredError(response)
    if code == _DEPRECATED_V1:
        return DeprecatedEndpointError(response)
    if _too_many_requests(response):
        return RateLimitError(response)
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else KalshiAPIError)
    return cls(response)


def error_in_response(response: requests.Response) -> KalshiAPIError | None:
    """The typed error a response carries, or ``None`` for a success.

    An error status (≥ 400) gives :func:`error_for_response`'s error. So does a 2xx whose
    body is an error: ``{"error": {"code": …}}`` (Kalshi's ``deprecated_v1_order_endpoint``
    comes with a 2xx status) or ``{"error": "too many requests"}``. A body that was not
    read yet (``stream=True``) is not read for this.
    """
    if response.status_code >= 400 or _error_body_on_success(response):
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


def _diagnose(response: requests.Response, code: str, details: str) -> str:
    status = response.status_code
    request = response.request
    key_id = request.headers.get(ACCESS_KEY, "") if request is not None else ""
    key = f"key id {key_id!r}" if key_id else "the key id"
    if status == 401 and details == "NOT_FOUND":
        return (
            f"Kalshi does not know {key} on {_where(response)}. Demo and production keys "
            "are separate: use a demo key with the demo environment and a production key "
            "with production, and check that the key id was copied whole"
        )
    if status == 401 and details == "INCORRECT_API_KEY_SIGNATURE":
        return (
            f"The signature did not verify: the private key does not belong to {key}, or "
            "the path Kalshi saw differs from the path that was signed (a proxy or base URL "
            "that rewrites paths). Check that the key id and the key file come from the "
            "same API key"
        )
    if status == 401 and code.endswith("_missing_from_headers"):
        return (
            "The request carried no complete set of KALSHI-ACCESS-* headers: give the "
            "session a KalshiAuth (session(key_id=…, private_key=…)), or check that nothing "
            "between you and Kalshi drops them"
        )
    if status == 401:
        return (
            f"Kalshi refused the credentials: check that {key} and the key file belong "
            f"together and to this environment ({_where(response)})"
        )
    if status == 409 and code == "order_already_exists":
        return (
            "An order with this client_order_id exists already, perhaps from an earlier "
            "attempt that succeeded: look it up instead of placing it again, and use a new "
            "client_order_id only for a new order"
        )
    if status == 400 and _limit_over_1000(response):
        return "The limit may be at most 1000: ask for fewer items and follow the cursor"
    if code == _DEPRECATED_V1:
        return (
            "Kalshi retired the V1 order endpoints and did nothing: create orders with "
            "POST /portfolio/events/orders and cancel them with "
            "DELETE /portfolio/events/orders/{order_id}"
        )
    if status == 429 or _too_many_requests(response):
        wait = wait_asked(response)
        asked = f"Kalshi asks to wait {wait:g} s. " if wait is not None else ""
        return (
            f"{asked}Kalshi's rate limit was hit: slow down, or let the session pace requests "
            "with session(..., rate_limit='basic') or your tier (see the rate-limits guide)"
        )
    if status >= 500 and request is not None and request.method == "POST":
        return (
            "Kalshi may or may not have acted on this POST: check (for an order, by its "
            "client_order_id) before sending it again"
        )
    return ""


def _small_json_object(response: requests.Response) -> Any:
    """The body as JSON if it was read already and is a small object; else ``None``."""
    # Never read a streamed body that was not read yet: that would consume it.
    if getattr(response, "_content", False) is False:
        return None
    content = response.content or b""
    if len(content) > _MAX_ERROR_BODY or b'"error"' not in content[:_ERROR_KEY_WITHIN]:
        return None
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def _error_body_on_success(response: requests.Response) -> bool:
    body = _small_json_object(response)
    return body is not None and (
        isinstance(body.get("error"), dict) or body.get("error") == _TOO_MANY_REQUESTS
    )


def _too_many_requests(response: requests.Response) -> bool:
    """Kalshi's rate-limit body, ``{"error": "too many requests"}``, whatever the status."""
    body = _small_json_object(response)
    return body is not None and body.get("error") == _TOO_MANY_REQUESTS


def _timestamp_diagnosis(offset: float | None) -> str:
    if offset is not None and abs(offset) <= CLOCK_AGREES:
        return (
            f"The local clock agrees with Kalshi's (within {abs(offset):.1f} s, measured from "
            "the response's Date header), so the request reached Kalshi long after it was "
            "signed: sign right before sending (do not re-send an old prepared request), "
            "and check for a slow proxy or a long wait between signing and sending"
        )
    if offset is None:
        return (
            "The signed timestamp was outside Kalshi's window, so the local clock is "
            "probably off (the response had no Date header to measure by how much). Sync it "
            "(NTP), or set KalshiAuth.clock_offset"
        )
    direction = "behind" if offset > 0 else "ahead of"
    return (
        f"The local clock is off by {abs(offset):.1f} s ({direction} Kalshi's, measured from "
        "the response's Date header). Sync it (NTP), or set KalshiAuth.clock_offset; "
        "KalshiSession corrects it by itself once (correct_clock=True)"
    )


def _limit_over_1000(response: requests.Response) -> bool:
    url = response.request.url if response.request is not None else None
    values = parse_qs(urlsplit(url or "").query).get("limit", [])
    return any(value.isascii() and value.isdigit() and int(value) > 1000 for value in values)


def _where(response: requests.Response) -> str:
    request = response.request
    host = urlsplit((request.url if request is not None else None) or response.url or "")
    name = host.hostname or "this host"
    for environment in (DEMO, PRODUCTION):
        if name in environment.hosts:
            return f"{name} ({environment.name})"
    return name


def _reason(response: requests.Response) -> str:
    if response.reason:
        return _one_line(str(response.reason))
    try:
        return HTTPStatus(response.status_code).phrase
    except ValueError:
        return ""


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, separators=(",", ":"))
    except RecursionError:  # nested deeper than the stack allows: not worth showing
        return "(deeply nested JSON)"


def _plain_text(text: str) -> str:
    if text.lstrip()[:1] == "<":
        title = _TITLE.search(text)
        return _one_line(title.group(1)) if title else ""
    return _one_line(text)


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"
