"""Kalshi's error bodies and what they mean, read from plain values (no HTTP client).

Each adapter turns its client's response into an :class:`ErrorAnswer` and asks these
functions for the error's code, message and details, and for the diagnosis text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from requests_kalshi.environments import DEMO, PRODUCTION

from .clock_skew import CLOCK_AGREES

__all__ = [
    "DEPRECATED_V1",
    "ErrorAnswer",
    "describe",
    "diagnose",
    "error_body_on_success",
    "error_fields",
    "one_line",
    "timestamp_diagnosis",
    "too_many_requests",
]

DEPRECATED_V1 = "deprecated_v1_order_endpoint"
"""Kalshi's error code for the retired V1 order endpoints (answered with a 2xx status)."""

_MAX_TEXT = 300
_TOO_MANY_REQUESTS = "too many requests"
_MAX_ERROR_BODY = 64 * 1024  # bytes: error bodies are small; larger 2xx bodies are data
_ERROR_KEY_WITHIN = 512  # bytes: an error body names "error" near its start
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class ErrorAnswer:
    """One response as the diagnosis reads it.

    :ivar status: the HTTP status code.
    :ivar content: the body's bytes, or ``None`` when it was not read (a streamed body).
    :ivar encoding: the body's text encoding, or ``None`` for UTF-8.
    :ivar reason: the status line's reason phrase, or ``""``.
    :ivar method: the request's method, or ``""`` when the request is unknown.
    :ivar url: the request's URL (else the response's), or ``""``.
    :ivar key_id: the ``KALSHI-ACCESS-KEY`` the request carried, or ``""``.
    :ivar retry_after: seconds a ``Retry-After`` header asked to wait, or ``None``.
    :ivar clock_offset: seconds the local clock is behind the ``Date`` header, or ``None``.
    """

    status: int
    content: bytes | None
    encoding: str | None = None
    reason: str = ""
    method: str = ""
    url: str = ""
    key_id: str = ""
    retry_after: float | None = None
    clock_offset: float | None = None


def error_fields(content: bytes | None, encoding: str | None = None) -> tuple[str, str, str]:
    """``(code, message, details)`` from any of Kalshi's error body shapes.

    Handles ``{"error": {"code", "message", "details"}}``, ``{"code", "message"}``,
    ``{"msg": …}``, ``{"error": "too many requests"}`` and non-JSON bodies (an HTML page
    gives its title). Each part is one line; missing parts are ``""``.

    >>> error_fields(b'{"error": {"code": "not_found", "message": "no market"}}')
    ('not_found', 'no market', '')
    >>> error_fields(b"<html><title>502 Bad Gateway</title></html>")
    ('', '502 Bad Gateway', '')
    """
    try:
        body: Any = json.loads(content or b"null")
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        return "", _plain_text(_decode(content or b"", encoding)), ""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    if not isinstance(body, dict):
        return "", "" if body is None else one_line(_text(body)), ""
    if isinstance(body.get("error"), str) and "message" not in body:
        message: object = body["error"]
    else:
        message = body.get("message", body.get("msg", ""))
    return (
        one_line(_text(body.get("code"))),
        one_line(_text(message)),
        one_line(_text(body.get("details"))),
    )


def error_body_on_success(content: bytes | None) -> bool:
    """Whether a 2xx body is an error: ``{"error": {…}}`` or ``{"error": "too many requests"}``.

    :param content: the body, or ``None`` when it was not read (it is then not an error).
    """
    body = _small_json_object(content)
    return body is not None and (
        isinstance(body.get("error"), dict) or body.get("error") == _TOO_MANY_REQUESTS
    )


def too_many_requests(content: bytes | None) -> bool:
    """Whether a body is Kalshi's rate-limit answer, ``{"error": "too many requests"}``."""
    body = _small_json_object(content)
    return body is not None and body.get("error") == _TOO_MANY_REQUESTS


