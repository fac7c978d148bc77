"""A client-side token-bucket rate limiter shaped like Kalshi's own limits.

Kalshi meters each account with two token buckets, one for reads and one for writes. Every
request costs tokens (10 by default; some endpoints cost more, batches are billed per item),
and each bucket refills at the account tier's budget per second. :class:`RateLimiter` keeps
the same two buckets on the client, so requests wait for tokens instead of collecting 429s.

>>> limiter = RateLimiter.for_tier("basic")
>>> limiter.read_per_second, limiter.write_per_second, limiter.write_burst
(200.0, 100.0, 100.0)
>>> limiter.try_acquire("GET", "/trade-api/v2/markets")
True

Perpetual futures ("margin", paths under ``/trade-api/v2/margin/``) are metered in buckets of
their own: each limiter keeps a second pair for them (:attr:`RateLimiter.margin`).
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .account_limits import costs_from_body, limits_from_body
from .errors import ConfigurationError, KalshiError

__all__ = [
    "MARGIN_COSTS",
    "READ_METHODS",
    "TIERS",
    "TIER_CAPACITIES",
    "RateLimiter",
    "endpoint_path",
    "is_margin_path",
    "resolve_rate_limit",
]

log = logging.getLogger("requests_kalshi")

TIERS: Mapping[str, tuple[float, float]] = {
    "basic": (200.0, 100.0),
    "advanced": (300.0, 300.0),
    "premier": (1000.0, 1000.0),
    "paragon": (2000.0, 2000.0),
    "prime": (4000.0, 4000.0),
}
"""Kalshi's access tiers: ``(read, write)`` budgets in tokens per second."""

TIER_CAPACITIES: Mapping[str, tuple[float, float]] = {
    "basic": (200.0, 100.0),
    "advanced": (300.0, 600.0),
    "premier": (1000.0, 2000.0),
    "paragon": (2000.0, 4000.0),
    "prime": (4000.0, 8000.0),
}
"""Kalshi's access tiers: ``(read, write)`` bucket capacities in tokens. A read bucket holds
one second of budget; a write bucket holds two, except on Basic (one)."""

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods billed to the read bucket; every other method is a write."""

MARGIN_COSTS: Mapping[str, float] = {"DELETE /margin/orders/{order_id}": 1.0}
"""Known costs of margin endpoints that differ from the default: a cancel costs 1 token.

Unconfirmed: Kalshi's margin documentation, as quoted by third parties, says cancels cost 1
token; no primary source lists margin's endpoint costs. ``/account/endpoint_costs`` entries for
margin paths, and ``costs`` given by hand, take precedence.
"""

READ_BURST_SECONDS = 1.0
_SLACK = 1e-3  # tokens: float rounding of clock arithmetic must not refuse a request (a Unix
# time near 1.8e9 s is exact to ~0.2 µs only: 5e-5 tokens at 200 tokens a second)
WRITE_BURST_SECONDS = 2.0

_API_PREFIX = re.compile(r"^/trade-api/v\d+(?=/|$)")
_WILDCARD = re.compile(r"^(\{[^/{}]*\}|:[A-Za-z_]\w*|\*)$")
_METHOD = re.compile(r"^[A-Za-z]+$")


class _Getter(Protocol):
    def get(self, url: str) -> Any: ...


def endpoint_path(path: str) -> str:
    """The path relative to the API root, as :class:`RateLimiter` matches costs.

    Drops the query string, a leading ``/trade-api/v2`` (any version) and a trailing slash.

    >>> endpoint_path("/trade-api/v2/portfolio/orders/?limit=5")
    '/portfolio/orders'
    >>> endpoint_path("markets")
    '/markets'
    """
    path = path.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/"):
        path = "/" + path
    path = _API_PREFIX.sub("", path)
    return path.rstrip("/") or "/"


def is_margin_path(path: str) -> bool:
    """Whether ``path`` is a perpetual-futures ("margin") endpoint, metered on its own.

    >>> is_margin_path("/trade-api/v2/margin/orders"), is_margin_path("/markets")
    (True, False)
    """
    path = endpoint_path(path)
    return path == "/margin" or path.startswith("/margin/")


class _Bucket:
    """One token bucket. Not thread-safe: the limiter's lock guards it."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now


