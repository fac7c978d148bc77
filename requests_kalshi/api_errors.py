"""Typed errors for Kalshi's error responses, with a diagnosis of what probably went wrong."""

from __future__ import annotations

import json
from typing import Any

import requests

from .clock import clock_offset
from .errors import KalshiError
from .signing import ACCESS_KEY

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "KalshiAPIError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "TimestampExpiredError",
    "error_for_response",
    "parse_error_body",
    "raise_for_kalshi",
]


class KalshiAPIError(KalshiError, requests.HTTPError):
    """Kalshi answered with an HTTP error status.

    Also a :class:`requests.HTTPError`, so ``except requests.RequestException`` catches it.

    :ivar status: the HTTP status code.
    :ivar code: Kalshi's error code (``"authentication_error"``…), or ``""``.
    :ivar message: Kalshi's error message, or the response text.
    :ivar details: Kalshi's error details (``"NOT_FOUND"``…), or ``""``.
    :ivar diagnosis: what probably went wrong and how to fix it, or ``""``.
    """

    status: int
    code: str
    message: str
    details: str
    diagnosis: str

    def __init__(self, response: requests.Response, diagnosis: str = "") -> None:
        self.status = response.status_code
        self.code, self.message, self.details = parse_error_body(response)
        self.diagnosis = diagnosis
        super().__init__(self._describe(response), response=response)

    def _describe(self, response: requests.Response) -> str:
        request = response.request
        where = f" for {request.method} {request.path_url.split('?', 1)[0]}" if request else ""
        what = ": ".join(part for part in (self.code, self.message) if part)
        if self.details:
            what = f"{what} ({self.details})" if what else self.details
        text = f"{self.status} {response.reason or ''}".strip() + where
        if what:
            text += f": {what}"
        if self.diagnosis:
            text += f". {self.diagnosis}"
        return text


class BadRequestError(KalshiAPIError):
    """400: the request's parameters or body are not valid."""


class AuthenticationError(KalshiAPIError):
    """401: Kalshi did not accept the request's signature headers."""


class TimestampExpiredError(AuthenticationError):
    """401 ``header_timestamp_expired``: the signed timestamp was outside Kalshi's window.

    :ivar clock_offset: seconds to add to the local clock to match Kalshi's (from ``Date``),
        or ``None`` when the response had no usable ``Date`` header.
    """

    clock_offset: float | None


class PermissionDeniedError(KalshiAPIError):
    """403: the key may not do this."""


class NotFoundError(KalshiAPIError):
    """404: no such market, order or endpoint."""


class ConflictError(KalshiAPIError):
    """409: for example ``order_already_exists``, a reused ``client_order_id``."""


class RateLimitError(KalshiAPIError):
    """429: too many requests.

    :ivar retry_after: seconds from a ``Retry-After`` header, or ``None`` (Kalshi sends none).
    """

    retry_after: float | None


class ServerError(KalshiAPIError):
    """5xx: Kalshi failed to answer."""


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
    ``{"msg": …}``, ``{"error": "too many requests"}`` and plain text.
    """
    try:
        body: Any = json.loads(response.content or b"null")
    except ValueError:
        return "", response.text.strip()[:500], ""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    if not isinstance(body, dict):
        return "", "" if body is None else str(body)[:500], ""
    if isinstance(body.get("error"), str) and "message" not in body:
        return "", body["error"], _text(body.get("details"))
    message = body.get("message", body.get("msg", ""))
    return _text(body.get("code")), _text(message), _text(body.get("details"))


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def error_for_response(response: requests.Response) -> KalshiAPIError:
    """The typed error for an error response (status ≥ 400), with its diagnosis."""
    status = response.status_code
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else KalshiAPIError)
    code, _, details = parse_error_body(response)
    if status == 401 and code == "header_timestamp_expired":
        offset = clock_offset(response)
        error: KalshiAPIError = TimestampExpiredError(response, _timestamp_diagnosis(offset))
        error.clock_offset = offset  # type: ignore[attr-defined]
        return error
    error = cls(response, _diagnose(response, code, details))
    if isinstance(error, RateLimitError):
        error.retry_after = _retry_after(response)
    return error


def raise_for_kalshi(response: requests.Response) -> None:
    """Raise the typed :class:`KalshiAPIError` for an error response; do nothing otherwise.

    Like :meth:`requests.Response.raise_for_status`, with Kalshi's error code, message,
    details and a diagnosis.

    :raises KalshiAPIError: a subclass matching the status, when the status is 400 or more.
    """
    if response.status_code >= 400:
        raise error_for_response(response)


def _diagnose(response: requests.Response, code: str, details: str) -> str:
    status = response.status_code
    request = response.request
    key_id = request.headers.get(ACCESS_KEY, "") if request is not None else ""
    host = _host(response)
    if status == 401 and details == "NOT_FOUND":
        return (
            f"Kalshi does not know the key id {key_id!r} on {host}. Demo and production keys "
            "are separate: use a demo key with the demo environment and a production key with "
            "production, and check the key id was copied whole."
        )
    if status == 401 and details == "INCORRECT_API_KEY_SIGNATURE":
        return (
            "the signature did not verify: the private key does not belong to key id "
            f"{key_id!r}, or the path Kalshi saw differs from the path that was signed (a proxy "
            "or base URL that rewrites paths). Check that key id and key file come from the "
            "same API key."
        )
    if status == 401 and code == "signature_is_missing_from_headers":
        return (
            "the request carried no KALSHI-ACCESS-* headers: give the session a KalshiAuth "
            "(session(key_id=…, private_key=…)) or check that nothing between you and Kalshi "
            "drops them."
        )
    if status == 429:
        return (
            "Kalshi's rate limit was hit: slow down, or let the session pace requests with "
            "rate_limit= (see the reliability guide)."
        )
    return ""


def _timestamp_diagnosis(offset: float | None) -> str:
    if offset is None:
        return (
            "the signed timestamp was outside Kalshi's window: the local clock is probably "
            "off. Sync it (NTP), or set KalshiAuth.clock_offset."
        )
    direction = "behind" if offset > 0 else "ahead of"
    return (
        f"the local clock is off by {abs(offset):.1f} s ({direction} Kalshi's, from the "
        "response's Date header). Sync it (NTP), or set KalshiAuth.clock_offset; KalshiSession "
        "corrects this by itself."
    )


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    return None


def _host(response: requests.Response) -> str:
    request = response.request
    url = (request.url if request is not None else None) or response.url or ""
    return url.split("/")[2] if url.count("/") >= 2 else "this environment"
