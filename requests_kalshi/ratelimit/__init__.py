"""A client-side token-bucket rate limiter shaped like Kalshi's own limits.

Kalshi meters each account with two token buckets, one for reads and one for writes. Every
request costs tokens (10 by default; some endpoints cost more, batches are billed per item),
and each bucket refills at the account tier's budget per second. :class:`RateLimiter` keeps
the same two buckets on the client, so requests wait for tokens instead of collecting 429s.
One limiter serves threads and asyncio at once: a ``requests`` session, an httpx client and
an httpx async client given the same limiter share its buckets.

>>> limiter = RateLimiter.for_tier("basic")
>>> limiter.read_per_second, limiter.write_per_second, limiter.write_burst
(200.0, 100.0, 100.0)
>>> limiter.try_acquire("GET", "/trade-api/v2/markets")
True

Perpetual futures ("margin", paths under ``/trade-api/v2/margin/``) are metered in buckets of
their own: each limiter keeps a second pair for them (:attr:`RateLimiter.margin`).

The parts, one job each:

- :mod:`~requests_kalshi.ratelimit.limiter`: :class:`RateLimiter`, the shared buckets and
  the waiting (the arithmetic is :class:`requests_kalshi.core.TokenBucket`'s);
- :mod:`~requests_kalshi.ratelimit.costs`: what a request costs and which bucket pays;
- :mod:`~requests_kalshi.ratelimit.tiers`: Kalshi's access tiers;
- :mod:`~requests_kalshi.ratelimit.account`: the figures read from the account (``"auto"``);
- :mod:`~requests_kalshi.ratelimit.resolve`: what a ``rate_limit=`` option means.
"""

from .costs import MARGIN_COSTS, READ_METHODS, endpoint_path, is_margin_path
from .limiter import RateLimiter
from .resolve import resolve_rate_limit
from .tiers import READ_BURST_SECONDS, TIER_CAPACITIES, TIERS, WRITE_BURST_SECONDS

__all__ = [
    "MARGIN_COSTS",
    "READ_BURST_SECONDS",
    "READ_METHODS",
    "TIERS",
    "TIER_CAPACITIES",
    "WRITE_BURST_SECONDS",
    "RateLimiter",
    "endpoint_path",
    "is_margin_path",
    "resolve_rate_limit",
]
