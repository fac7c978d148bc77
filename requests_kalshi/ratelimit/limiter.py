"""The rate limiter: Kalshi's read and write token buckets, shared by every client given it.

The arithmetic is :class:`~requests_kalshi.core.TokenBucket`'s; this module keeps the
buckets behind one lock and does the waiting: :meth:`RateLimiter.acquire` blocks (threads),
:meth:`RateLimiter.reserve` only takes the tokens and says how long to wait (an event loop
then awaits). Both draw from the same buckets, so one limiter paces a ``requests`` session
and an httpx async client together.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from requests_kalshi.core.buckets import TokenBucket
from requests_kalshi.errors import ConfigurationError

from .account import Getter, options_from_account
from .costs import CostTable, is_margin_path, is_read, margin_costs, number
from .tiers import READ_BURST_SECONDS, WRITE_BURST_SECONDS, margin_options, tier_options

__all__ = ["RateLimiter"]

log = logging.getLogger("requests_kalshi")


class RateLimiter:
    """Thread-safe client-side token buckets for Kalshi's read and write budgets.

    ``GET``, ``HEAD`` and ``OPTIONS`` requests take tokens from the read bucket, every other
    method from the write bucket. Each bucket starts full, holds at most its burst, and
    refills continuously at its budget per second.

    A request that finds too few tokens *reserves* them anyway (the bucket goes negative) and
    waits until the refill has paid for them. So requests are served in the order they
    asked and none starves. A request interrupted while it waits keeps its reservation (its
    tokens stay spent). Threads wait in :meth:`acquire`; an event loop takes its tokens with
    :meth:`reserve` and awaits the wait itself. One limiter may serve any number of
    sessions and clients, sync and async, at once: they share its buckets.

    No request may cost more than its bucket holds: Kalshi would refuse it however long it
    waited. A ``default_cost`` or ``costs`` entry above a bucket's burst is a
    :class:`ConfigurationError` at construction (a ``costs`` key without a method must fit
    both buckets). A ``cost=`` given to :meth:`acquire` or :meth:`try_acquire`, which is
    known only then, is clamped to the bucket's burst.

    Costs: ``costs`` maps an endpoint (``"METHOD /path"`` or ``"/path"``, relative to the API
    root, ``{name}``, ``:name`` or ``*`` for any one segment) to its cost in tokens; other
    requests cost ``default_cost``. See :func:`~requests_kalshi.ratelimit.costs.endpoint_path`
    for how a request's path is matched; the key with the most literal segments wins, then
    one naming the method.

    Margin: requests under ``/margin/`` draw from a second pair of buckets, :attr:`margin`,
    which by default has this limiter's budgets, bursts and default cost, with
    :data:`MARGIN_COSTS` and the ``costs`` keys under ``/margin/``. ``margin=`` gives that
    pair other figures (a mapping of :class:`RateLimiter` arguments, or a limiter), or
    ``False`` bills margin requests to the event-contract buckets.

    >>> limiter = RateLimiter(read_per_second=100, write_per_second=50,
    ...                       costs={"POST /portfolio/events/orders/batched": 100,
    ...                              "DELETE /portfolio/events/orders/{order_id}": 5})
    >>> limiter.cost_of("DELETE", "/trade-api/v2/portfolio/events/orders/abc-123")
    5.0
    >>> limiter.cost_of("GET", "/markets")
    10.0

    :param read_per_second: read budget, in tokens per second.
    :param write_per_second: write budget, in tokens per second.
    :param read_burst: most tokens the read bucket holds; one second of budget by default.
    :param write_burst: most tokens the write bucket holds; two seconds of budget by default.
    :param default_cost: tokens a request costs when ``costs`` names no match.
    :param costs: per-endpoint costs in tokens, as described above.
    :param clock: monotonic seconds (for tests).
    :param sleep: waits a number of seconds; it must really let that time pass on ``clock``.
    :param margin: the buckets of margin requests, as described above.
    :raises ConfigurationError: a budget, burst or cost that is not a positive number (costs
        may be 0), a cost above the burst of a bucket it is charged to, a malformed cost
        key, or a ``margin`` that is none of the above.
    """

    def __init__(
        self,
        *,
        read_per_second: float,
        write_per_second: float,
        read_burst: float | None = None,
        write_burst: float | None = None,
        default_cost: float = 10,
        costs: Mapping[str, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        margin: RateLimiter | Mapping[str, Any] | bool | None = None,
    ) -> None:
        read_rate = number("read_per_second", read_per_second)
        write_rate = number("write_per_second", write_per_second)
        read_cap = number(
            "read_burst", read_rate * READ_BURST_SECONDS if read_burst is None else read_burst
        )
        write_cap = number(
            "write_burst",
            write_rate * WRITE_BURST_SECONDS if write_burst is None else write_burst,
        )
        self._costs = CostTable(costs, default_cost, read_cap=read_cap, write_cap=write_cap)
        if not callable(clock) or not callable(sleep):
            raise ConfigurationError("clock and sleep must be callables.")
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        now = clock()
        # Keyed by "is it a read?": the read bucket and the write bucket.
        self._buckets = {
            True: TokenBucket.full(read_rate, read_cap, now),
            False: TokenBucket.full(write_rate, write_cap, now),
        }
        self._margin = self._margin_limiter(margin, costs or {})

    def _margin_limiter(self, margin: object, costs: Mapping[str, float]) -> RateLimiter | None:
        if margin is False:
            return None
        if isinstance(margin, RateLimiter):
            return margin
        own = {
            "read_per_second": self.read_per_second,
            "write_per_second": self.write_per_second,
            "read_burst": self.read_burst,
            "write_burst": self.write_burst,
            "default_cost": self._costs.default_cost,
            "clock": self._clock,
            "sleep": self._sleep,
            "costs": margin_costs(costs),
        }
        try:
            return RateLimiter(**margin_options(margin, own), margin=False)
        except TypeError as error:
            raise ConfigurationError(f"bad margin rate limit mapping: {error}.") from error

    @property
    def margin(self) -> RateLimiter | None:
        """The limiter of margin requests (paths under ``/margin/``), or ``None``.

        ``None`` when margin requests draw from this limiter's own buckets (``margin=False``).
        """
        return self._margin

    @classmethod
    def for_tier(cls, name: str, **overrides: Any) -> RateLimiter:
        """A limiter with the budgets and bucket capacities of one of Kalshi's access tiers.

        See :data:`TIERS` and :data:`TIER_CAPACITIES`.

        >>> RateLimiter.for_tier("Advanced").read_per_second
        300.0

        :param name: ``"basic"``, ``"advanced"``, ``"premier"``, ``"paragon"`` or ``"prime"``
            (any case).
        :param overrides: any other :class:`RateLimiter` argument, such as ``costs``.
        :raises ConfigurationError: an unknown tier name.
        """
        options: dict[str, Any] = tier_options(name)
        options.update(overrides)
        return cls(**options)

    @classmethod
    def from_account(cls, session: Getter, **overrides: Any) -> RateLimiter:
        """A limiter with the account's own figures, read from Kalshi.

        Reads ``GET /account/limits``, ``GET /account/endpoint_costs`` and ``GET
        /account/limits/perps`` through ``session`` (a :class:`KalshiSession`, an httpx
        client of :mod:`requests_kalshi.httpx`, or any object whose ``get(path)`` takes a
        path relative to the API root), as
        :func:`~requests_kalshi.ratelimit.account.options_from_account` describes.
        ``overrides`` win over what the account reports.

        :param session: sends the two ``GET`` requests.
        :param overrides: any other :class:`RateLimiter` argument (``clock``, ``costs``…).
        :raises ConfigurationError: the limits could not be fetched or understood; pass a
            tier name instead.
        """
        return cls(**options_from_account(session, overrides))

    @property
    def read_per_second(self) -> float:
        """Read budget, tokens per second."""
        return self._buckets[True].rate

    @property
    def write_per_second(self) -> float:
        """Write budget, tokens per second."""
        return self._buckets[False].rate

    @property
    def read_burst(self) -> float:
        """Capacity of the read bucket, in tokens."""
        return self._buckets[True].capacity

    @property
    def write_burst(self) -> float:
        """Capacity of the write bucket, in tokens."""
        return self._buckets[False].capacity

    @property
    def default_cost(self) -> float:
        """Tokens a request costs when no per-endpoint cost matches."""
        return self._costs.default_cost

    def cost_of(self, method: str, path: str) -> float:
        """The tokens a ``method`` request to ``path`` costs.

        :param method: the HTTP method, any case.
        :param path: a URL path, with or without ``/trade-api/v2`` and a query string.
        """
        return self._owner(path)._costs.cost_of(method, path)

    def available(self, method: str, path: str = "") -> float:
        """Tokens in the bucket ``method`` draws from, right now (negative while reserved).

        :param path: a margin path asks :attr:`margin`'s buckets.
        """
        owner = self._owner(path)
        with owner._lock:
            return owner._buckets[is_read(method)].refilled(owner._clock()).tokens

    def acquire(self, method: str, path: str, *, cost: float | None = None) -> None:
        """Wait until a ``method`` request to ``path`` fits the budget, then take its tokens.

        :param method: the HTTP method; ``GET``, ``HEAD`` and ``OPTIONS`` are reads.
        :param path: the request's URL path (see :meth:`cost_of`).
        :param cost: tokens to take instead of the endpoint's cost, e.g. for a batch billed
            per item; clamped to the bucket's burst.
        :raises ConfigurationError: ``cost`` is not a number ≥ 0.
        """
        owner = self._owner(path)
        now, wait, amount = owner._take(method, path, cost)
        if wait <= 0:
            return
        due = now + wait
        log.debug(
            "rate limit: %s %s waits %.3f s for %g tokens", method.upper(), path, wait, amount
        )
        while True:
            remaining = due - owner._clock()
            if remaining <= 1e-9:
                return
            owner._sleep(remaining)

    def reserve(self, method: str, path: str, *, cost: float | None = None) -> float:
        """Take the tokens of a ``method`` request to ``path`` now; the seconds to wait for them.

        The non-blocking half of :meth:`acquire`, for an event loop: the tokens are reserved
        in the same queue as every other client's, and the caller waits its own way
        (``await asyncio.sleep(limiter.reserve(method, path))``) before sending.

        :returns: 0 when the request may go now, else the seconds until the refill has paid
            for it.
        :raises ConfigurationError: ``cost`` is not a number ≥ 0.
        """
        return self._owner(path)._take(method, path, cost)[1]

    def try_acquire(self, method: str, path: str, *, cost: float | None = None) -> bool:
        """Take the request's tokens if the bucket has them now; never waits.

        Never jumps the queue: while waiting requests hold reservations, it returns False.
        ``cost`` is clamped to the bucket's burst, as in :meth:`acquire`.

        :returns: whether the tokens were taken.
        :raises ConfigurationError: ``cost`` is not a number ≥ 0.
        """
        owner = self._owner(path)
        read, amount = owner._price(method, path, cost)
        with owner._lock:
            taken = owner._buckets[read].try_take(amount, owner._clock())
            if taken is not None:
                owner._buckets[read] = taken
            return taken is not None

    def __repr__(self) -> str:
        return (
            f"RateLimiter(read_per_second={self.read_per_second:g}, "
            f"write_per_second={self.write_per_second:g}, read_burst={self.read_burst:g}, "
            f"write_burst={self.write_burst:g}, default_cost={self.default_cost:g})"
        )

    def _owner(self, path: str) -> RateLimiter:
        """The limiter whose buckets a request to ``path`` draws from: :attr:`margin` or this."""
        margin = self._margin
        return margin if margin is not None and is_margin_path(path) else self

    def _take(self, method: str, path: str, cost: float | None) -> tuple[float, float, float]:
        """Reserve the tokens in this limiter's own buckets: (now, seconds to wait, tokens)."""
        read, amount = self._price(method, path, cost)
        with self._lock:
            now = self._clock()
            self._buckets[read], wait = self._buckets[read].take(amount, now)
        return now, wait, amount

    def _price(self, method: str, path: str, cost: float | None) -> tuple[bool, float]:
        """(whether it is a read, its tokens): ``cost`` or the endpoint's, within the burst."""
        read = is_read(method)
        if cost is None:
            return read, self._costs.cost_of(method, path)
        amount = number("cost", cost, zero_ok=True)
        capacity = self.read_burst if read else self.write_burst
        if amount > capacity:
            log.debug(
                "rate limit: %s %s costs %g tokens, more than the bucket holds; taking %g",
                method.upper(),
                path,
                amount,
                capacity,
            )
            return read, capacity
        return read, amount
