"""``requests`` objects in the terms of the core's attempt flow (:mod:`.core.attempts`)."""

from __future__ import annotations

import requests
from requests.utils import rewind_body

from .api_errors import parse_error_body
from .auth import KalshiAuth
from .core.attempts import Signed
from .core.retrying import Failure
from .redirects import strip_signature
from .retry import failure_of
from .signing import ACCESS_TIMESTAMP

__all__ = ["ANSWERS", "fresh_attempt", "replayable", "sign_attempt"]


class _Answers:
    """``requests`` responses and errors, as the flow asks about them."""

    def status(self, response: requests.Response) -> int:
        return response.status_code

    def header(self, response: requests.Response, name: str) -> str | None:
        return response.headers.get(name)

    def timestamp_refused(self, response: requests.Response) -> bool:
        # The flow asks only about a 401: its code or details name the refusal.
        return "header_timestamp_expired" in parse_error_body(response)[::2]

    def redirected(self, response: requests.Response) -> bool:
        return bool(response.history)

    def failure(self, error: Exception) -> Failure:
        return failure_of(error)


ANSWERS = _Answers()
"""What the flow asks of ``requests`` responses and errors."""


def sign_attempt(attempt: requests.PreparedRequest, auth: KalshiAuth | None) -> Signed | None:
    """Sign ``attempt`` now with ``auth``, or strip its signature when ``auth`` is ``None``."""
    if auth is None:
        strip_signature(attempt)
        return None
    signer = auth.signer
    auth.sign_request(attempt)
    return Signed(int(attempt.headers[ACCESS_TIMESTAMP]), signer.offset, signer.clock)


def replayable(request: requests.PreparedRequest) -> bool:
    """Whether ``request``'s body can be sent again (none, bytes, or a seekable file)."""
    body: object = request.body
    if body is None or isinstance(body, (bytes, str)):
        return True
    return hasattr(body, "seek") and isinstance(getattr(request, "_body_position", None), int)


def fresh_attempt(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """A copy of ``request`` to send again, its body rewound."""
    attempt = request.copy()
    body: object = attempt.body
    if body is not None and not isinstance(body, (bytes, str)):
        rewind_body(attempt)
    return attempt
