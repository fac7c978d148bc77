"""The httpx transports of :func:`requests_kalshi.httpx.client`: pacing, signing, retries.

Both drive the core's attempt flow (:mod:`requests_kalshi.core.attempts`), the one the
``requests`` session drives too: a sync and an async driver act on its steps, each waiting
and sending its own way, so every client follows the same rules.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from ._httpx_errors import error_for_httpx, failure_of, timestamp_refused
from ._httpx_wire import MARK, Mark, sign_request, target_of, wire_path
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
    drive_async,
)
from .core.redirects import SignatureAction, hop_action
from .core.retrying import Failure, RetryRules
from .core.signature import ACCESS_TIMESTAMP
from .core.steps import Flow, Step
from .errors import ConfigurationError
from .ratelimit import RateLimiter

__all__ = ["AsyncKalshiTransport", "KalshiTransport", "Policy"]


class Limiter(Protocol):
    """What the sync transport needs of a rate limiter."""

    def acquire(self, method: str, path: str) -> None:
        """Block until a ``method`` request to ``path`` fits the budget, then take it."""


class _Answers:
    """httpx responses and errors, in the terms of the core's attempt flow."""

    def status(self, response: httpx.Response) -> int:
        return response.status_code

    def header(self, response: httpx.Response, name: str) -> str | None:
        value: str | None = response.headers.get(name)
        return value

    def timestamp_refused(self, response: httpx.Response) -> bool:
        return timestamp_refused(response)

    def redirected(self, response: httpx.Response) -> bool:
        return False  # a transport sees every hop on its own

    def failure(self, error: Exception) -> Failure:
        return failure_of(error)


_ANSWERS = _Answers()


@dataclass(frozen=True)
class Policy:
    """Everything a transport decides with, fixed when the client is made."""

    rules: RetryRules = field(default_factory=RetryRules)
    limiter: Limiter | None = None
    raise_errors: bool = False
    correct_clock: bool = True
    monotonic: Callable[[], float] = time.monotonic
    jitter: Callable[[], float] = random.random

    def attempts(self, request: httpx.Request, *, trusted: bool) -> Flow[httpx.Response]:
        """The core's flow of steps for sending ``request``; returns the final response.

        :param trusted: whether the request is signed (else, if marked, stripped).
        """
        mark = _mark_of(request)
        hop = Hop(
            method=request.method.upper(),
            path=wire_path(request.url),
            replayable=isinstance(request.stream, httpx.ByteStream),
            signed=mark is not None,
            trusted=trusted,
        )
        core = AttemptPolicy(
            rules=self.rules,
            pace=self.limiter is not None,
            correct_clock=self.correct_clock,
            monotonic=self.monotonic,
            jitter=self.jitter,
        )
        return core.attempts(hop, _ANSWERS)

    def finish(self, response: httpx.Response) -> httpx.Response:
        """The flow's final (read) ``response``, or its typed error with ``raise_errors``."""
        if self.raise_errors and response.status_code >= 400:
            raise error_for_httpx(response)
        return response


def _mark_of(request: httpx.Request) -> Mark | None:
    mark = request.extensions.get(MARK)
    return mark if isinstance(mark, Mark) else None


def _signs(request: httpx.Request, mark: Mark) -> bool:
    """Whether this hop is signed (the core's redirect rule); remembered for the next hops.

    httpx hands a hop's extensions, and so its :class:`Mark`, to the next hop.
    """
    target = target_of(request.url)
    action = hop_action(mark.auth.signer, target, unsigned_before=mark.unsigned_before)
    if action is SignatureAction.STRIP:
        mark.unsigned_before = True
    return action is SignatureAction.RESIGN


def _sign(request: httpx.Request, mark: Mark, trusted: bool) -> Signed | None:
    signer = mark.auth.signer
    sign_request(request, mark, trusted=trusted)
    stamp = request.headers.get(ACCESS_TIMESTAMP)
    if mark.signed_for is None or stamp is None:
        return None
    return Signed(int(stamp), signer.offset, signer.clock)


def _set_offset(request: httpx.Request, step: SetOffset) -> None:
    mark = _mark_of(request)
    assert mark is not None  # noqa: S101 - only a signed request's clock is corrected
    mark.auth.clock_offset = step.offset


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
        policy, mark = self._policy, _mark_of(request)
        trusted = mark is not None and _signs(request, mark)

        def act(step: Step) -> object:
            if isinstance(step, Wait):
                self._sleep(step.seconds)
            elif isinstance(step, Pace):
                assert policy.limiter is not None  # noqa: S101 - only yielded with one
                policy.limiter.acquire(step.method, step.path)
            elif isinstance(step, Sign):
                assert mark is not None  # noqa: S101 - only yielded for a marked request
                return _sign(request, mark, trusted)
            elif isinstance(step, Send):
                try:
                    response = self._inner.handle_request(request)
                except httpx.TransportError as error:
                    return error
                response.request = request
                return response
            elif isinstance(step, Read):
                step.response.read()
            elif isinstance(step, Close):
                step.response.close()
            elif isinstance(step, SetOffset):
                _set_offset(request, step)
            return None  # Rewind: an httpx request's byte stream replays as it is

        response = drive(policy.attempts(request, trusted=trusted), act)
        if policy.raise_errors and response.status_code >= 400:
            response.read()
        return policy.finish(response)

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
        policy, mark = self._policy, _mark_of(request)
        trusted = mark is not None and _signs(request, mark)

        async def act(step: Step) -> object:
            if isinstance(step, Wait):
                await self._sleep(step.seconds)
            elif isinstance(step, Pace):
                assert self._limiter is not None  # noqa: S101 - only yielded with a limiter
                wait = self._limiter.reserve(step.method, step.path)
                if wait > 0:
                    await self._sleep(wait)
            elif isinstance(step, Sign):
                assert mark is not None  # noqa: S101 - only yielded for a marked request
                if self._sign_in_thread:
                    return await asyncio.to_thread(_sign, request, mark, trusted)
                return _sign(request, mark, trusted)
            elif isinstance(step, Send):
                try:
                    response = await self._inner.handle_async_request(request)
                except httpx.TransportError as error:
                    return error
                response.request = request
                return response
            elif isinstance(step, Read):
                await step.response.aread()
            elif isinstance(step, Close):
                await step.response.aclose()
            elif isinstance(step, SetOffset):
                _set_offset(request, step)
            return None  # Rewind: an httpx request's byte stream replays as it is

        response = await drive_async(policy.attempts(request, trusted=trusted), act)
        if policy.raise_errors and response.status_code >= 400:
            await response.aread()
        return policy.finish(response)

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()