def diagnose(answer: ErrorAnswer, code: str, details: str) -> str:
    """What probably went wrong and how to fix it, or ``""`` when nothing is known."""
    status = answer.status
    key = f"key id {answer.key_id!r}" if answer.key_id else "the key id"
    if status == 401 and details == "NOT_FOUND":
        return (
            f"Kalshi does not know {key} on {_where(answer.url)}. Demo and production keys "
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
            f"together and to this environment ({_where(answer.url)})"
        )
    if status == 409 and code == "order_already_exists":
        return (
            "An order with this client_order_id exists already, perhaps from an earlier "
            "attempt that succeeded: look it up instead of placing it again, and use a new "
            "client_order_id only for a new order"
        )
    if status == 400 and _limit_over_1000(answer.url):
        return "The limit may be at most 1000: ask for fewer items and follow the cursor"
    if code == DEPRECATED_V1:
        return (
            "Kalshi retired the V1 order endpoints and did nothing: create orders with "
            "POST /portfolio/events/orders and cancel them with "
            "DELETE /portfolio/events/orders/{order_id}"
        )
    if status == 429 or too_many_requests(answer.content):
        wait = answer.retry_after
        asked = f"Kalshi asks to wait {wait:g} s. " if wait is not None else ""
        return (
            f"{asked}Kalshi's rate limit was hit: slow down, or let the session pace requests "
            "with session(..., rate_limit='basic') or your tier (see the rate-limits guide)"
        )
    if status >= 500 and answer.method == "POST":
        return (
            "Kalshi may or may not have acted on this POST: check (for an order, by its "
            "client_order_id) before sending it again"
        )
    return ""


def timestamp_diagnosis(offset: float | None) -> str:
    """The diagnosis of a refused timestamp, given how far the local clock is off (or ``None``)."""
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


def describe(answer: ErrorAnswer, fields: tuple[str, str, str], diagnosis: str) -> str:
    """One line: status, method and path, Kalshi's code, message and details, the diagnosis.

    :param fields: ``(code, message, details)``, as :func:`error_fields` gives them.
    """
    code, message, details = fields
    text = f"Kalshi answered {answer.status} {_reason(answer)}".rstrip()
    if answer.method:
        text += f" to {answer.method} {urlsplit(answer.url).path or '/'}"
    what = ": ".join(part for part in (code, message.rstrip(". ")) if part)
    if details:
        what = f"{what} ({details})" if what else details
    if what:
        text += f": {what}"
    if diagnosis:
        text += f". {diagnosis}"
        text += "" if text.endswith((".", "!", "?")) else "."
    return text


def one_line(text: str) -> str:
    """``text`` on one line (whitespace runs become one space), cut to 300 characters."""
    text = " ".join(text.split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def _small_json_object(content: bytes | None) -> Any:
    """The body as JSON if it was read and is a small object; else ``None``."""
    content = content or b""
    if len(content) > _MAX_ERROR_BODY or b'"error"' not in content[:_ERROR_KEY_WITHIN]:
        return None
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def _limit_over_1000(url: str) -> bool:
    values = parse_qs(urlsplit(url).query).get("limit", [])
    return any(value.isascii() and value.isdigit() and int(value) > 1000 for value in values)


def _where(url: str) -> str:
    name = urlsplit(url).hostname or "this host"
    for environment in (DEMO, PRODUCTION):
        if name in environment.hosts:
            return f"{name} ({environment.name})"
    return name


def _reason(answer: ErrorAnswer) -> str:
    if answer.reason:
        return one_line(answer.reason)
    try:
        return HTTPStatus(answer.status).phrase
    except ValueError:
        return ""


def _decode(content: bytes, encoding: str | None) -> str:
    try:
        return content.decode(encoding or "utf-8", errors="replace")
    except LookupError:  # an encoding name Python does not know
        return content.decode("utf-8", errors="replace")


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
        return one_line(title.group(1)) if title else ""
    return one_line(text)
