"""Token-bucket arithmetic: how long a request must wait for its tokens.

Waiting itself is the adapter's (a blocking sleep for threads, ``await asyncio.sleep`` in an
event loop); a bucket here is a value, and taking tokens returns a new one.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TokenBucket"]

SLACK = 1e-3
"""Tokens of float rounding forgiven when a request asks for exactly what is left: a Unix time
near 1.8e9 s is exact to ~0.2 µs only (5e-5 tokens at 200 tokens a second)."""


@dataclass(frozen=True, slots=True)
class TokenBucket:
    """A bucket of ``capacity`` tokens refilled at ``rate`` tokens per second.

    A request that finds too few tokens reserves them anyway (``tokens`` goes negative) and
    waits until the refill has paid for them, so requests are served in the order they
    asked and none starves.

    >>> bucket = TokenBucket.full(rate=100, capacity=100, now=0.0)
    >>> bucket, wait = bucket.take(100, now=0.0)
    >>> bucket, wait = bucket.take(50, now=0.0)
    >>> wait
    0.5

    :ivar rate: tokens per second (> 0).
    :ivar capacity: most tokens the bucket holds.
    :ivar tokens: tokens now (negative while reserved).
    :ivar stamp: the (monotonic) time ``tokens`` was counted at.
    """

    rate: float
    capacity: float
    tokens: float
    stamp: float

    @classmethod
    def full(cls, rate: float, capacity: float, now: float) -> TokenBucket:
        """A full bucket at time ``now``."""
        return cls(float(rate), float(capacity), float(capacity), now)

    def refilled(self, now: float) -> TokenBucket:
        """The bucket at time ``now`` (an earlier ``now`` changes nothing)."""
        if now <= self.stamp:
            return self
        return TokenBucket(self.rate, self.capacity, *self._at(now))

    def take(self, cost: float, now: float) -> tuple[TokenBucket, float]:
        """Reserve ``cost`` tokens (at most ``capacity``) at ``now``.

        :returns: the new bucket and the seconds to wait before sending (0: send now).
        """
        tokens, stamp = self._at(now)
        tokens -= min(cost, self.capacity)
        wait = -tokens / self.rate if tokens < 0 else 0.0
        return TokenBucket(self.rate, self.capacity, tokens, stamp), wait

    def try_take(self, cost: float, now: float) -> TokenBucket | None:
        """Take ``cost`` tokens at ``now`` only if the bucket holds them (never reserves).

        >>> TokenBucket.full(rate=10, capacity=10, now=0.0).try_take(20, now=0.0) is None
        True

        :returns: the new bucket, or ``None`` when the tokens are not there.
        """
        tokens, stamp = self._at(now)
        if tokens + SLACK < cost:
            return None
        return TokenBucket(self.rate, self.capacity, tokens - cost, stamp)

    def _at(self, now: float) -> tuple[float, float]:
        """The tokens at ``now`` and the time they are counted at (as :meth:`refilled`)."""
        if now <= self.stamp:
            return self.tokens, self.stamp
        return min(self.capacity, self.tokens + (now - self.stamp) * self.rate), now
