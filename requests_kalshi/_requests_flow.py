"""``requests`` objects in the terms of the core's attempt flow, and its blocking driver."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import requests
from requests.utils import rewind_body

from .api_errors import parse_error_body
from .auth import KalshiAuth, signer_of
from .core.attempts import (
    AttemptPolicy,
    Close,
    Hop,
    Pace,
    Read,
    Send,
    SetOffset,
    Sign,
    Signed,
    Wait,
    drive,
)
from .core.retrying import Failure
from .core.steps import Step
from .redirects import chain_of, strip_signature
from .retry import failure_of
from .session_options import RateLimiterLike
from .signing import ACCESS_TIMESTAMP

__all__ = [
    "ANSWERS",
    "fresh_attempt",
    "replayable",
    "run_attempts",
    "sign_attempt",
    "signers_of",
]


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


def signers_of(request: requests.PreparedRequest) -> tuple[KalshiAuth | None, KalshiAuth | None]:
    """The auth ``request`` belongs to, and the auth that signs it now (or ``None``: stripped).

    A hop after one that went out unsigned is never signed again (see :mod:`.redirects`).
    """
    chain, signer = chain_of(request), signer_of(request)
    signs = chain is not None and not chain.unsigned
    return signer, signer if signs and signer and signer.signs_for(request.url or "") else None


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


def run_attempts(
    request: requests.PreparedRequest,
    policy: AttemptPolicy,
    *,
    send: Callable[[requests.PreparedRequest], requests.Response],
    signer: KalshiAuth | None,
    signing: KalshiAuth | None,
    limiter: RateLimiterLike | None,
    sleep: Callable[[float], None],
) -> requests.Response:
    """Send ``request`` by the core's flow, each step done here, blocking.

    :param send: sends one attempt (redirects followed by ``requests``, each hop through it).
    :param signer: the auth the request belongs to, if any.
    :param signing: the auth that signs it (``None``: stripped of any signature).
    """
    hop = Hop(
        method=(request.method or "GET").upper(),
        path=urlsplit(request.url or "").path or "/",
        replayable=replayable(request),
        signed=signer is not None,
        trusted=signing is not None,
    )
    attempt = request

    def act(step: Step) -> object:
        nonlocal attempt
        if isinstance(step, Wait):
            sleep(step.seconds)
        elif isinstance(step, Pace):
            assert limiter is not None  # noqa: S101 - only yielded with one
            limiter.acquire(step.method, step.path)
        elif isinstance(step, Sign):
            return sign_attempt(attempt, signing)  # now, after every wait
        elif isinstance(step, Send):
            try:
                return send(attempt)
            except requests.RequestException as error:
                failed = getattr(error, "request", None)
                if failed is not None and failed is not attempt:
                    raise  # a later redirect hop failed; it had its own retries
                return error
        elif isinstance(step, Read):
            step.response.content  # noqa: B018 - reads the body
        elif isinstance(step, Close):
            step.response.close()
        elif isinstance(step, SetOffset):
            assert signing is not None  # noqa: S101 - only a signed request's clock
            signing.clock_offset = step.offset
        else:
            attempt = fresh_attempt(request)
        return None

    return drive(policy.attempts(hop, ANSWERS), act)