class _CostRule:
    __slots__ = ("cost", "literals", "method", "segments")

    def __init__(self, key: str, cost: float) -> None:
        method, _, path = key.strip().rpartition(" ")
        method = method.strip()
        if (method and not _METHOD.match(method)) or not path.startswith("/"):
            raise ConfigurationError(
                f"cost key {key!r} is not 'METHOD /path' or '/path' "
                "(for example 'POST /portfolio/events/orders' or "
                "'DELETE /portfolio/events/orders/{order_id}')."
            )
        self.method = method.upper() or None
        self.segments: tuple[str | None, ...] = tuple(
            None if _WILDCARD.match(part) else part for part in endpoint_path(path).split("/")[1:]
        )
        self.literals = sum(part is not None for part in self.segments)
        self.cost = cost

    def matches(self, method: str, segments: list[str]) -> bool:
        if self.method is not None and self.method != method:
            return False
        if len(segments) != len(self.segments):
            return False
        return all(
            want is None or want == got for want, got in zip(self.segments, segments, strict=True)
        )

    @property
    def rank(self) -> tuple[int, int]:
        return (self.literals, self.method is not None)


class RateLimiter:
    """Thread-safe client-side token buckets for Kalshi's read and write budgets.

    ``GET``, ``HEAD`` and ``OPTIONS`` requests take tokens from the read bucket, every other
    method from the write bucket. Each bucket starts full, holds at most its burst, and
    refills continuously at its budget per second.

    A request that finds too few tokens *reserves* them anyway (the bucket goes negative) and
    sleeps until the refill has paid for them. So requests are served in the order they
    asked and none starves. A request interrupted while it waits keeps its reservation (its
    tokens stay spent).

    No request may cost more than its bucket holds: Kalshi would refuse it however long it
    waited. A ``default_cost`` or ``costs`` entry above a bucket's burst is a
    :class:`ConfigurationError` at construction (a ``costs`` key without a method must fit
    both buckets). A ``cost=`` given to :meth:`acquire` or :meth:`try_acquire`, which is
    known only then, is clamped to the bucket's burst.

    Costs: ``costs`` maps an endpoint to its cost in tokens; other requests cost
    ``default_cost``. A key is ``"METHOD /path"`` or ``"/path"`` (any method). Paths are
    relative to the API root, and a request's ``/trade-api/v2`` prefix, query string and
    trailing slash are ignored when matching, so ``"/portfolio/orders"`` matches a request
    for ``/trade-api/v2/portfolio/orders?limit=5``. A segment written ``{name}``, ``:name``
    or ``*`` matches any one segment. When several keys match, the one with the most literal
    segments wins, then one naming the method.

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
        read_rate = _number("read_per_second", read_per_second)
        write_rate = _number("write_per_second", write_per_second)
        read_cap = _number(
            "read_burst", read_rate * READ_BURST_SECONDS if read_burst is None else read_burst
        )
        write_cap = _number(
            "write_burst",
            write_rate * WRITE_BURST_SECONDS if write_burst is None else write_burst,
        )
        self._default_cost = _number("default_cost", default_cost, zero_ok=True)
        if costs is not None and not isinstance(costs, Mapping):
            raise ConfigurationError(
                f"costs must be a mapping of 'METHOD /path' to tokens, not {type(costs).__name__}."
            )
        _check_fits("default_cost", self._default_cost, None, read_cap, write_cap)
        self._exact: dict[tuple[str | None, str], float] = {}
        self._patterns: list[_CostRule] = []
        for key, value in (costs or {}).items():
            if not isinstance(key, str):
                raise ConfigurationError(f"cost keys must be strings, not {key!r}.")
            rule = _CostRule(key, _number(f"costs[{key!r}]", value, zero_ok=True))
            _check_fits(f"costs[{key!r}]", rule.cost, rule.method, read_cap, write_cap)
            if rule.literals == len(rule.segments):
                self._exact[(rule.method, "/" + "/".join(map(str, rule.segments)))] = rule.cost
            else:
                self._patterns.append(rule)
        self._patterns.sort(key=lambda rule: rule.rank, reverse=True)
        if not callable(clock) or not callable(sleep):
            raise ConfigurationError("clock and sleep must be callables.")
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        now = clock()
        self._read = _Bucket(read_rate, read_cap, now)
        self._write = _Bucket(write_rate, write_cap, now)
        self._margin = self._margin_limiter(margin, costs or {})

    def _margin_limiter(self, margin: object, costs: Mapping[str, float]) -> RateLimiter | None:
        if margin is False:
            return None
        if isinstance(margin, RateLimiter):
            return margin
        options: dict[str, Any] = {
            "read_per_second": self._read.rate,
            "write_per_second": self._write.rate,
            "read_burst": self._read.capacity,
            "write_burst": self._write.capacity,
            "default_cost": self._default_cost,
            "clock": self._clock,
            "sleep": self._sleep,
        }
        options["costs"] = _margin_costs(costs)
        if isinstance(margin, Mapping):
            for which in ("read", "write"):
                if f"{which}_per_second" in margin:  # its burst follows its own budget
                    options.pop(f"{which}_burst")
            options.update(margin)
        elif margin is not None and margin is not True:
            raise ConfigurationError(
                "margin must be None (own buckets at this limiter's budgets), False (share "
                "these buckets), a mapping of RateLimiter arguments or a RateLimiter, not "
                f"{margin!r}."
            )
        options["margin"] = False
        try:
            return RateLimiter(**options)
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
        key = name.strip().lower() if isinstance(name, str) else ""
        if key not in TIERS:
            raise ConfigurationError(
                f"unknown rate-limit tier {name!r}: use one of {', '.join(TIERS)}, "
                "or pass read_per_second= and write_per_second= yourself."
            )
        read, write = TIERS[key]
        read_cap, write_cap = TIER_CAPACITIES[key]
        options: dict[str, Any] = {
            "read_per_second": read,
            "write_per_second": write,
            "read_burst": read_cap,
            "write_burst": write_cap,
        }
        options.update(overrides)
        return cls(**options)

    @classmethod
    def from_account(cls, session: _Getter, **overrides: Any) -> RateLimiter:
        """A limiter with the account's own figures, read from Kalshi.

        Sends ``GET /account/limits`` and then ``GET /account/endpoint_costs`` through
        ``session`` (a :class:`KalshiSession`, or any object whose ``get(path)`` takes a
        path relative to the API root), and reads them with
        :func:`~requests_kalshi.account_limits.limits_from_body` and
        :func:`~requests_kalshi.account_limits.costs_from_body`:

        - ``{"usage_tier", "read": {"refill_rate": R, "bucket_capacity": C}, "write": {...},
          "grants"}``: tokens per second and bucket capacities (today's shape);
        - ``{"usage_tier", "read_limit": R, "write_limit": W}``: the shape of Kalshi's older
          documentation, in *requests* per second (Basic reported 20/10), converted to
          tokens at the account's default cost.

        ``/account/endpoint_costs`` (``{"default_cost": 10, "endpoint_costs": [{"method",
        "path", "cost"}]}``) is optional: when it fails or cannot be read, the default cost
        applies to every endpoint. A reported cost above a bucket's burst is lowered to the
        burst. ``overrides`` win over what the account reports.

        Margin's buckets come from ``GET /account/limits/perps`` (the same shapes), with
        :data:`MARGIN_COSTS` and the reported costs of ``/margin/`` paths. When that request
        fails or cannot be read (an account without margin), margin requests get buckets of
        their own at the event-contract figures.

        :param session: sends the two ``GET`` requests.
        :param overrides: any other :class:`RateLimiter` argument (``clock``, ``costs``…).
        :raises ConfigurationError: the limits could not be fetched or understood; pass a
            tier name instead.
        """
        try:
            response = session.get("/account/limits")
            response.raise_for_status()
            body = response.json()
        except (KalshiError, OSError, ValueError) as error:
            # requests' exceptions are OSErrors; JSON decoding errors are ValueErrors.
            raise ConfigurationError(
                f"could not read GET /account/limits ({error}); pass a tier instead, e.g. "
                "rate_limit='basic'."
            ) from error
        costs = _costs_from(session)
        default_cost = {**costs, **overrides}.get("default_cost", 10)
        limits = limits_from_body(body, _number("default_cost", default_cost, zero_ok=True))
        options: dict[str, Any] = {**limits, **_fit(costs, {**limits, **overrides}), **overrides}
        if "margin" not in overrides:
            options["margin"] = _margin_from(session, costs.get("costs", {}), options)
        log.info(
            "rate limit from the account: %g read / %g write tokens per second",
            options["read_per_second"],
            options["write_per_second"],
        )
        return cls(**options)

    @property
    def read_per_second(self) -> float:
        """Read budget, tokens per second."""
        return self._read.rate

    @property
    def write_per_second(self) -> float:
        """Write budget, tokens per second."""
        return self._write.rate

    @property
    def read_burst(self) -> float:
        """Capacity of the read bucket, in tokens."""
        return self._read.capacity

    @property
    def write_burst(self) -> float:
        """Capacity of the write bucket, in tokens."""
        return self._write.capacity

    @property
    def default_cost(self) -> float:
        """Tokens a request costs when no per-endpoint cost matches."""
        return self._default_cost

    def cost_of(self, method: str, path: str) -> float:
        """The tokens a ``method`` request to ``path`` costs.

        :param method: the HTTP method, any case.
        :param path: a URL path, with or without ``/trade-api/v2`` and a query string.
        """
        if self._margin is not None and is_margin_path(path):
            return self._margin.cost_of(method, path)
        method = method.upper()
        path = endpoint_path(path)
        for key in ((method, path), (None, path)):
            if key in self._exact:
                return self._exact[key]
        segments = path.split("/")[1:]
        for rule in self._patterns:
            if rule.matches(method, segments):
                return rule.cost
        return self._default_cost

    def available(self, method: str, path: str = "") -> float:
        """Tokens in the bucket ``method`` draws from, right now (negative while reserved).

        :param path: a margin path asks :attr:`margin`'s buckets.
        """
        if self._margin is not None and is_margin_path(path):
            return self._margin.available(method, path)
        bucket = self._bucket(method)
        with self._lock:
            bucket.refill(self._clock())
            return bucket.tokens

    def acquire(self, method: str, path: str, *, cost: float | None = None) -> None:
        """Wait until a ``method`` request to ``path`` fits the budget, then take its tokens.

        :param method: the HTTP method; ``GET``, ``HEAD`` and ``OPTIONS`` are reads.
        :param path: the request's URL path (see :meth:`cost_of`).
        :param cost: tokens to take instead of the endpoint's cost, e.g. for a batch billed
            per item; clamped to the bucket's burst.
        :raises ConfigurationError: ``cost`` is not a number ≥ 0.
        """
        if self._margin is not None and is_margin_path(path):
            self._margin.acquire(method, path, cost=cost)
            return
        amount, bucket = self._price(method, path, cost)
        with self._lock:
            now = self._clock()
            bucket.refill(now)
            bucket.tokens -= amount
            due = now - bucket.tokens / bucket.rate if bucket.tokens < 0 else now
        if due <= now:
            return
        log.debug(
            "rate limit: %s %s waits %.3f s for %g tokens", method.upper(), path, due - now, amount
        )
        while True:
            remaining = due - self._clock()
            if remaining <= 1e-9:
                return
            self._sleep(remaining)

    def try_acquire(self, method: str, path: str, *, cost: float | None = None) -> bool:
        """Take the request's tokens if the bucket has them now; never waits.

        Never jumps the queue: while waiting requests hold reservations, it returns False.
        ``cost`` is clamped to the bucket's burst, as in :meth:`acquire`.

        :returns: whether the tokens were taken.
        :raises ConfigurationError: ``cost`` is not a number ≥ 0.
        """
        if self._margin is not None and is_margin_path(path):
            return self._margin.try_acquire(method, path, cost=cost)
        amount, bucket = self._price(method, path, cost)
        with self._lock:
            bucket.refill(self._clock())
            if bucket.tokens + _SLACK < amount:
                return False
            bucket.tokens -= amount
            return True

    def __repr__(self) -> str:
        return (
            f"RateLimiter(read_per_second={self.read_per_second:g}, "
            f"write_per_second={self.write_per_second:g}, read_burst={self.read_burst:g}, "
            f"write_burst={self.write_burst:g}, default_cost={self.default_cost:g})"
        )

    def _bucket(self, method: str) -> _Bucket:
        return self._read if method.upper() in READ_METHODS else self._write

    def _price(self, method: str, path: str, cost: float | None) -> tuple[float, _Bucket]:
        bucket = self._bucket(method)
        if cost is None:
            return self.cost_of(method, path), bucket
        amount = _number("cost", cost, zero_ok=True)
        if amount > bucket.capacity:
            log.debug(
                "rate limit: %s %s costs %g tokens, more than the bucket holds; taking %g",
                method.upper(),
                path,
                amount,
                bucket.capacity,
            )
            return bucket.capacity, bucket
        return amount, bucket


def resolve_rate_limit(spec: Any, session: _Getter | None) -> RateLimiter | None:
    """The limiter a ``rate_limit=`` option asks for.

    :param spec: ``None`` or ``False`` (no limiter); a :class:`RateLimiter` (used as is); a
        tier name such as ``"basic"``; ``"auto"`` (read from the account through
        ``session``); or a mapping of :class:`RateLimiter` arguments with at least
        ``read_per_second`` and ``write_per_second``.
    :param session: what ``"auto"`` reads the account's limits through.
    :raises ConfigurationError: any other value, or what :class:`RateLimiter`,
        :meth:`RateLimiter.for_tier` and :meth:`RateLimiter.from_account` raise.
    """
    if spec is None or spec is False:
        return None
    if isinstance(spec, RateLimiter):
        return spec
    if isinstance(spec, str):
        if spec.strip().lower() == "auto":
            if session is None:
                raise ConfigurationError("rate_limit='auto' needs a session to ask Kalshi.")
            return RateLimiter.from_account(session)
        return RateLimiter.for_tier(spec)
    if isinstance(spec, Mapping):
        missing = {"read_per_second", "write_per_second"} - set(spec)
        if missing:
            raise ConfigurationError(
                f"rate_limit mapping lacks {', '.join(sorted(missing))}: give both "
                "read_per_second and write_per_second, in tokens per second."
            )
        try:
            return RateLimiter(**dict(spec))
        except TypeError as error:
            raise ConfigurationError(f"bad rate_limit mapping: {error}.") from error
    raise ConfigurationError(
        f"rate_limit must be None, a tier name ({', '.join(TIERS)}), 'auto', a mapping "
        f"with read_per_second and write_per_second, or a RateLimiter; not {spec!r}."
    )


def _number(name: str, value: object, zero_ok: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationError(f"{name} must be a number, not {value!r}.")
    number = float(value)
    if not math.isfinite(number) or number < 0 or (number == 0 and not zero_ok):
        bound = "≥ 0" if zero_ok else "> 0"
        raise ConfigurationError(f"{name} must be a finite number {bound}, not {value!r}.")
    return number


def _check_fits(
    name: str, cost: float, method: str | None, read_cap: float, write_cap: float
) -> None:
    """Refuse a cost that a bucket it is charged to (by ``method``; both if None) cannot hold."""
    buckets = []
    if method is None or method in READ_METHODS:
        buckets.append(("read", read_cap))
    if method is None or method not in READ_METHODS:
        buckets.append(("write", write_cap))
    for which, capacity in buckets:
        if cost > capacity:
            raise ConfigurationError(
                f"{name} is {cost:g} tokens, more than the {which} bucket holds "
                f"({which}_burst={capacity:g}): such a request could never be sent. Lower "
                f"the cost or raise {which}_burst."
            )


def _fit(reported: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """The account's reported costs, each lowered to the burst of the bucket(s) it uses."""
    read_rate = _number("read_per_second", options["read_per_second"])
    write_rate = _number("write_per_second", options["write_per_second"])
    read_cap = _number("read_burst", options.get("read_burst", read_rate * READ_BURST_SECONDS))
    write_cap = _number("write_burst", options.get("write_burst", write_rate * WRITE_BURST_SECONDS))

    def fit(key: str, cost: float) -> float:
        method = key.rpartition(" ")[0].upper() or None
        caps = [
            cap
            for meth, cap in (("GET", read_cap), ("POST", write_cap))
            if method is None or (method in READ_METHODS) == (meth in READ_METHODS)
        ]
        if cost > min(caps):
            log.debug(
                "the account's cost for %s, %g, is above the burst; using %g", key, cost, min(caps)
            )
        return min(cost, *caps)

    fitted = dict(reported)
    if "default_cost" in fitted:
        fitted["default_cost"] = fit("default_cost", fitted["default_cost"])
    if "costs" in fitted:
        fitted["costs"] = {key: fit(key, cost) for key, cost in fitted["costs"].items()}
    return fitted


def _margin_costs(costs: Mapping[str, float]) -> dict[str, float]:
    """The ``costs`` keys under ``/margin/``, then :data:`MARGIN_COSTS` (ties go to the first)."""
    own = {key: cost for key, cost in costs.items() if is_margin_path(key.rpartition(" ")[2])}
    return {**own, **{key: cost for key, cost in MARGIN_COSTS.items() if key not in own}}


def _margin_from(
    session: _Getter, costs: Mapping[str, float], options: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Margin limiter arguments from ``/account/limits/perps``; None when it cannot be read."""
    try:
        response = session.get("/account/limits/perps")
        response.raise_for_status()
        limits = limits_from_body(response.json(), options.get("default_cost", 10))
    except (KalshiError, OSError, ValueError) as error:
        log.debug("no margin limits from the account (%s); margin uses the same figures", error)
        return None
    fitted = _fit({"costs": _margin_costs(costs)}, limits)
    log.info(
        "margin rate limit from the account: %g read / %g write tokens per second",
        limits["read_per_second"],
        limits["write_per_second"],
    )
    return {**limits, **fitted}


def _costs_from(session: _Getter) -> dict[str, Any]:
    """``default_cost`` and ``costs`` from ``/account/endpoint_costs``; ``{}`` on any failure."""
    try:
        response = session.get("/account/endpoint_costs")
        response.raise_for_status()
        body = response.json()
    except (KalshiError, OSError, ValueError) as error:
        log.debug("no endpoint costs from the account (%s); using the default cost", error)
        return {}
    return costs_from_body(body)
