"""The httpx transports of :func:`requests_kalshi.httpx.client`: pacing, signing, retries.

One generator, :func:`attempts`, holds the whole policy for one request: it yields what to
do next (wait, sign, send, read, close) and receives what happened. A sync and an async
driver run it, each waiting and sending its own way, so both clients follow the same rules.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from ._httpx_errors import error_for_httpx, failure_of, timestamp_refused
from ._httpx_wire import MARK, Mark, sign_request, wire_path
from .core.clock_skew import judge_clock
from .core.http_dates import parse_http_date, retry_after_seconds
from .core.retrying import Failure, RetryRules
from .core.signature import ACCESS_TIMESTAMP
from .errors import ConfigurationError
from .ratelimit import RateLimiter

__all__ = ["AsyncKalshiTransport", "KalshiTransport", "Policy"]

log = logging.getLogger("requests_kalshi")


class Limiter(Protocol):
    """What the sync transport needs of a rate limiter."""

    def acquire(self, method: str, path: str) -> None:
        """Block until a ``method`` request to ``path`` fits the budget, then take it."""


@dataclass(frozen=True)
class Wait:
    """Wait this many seconds."""

    seconds: float


@dataclass(frozen=True)
class Pace:
    """Wait for the rate limiter's tokens for this request."""

    method: str
    path: str


@dataclass(frozen=True)
class Sign:
    """Sign (or strip) the request for its target, now."""

    request: httpx.Request
    mark: Mark


@dataclass(frozen=True)
class Send:
    """Send the request; the answer is a response or the exception raised."""

    request: httpx.Request


@dataclass(frozen=True)
class Read:
    """Read the response's body."""

    response: httpx.Response


@dataclass(frozen=True)
class Close:
    """Close the response, unread."""

    response: httpx.Response


Step = Wait | Pace | Sign | Send | Read | Close
Flow = Generator[Step, Any, httpx.Response]


@dataclass(frozen=True)
class Policy:
    """Everything a transport decides with, fixed when the client is made."""

    rules: RetryRules = field(default_factory=RetryRules)
    limiter: Limiter | None = None
    raise_errors: bool = False
    correct_clock: bool = True
    monotonic: Callable[[], float] = time.monotonic
    jitter: Callable[[], float] = random.random

    def attempts(self, request: httpx.Request) -> Flow:
        """The steps of sending ``request`` with this policy; returns the final response."""
        mark = request.extensions.get(MARK)
        mark = mark if isinstance(mark, Mark) else None
        method, path = request.method.upper(), wire_path(request.url)
        replayable = isinstance(request.stream, httpx.ByteStream)
        state = self.rules.start(self.monotonic())
        clock_corrected = False
        while True:
            if self.limiter is not None:
                yield Pace(method, path)
            if mark is not None:
                yield Sign(request, mark)
            sent_at = mark.auth.signer.clock() if mark is not None else 0.0
            outcome = yield Send(request)
            if isinstance(outcome, Exception):
                failure = failure_of(outcome)
                next_state = state.increment(
                    method, failure, now=self.monotonic(), rand=self.jitter(), replayable=replayable
                )
                if next_state is None:
                    raise outcome
                what = type(outcome).__name__
            else:
                response: httpx.Response = outcome
                status = response.status_code
                if status < 400:
                    return response
                if status == 401 and mark is not None and self.correct_clock and replayable:
                    yield Read(response)
                    if not clock_corrected and self._corrects_clock(response, mark, sent_at):
                        clock_corrected = True
                        continue
                retry_after = retry_after_seconds(response.headers.get("Retry-After"), time.time())
                next_state = state.increment(
                    method,
                    Failure.STATUS,
                    status=status,
                    retry_after=retry_after,
                    now=self.monotonic(),
                    rand=self.jitter(),
                    replayable=replayable,
                )
                if next_state is None:
                    if self.raise_errors and status >= 400:
                        yield Read(response)
                        raise error_for_httpx(response)
                    return response
                yield Close(response)
                what = f"answered {status}"
            log.warning(
                "%s %s %s; retry %d in %.2f s",
                method, path, what, next_state.retries, next_state.delay,
            )  # fmt: skip
            state = next_state
            yield Wait(state.delay)

    @staticmethod
    def _corrects_clock(response: httpx.Response, mark: Mark, sent_at: float) -> bool:
        if not timestamp_refused(response):
            return False
        signed = response.request.headers.get(ACCESS_TIMESTAMP, "")
        date = response.headers.get("Date")
        signer = mark.auth.signer
        verdict = judge_clock(
            signed_ms=int(signed) if signed.isascii() and signed.isdigit() else 0,
            sent_at=sent_at,
            offset=signer.offset,
            server_date=parse_http_date(date) if date else None,
        )
        if verdict.offset is None:
            log.warning("Kalshi refused the timestamp; clock not corrected: %s", verdict.reason)
            return False
        mark.auth.clock_offset = verdict.offset
        log.warning(
            "Kalshi refused the timestamp: the local clock is off by %+.1f s; clock offset is "
            "now %+.1f s, retrying once",
            verdict.clock_error,
            verdict.offset,
        )
        return True


