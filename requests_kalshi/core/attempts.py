"""One request's attempts as a generator of steps: the policy every adapter drives.

:meth:`AttemptPolicy.attempts` holds the whole policy for sending one request: when to
pace, sign, send, retry, correct the clock and give up. It does no I/O: it yields a step
(:class:`Pace`, :class:`Sign`, :class:`Send`, :class:`Read`, :class:`Close`,
:class:`SetOffset`, :class:`Rewind`, :class:`Wait`) and receives what happened; it returns
the final response or raises the last error. An adapter acts on each step its own way
(blocking for threads, ``await`` in an event loop) with :func:`drive` or
:func:`drive_async`, so every client follows the same rules.

The flow never touches a client's objects: it asks the adapter's :class:`Answers` what a
response or an error means.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from .clock_skew import judge_clock
from .http_dates import parse_http_date, retry_after_seconds
from .retrying import Failure, RetryRules, RetryState
from .steps import (
    Close,
    Flow,
    Pace,
    Read,
    Rewind,
    Send,
    SetOffset,
    Sign,
    Signed,
    Wait,
    drive,
    drive_async,
)

__all__ = [
    "Answers",
    "AttemptPolicy",
    "Close",
    "Hop",
    "Pace",
    "Read",
    "Rewind",
    "Send",
    "SetOffset",
    "Sign",
    "Signed",
    "Wait",
    "drive",
    "drive_async",
]

log = logging.getLogger("requests_kalshi")

R = TypeVar("R")
R_contra = TypeVar("R_contra", contravariant=True)


class Answers(Protocol[R_contra]):
    """What the flow asks the adapter about its client's responses and errors."""

    def status(self, response: R_contra) -> int:
        """The response's status code."""

    def header(self, response: R_contra, name: str) -> str | None:
        """The value of the response header ``name``, or ``None``."""

    def timestamp_refused(self, response: R_contra) -> bool:
        """Whether a read response is Kalshi's 401 ``header_timestamp_expired``."""

    def redirected(self, response: R_contra) -> bool:
        """Whether the response ends a redirect chain the client followed by itself.

        Its hops had their own retries: the request that was redirected is never repeated.
        """

    def failure(self, error: Exception) -> Failure:
        """What an exception raised while sending means for retrying."""


@dataclass(frozen=True)
class Hop:
    """What the flow knows of the request it sends.

    :ivar method: the method on the wire, upper case.
    :ivar path: the path to pace and log by.
    :ivar replayable: whether the body can be sent again.
    :ivar signed: whether the request belongs to a signer (then every attempt is signed,
        or stripped of a signature, right before it is sent).
    :ivar trusted: whether the signer signs for the request's target. A signed request to
        any other target is sent once, unsigned: retries are Kalshi's business.
    """

    method: str
    path: str
    replayable: bool = True
    signed: bool = False
    trusted: bool = False


@dataclass(frozen=True)
class AttemptPolicy:
    """The retry, clock and pacing policy of one client, fixed when the client is made.

    :ivar rules: which failures are retried, and how long to wait.
    :ivar pace: whether each attempt first waits for the rate limiter.
    :ivar correct_clock: on a refused timestamp, correct the clock offset and retry once.
    :ivar monotonic: the clock the retry budget is measured on.
    :ivar jitter: a random number in ``[0, 1)`` for backoff jitter.
    :ivar wall_clock: Unix seconds, to turn a ``Retry-After`` date into a delay.
    """

    rules: RetryRules = field(default_factory=RetryRules)
    pace: bool = False
    correct_clock: bool = True
    monotonic: Callable[[], float] = time.monotonic
    jitter: Callable[[], float] = random.random
    wall_clock: Callable[[], float] = time.time

    def attempts(self, hop: Hop, answers: Answers[R]) -> Flow[R]:
        """The steps of sending ``hop``'s request; returns the final response.

        :raises Exception: the error of the last attempt, when it is not retried.
        """
        method, path = hop.method, hop.path
        replayable = hop.replayable and (hop.trusted or not hop.signed)
        state = self.rules.start(self.monotonic())
        clock_corrected = False
        while True:
            if self.pace:
                yield Pace(method, path)
            signed: Signed | None = (yield Sign()) if hop.signed else None
            sent_at = signed.clock() if signed is not None else 0.0
            outcome = yield Send()
            if isinstance(outcome, Exception):
                next_state = state.increment(
                    method,
                    answers.failure(outcome),
                    now=self.monotonic(),
                    rand=self.jitter(),
                    replayable=replayable,
                )
                if next_state is None:
                    raise outcome
                what = f"failed ({type(outcome).__name__})"
            else:
                response: R = outcome
                status = answers.status(response)
                if status < 400 or answers.redirected(response):
                    return response
                if (
                    status == 401
                    and signed is not None
                    and self.correct_clock
                    and replayable
                    and not clock_corrected
                ):
                    yield Read(response)
                    offset = _corrected_offset(answers, response, signed, sent_at)
                    if offset is not None:
                        clock_corrected = True
                        yield SetOffset(offset)
                        yield Close(response)
                        yield Rewind()
                        continue
                next_state = self._after_status(state, method, answers, response, replayable)
                if next_state is None:
                    return response
                yield Close(response)
                what = f"answered {status}"
            log.warning(
                "%s %s %s; retry %d in %.2f s",
                method, path, what, next_state.retries, next_state.delay,
            )  # fmt: skip
            state = next_state
            yield Wait(state.delay)
            yield Rewind()

    def _after_status(
        self,
        state: RetryState,
        method: str,
        answers: Answers[R],
        response: R,
        replayable: bool,
    ) -> RetryState | None:
        value = answers.header(response, "Retry-After")
        return state.increment(
            method,
            Failure.STATUS,
            status=answers.status(response),
            retry_after=retry_after_seconds(value, self.wall_clock()),
            now=self.monotonic(),
            rand=self.jitter(),
            replayable=replayable,
        )


def _corrected_offset(
    answers: Answers[R], response: R, signed: Signed, sent_at: float
) -> float | None:
    """The new clock offset after a refused timestamp, or ``None`` to leave it (logged)."""
    if not answers.timestamp_refused(response):
        return None
    date = answers.header(response, "Date")
    verdict = judge_clock(
        signed_ms=signed.timestamp_ms,
        sent_at=sent_at,
        offset=signed.offset,  # the offset this request was signed with, not today's
        server_date=parse_http_date(date) if date else None,
    )
    if verdict.offset is None:
        log.warning("Kalshi refused the timestamp; clock not corrected: %s", verdict.reason)
        return None
    log.warning(
        "Kalshi refused the timestamp: the local clock is off by %+.1f s; clock offset is "
        "now %+.1f s, retrying once",
        verdict.clock_error,
        verdict.offset,
    )
    return verdict.offset
