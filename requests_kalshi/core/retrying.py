"""Retry decisions as values, in the style of urllib3's ``Retry.increment()``.

The adapter classifies what went wrong into a :class:`Failure`, asks its
:class:`RetryState` for the next state, waits the returned state's ``delay`` its own way
(blocking or ``await``), signs anew and sends again. Nothing here sleeps, reads a clock or
draws a random number: the adapter passes ``now`` and ``rand`` in.

============================  =================================  ============================
failure                       GET, HEAD, OPTIONS, PUT, DELETE      POST, PATCH
============================  =================================  ============================
connection refused / DNS      retried                            retried (nothing was sent)
connect timeout               retried                            retried (nothing was sent)
read timeout                  retried                            not retried
connection reset after send   retried                            not retried
TLS certificate, proxy error  not retried                        not retried
429                           retried                            retried (refused unprocessed)
500 502 503 504               retried                            not retried
other statuses                not retried                        not retried
============================  =================================  ============================
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field

__all__ = ["IDEMPOTENT_METHODS", "RETRY_STATUSES", "Failure", "RetryRules", "RetryState"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""Methods that may be repeated after the server could have acted on them."""

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Statuses retried for idempotent methods (only 429 for the others)."""


class Failure(enum.Enum):
    """What went wrong with one attempt, as far as retrying is concerned."""

    NOT_SENT = "not sent"
    """The connection could not be opened (refused, unreachable, DNS, connect timeout)."""
    AFTER_SEND = "after send"
    """The connection failed once the request may have left (read timeout, reset)."""
    FATAL = "fatal"
    """A failure that does not go away by itself (TLS certificate, proxy refused)."""
    STATUS = "status"
    """The server answered with a status (see :meth:`RetryRules.retries`)."""


@dataclass(frozen=True)
class RetryRules:
    """Which failures are retried, how long to wait, and for how long in all.

    The delay before retry ``n`` (0-based) is a random value in
    ``[0, min(backoff_max, backoff_factor * 2**n)]`` ("full jitter"), or the server's
    ``Retry-After`` when it sends one and ``respect_retry_after`` is set. No retry starts
    once ``budget`` seconds have passed since the first attempt, or when its delay would end
    past that point.

    :ivar total: how many retries at most (``0`` disables retrying).
    :ivar backoff_factor: seconds; the base of the exponential backoff.
    :ivar backoff_max: seconds; the cap of one backoff delay.
    :ivar budget: seconds; the time all attempts of one request may take together.
    :ivar statuses: statuses retried for idempotent methods (429 is retried for any).
    :ivar idempotent_methods: methods that are safe to repeat.
    :ivar respect_retry_after: wait what the server's ``Retry-After`` says, when it says.
    """

    total: int = 3
    backoff_factor: float = 0.5
    backoff_max: float = 8.0
    budget: float = 30.0
    statuses: frozenset[int] = field(default=RETRY_STATUSES)
    idempotent_methods: frozenset[str] = field(default=IDEMPOTENT_METHODS)
    respect_retry_after: bool = True

    def retries(self, method: str, failure: Failure, status: int | None = None) -> bool:
        """Whether ``failure`` (with ``status`` for :attr:`Failure.STATUS`) may be retried."""
        if failure is Failure.NOT_SENT:
            return True
        if failure is Failure.FATAL:
            return False
        if failure is Failure.STATUS and status == 429:
            return True
        if method.upper() not in self.idempotent_methods:
            return False
        return failure is Failure.AFTER_SEND or status in self.statuses

    def backoff(self, retry_number: int, rand: float) -> float:
        """The delay before retry ``retry_number`` (0-based), for ``rand`` in ``[0, 1)``."""
        ceiling = min(self.backoff_max, self.backoff_factor * (2.0**retry_number))
        return ceiling * rand

    def start(self, now: float) -> RetryState:
        """The state of a request whose first attempt starts at ``now`` (monotonic seconds)."""
        return RetryState(rules=self, started=now)


@dataclass(frozen=True)
class RetryState:
    """How far one request's retries have gone: a value, replaced at every attempt.

    :ivar rules: the rules in force.
    :ivar started: monotonic seconds at the first attempt.
    :ivar retries: retries made so far.
    :ivar delay: seconds to wait before the attempt this state is for (0 for the first).
    """

    rules: RetryRules
    started: float
    retries: int = 0
    delay: float = 0.0

    def increment(
        self,
        method: str,
        failure: Failure,
        *,
        now: float,
        rand: float,
        status: int | None = None,
        retry_after: float | None = None,
        replayable: bool = True,
    ) -> RetryState | None:
        """The state for the next attempt after ``failure``, or ``None`` to give up.

        :param method: the method of the failed attempt.
        :param failure: what went wrong.
        :param now: monotonic seconds, on the clock ``started`` was read from.
        :param rand: a random number in ``[0, 1)`` for the jitter.
        :param status: the response status, for :attr:`Failure.STATUS`.
        :param retry_after: seconds the server asked to wait, if it did.
        :param replayable: whether the request's body can be sent again.
        """
        rules = self.rules
        if not replayable or self.retries >= rules.total:
            return None
        if not rules.retries(method, failure, status):
            return None
        delay = retry_after if retry_after is not None and rules.respect_retry_after else None
        if delay is None:
            delay = rules.backoff(self.retries, rand)
        if now - self.started + delay > rules.budget:
            return None
        return dataclasses.replace(self, retries=self.retries + 1, delay=delay)