def _sign(step: Sign) -> None:
    sign_request(step.request, step.mark)


class KalshiTransport(httpx.BaseTransport):
    """Wraps a sync transport: every attempt paced, signed after its wait, retried safely."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        policy: Policy,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the wrapped transport with the client's policy."""
        flow = self._policy.attempts(request)
        step = next(flow)
        while True:
            outcome: object = None
            if isinstance(step, Wait):
                self._sleep(step.seconds)
            elif isinstance(step, Pace):
                assert self._policy.limiter is not None  # noqa: S101 - only yielded with one
                self._policy.limiter.acquire(step.method, step.path)
            elif isinstance(step, Sign):
                _sign(step)
            elif isinstance(step, Send):
                try:
                    outcome = self._inner.handle_request(step.request)
                except httpx.TransportError as error:
                    outcome = error
                else:
                    outcome.request = step.request
            elif isinstance(step, Read):
                step.response.read()
            else:
                step.response.close()
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                response: httpx.Response = done.value
                return response

    def close(self) -> None:
        """Close the wrapped transport."""
        self._inner.close()


class AsyncKalshiTransport(httpx.AsyncBaseTransport):
    """Wraps an async transport: the same policy as :class:`KalshiTransport`, never blocking.

    :param sign_in_thread: sign in a worker thread instead of on the event loop.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: Policy,
        *,
        sign_in_thread: bool = False,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._sign_in_thread = sign_in_thread
        self._sleep = sleep
        self._limiter: RateLimiter | None = None
        if policy.limiter is not None:
            if not isinstance(policy.limiter, RateLimiter):
                raise ConfigurationError(
                    "async_client() paces with a tier name, a mapping or a RateLimiter; an "
                    "object with a blocking acquire() would stall the event loop."
                )
            # The limiter's own buckets, shared with every other client given it: the
            # tokens are reserved under its lock, and only the wait is awaited here.
            self._limiter = policy.limiter

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the wrapped transport with the client's policy."""
        flow = self._policy.attempts(request)
        step = next(flow)
        while True:
            outcome: object = None
            if isinstance(step, Wait):
                await self._sleep(step.seconds)
            elif isinstance(step, Pace):
                assert self._limiter is not None  # noqa: S101 - only yielded with a limiter
                wait = self._limiter.reserve(step.method, step.path)
                if wait > 0:
                    await self._sleep(wait)
            elif isinstance(step, Sign):
                if self._sign_in_thread:
                    await asyncio.to_thread(_sign, step)
                else:
                    _sign(step)
            elif isinstance(step, Send):
                try:
                    outcome = await self._inner.handle_async_request(step.request)
                except httpx.TransportError as error:
                    outcome = error
                else:
                    outcome.request = step.request
            elif isinstance(step, Read):
                await step.response.aread()
            else:
                await step.response.aclose()
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                response: httpx.Response = done.value
                return response

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()
