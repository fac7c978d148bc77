"""The local exchange's rate limit: Kalshi's token buckets, counted like Kalshi counts them.

The buckets are the library's own :class:`~requests_kalshi.RateLimiter`: the client paces
with it and the exchange refuses with it, so both do the same arithmetic. The exchange only
ever calls :meth:`~requests_kalshi.RateLimiter.try_acquire` (it never waits), and answers
``429 {"error": "too many requests"}`` when the tokens are not there.

Costs are the exchange's own choice (Kalshi publishes its per-endpoint costs only to each
account): :data:`DEFAULT_COST` tokens per request, :data:`EXCHANGE_COSTS` where they differ,
and the batch endpoints in :data:`PER_ITEM` bill their cost once per item of ``orders``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from requests_kalshi.errors import ConfigurationError
from requests_kalshi.ratelimit import (
    READ_BURST_SECONDS,
    TIER_CAPACITIES,
    TIERS,
    WRITE_BURST_SECONDS,
    RateLimiter,
    endpoint_path,
)

API_PATH = "/trade-api/v2"

__all__ = [
    "DEFAULT_COST",
    "EXCHANGE_COSTS",
    "PER_ITEM",
    "RateLimit",
    "items_billed",
]

DEFAULT_COST = 10
"""Tokens a request costs unless :data:`EXCHANGE_COSTS` says otherwise (Kalshi's default)."""

EXCHANGE_COSTS: Mapping[str, int] = {
    "DELETE /portfolio/events/orders/{order_id}": 2,
    "DELETE /portfolio/events/orders/batched": 2,
    "GET /account/limits": 0,
    "GET /account/endpoint_costs": 0,
    "GET /account/limits/perps": 0,
}
"""The exchange's per-endpoint costs that differ from :data:`DEFAULT_COST` (its own choice:
cancelling is cheap, so a bot can always get out; reading one's own limits is free, so a
client that paces itself from them, made before its limiter, owes nothing for them)."""

PER_ITEM = frozenset(
    {
        ("POST", "/portfolio/events/orders/batched"),
        ("DELETE", "/portfolio/events/orders/batched"),
    }
)
"""Batch endpoints, billed their cost once per item of the body's ``orders`` list."""


@dataclass(frozen=True)
class RateLimit:
    """An account's request budgets in tokens, as Kalshi's access tiers grant them.

    ``RateLimit()`` is the Basic tier: 200 read and 100 write tokens a second, in buckets of
    200 and 100, so 20 reads and 10 writes a second at the default cost of 10.
    ``RateLimit(tier="advanced")`` takes another tier's figures (see
    :data:`~requests_kalshi.ratelimit.tiers.TIERS`); explicit figures override the tier's.

    :ivar tier: the tier: its figures, and the ``usage_tier`` ``GET /account/limits`` reports.
    :ivar read_per_second: read tokens refilled each second (``GET``, ``HEAD``, ``OPTIONS``).
    :ivar write_per_second: write tokens refilled each second (any other method).
    :ivar read_burst: tokens the read bucket holds.
    :ivar write_burst: tokens the write bucket holds.
    :ivar default_cost: tokens a request costs when ``costs`` names no match.
    :ivar costs: per-endpoint costs, keyed ``"METHOD /path"`` as in
        :class:`~requests_kalshi.RateLimiter` (the method is required here);
        :data:`EXCHANGE_COSTS` by default.
    :raises ConfigurationError: an unknown tier without figures, a figure that is not a
        positive whole number, or a cost the buckets cannot hold.
    """

    tier: str = "basic"
    read_per_second: int | None = None
    write_per_second: int | None = None
    read_burst: int | None = None
    write_burst: int | None = None
    default_cost: int = DEFAULT_COST
    costs: Mapping[str, int] = field(default_factory=lambda: dict(EXCHANGE_COSTS))

    def __post_init__(self) -> None:
        if not isinstance(self.tier, str) or not self.tier.strip():
            raise ConfigurationError(f"tier must be a tier name, not {self.tier!r}.")
        for key in self.costs:
            if not isinstance(key, str) or not key.strip().rpartition(" ")[0]:
                raise ConfigurationError(
                    f"cost keys must name a method, as in 'GET /markets', not {key!r} "
                    "(GET /account/endpoint_costs lists a method with each cost)."
                )
        self.limiter(lambda: 0.0)  # every other check: the limiter's own

    def figures(self) -> tuple[int, int, int, int]:
        """``(read_per_second, write_per_second, read_burst, write_burst)``, tier filled in.

        A figure not given is the tier's. A burst not given, for a rate that is, holds the
        tier's seconds of budget: one for reads, one or two for writes (as Kalshi's tiers).

        :raises ConfigurationError: the tier is unknown and a rate is not given, or a figure
            is not a whole number > 0.
        """
        given = {
            "read_per_second": self.read_per_second,
            "write_per_second": self.write_per_second,
            "read_burst": self.read_burst,
            "write_burst": self.write_burst,
        }
        for name, value in given.items():
            if value is not None:
                _whole(name, value)
        key = self.tier.strip().lower()
        read, write = TIERS.get(key, (None, None))
        read_cap, write_cap = TIER_CAPACITIES.get(key, (None, None))
        write_seconds = write_cap / write if write and write_cap else WRITE_BURST_SECONDS
        if self.read_per_second is not None:
            read, read_cap = self.read_per_second, self.read_per_second * READ_BURST_SECONDS
        if self.write_per_second is not None:
            write = self.write_per_second
            write_cap = self.write_per_second * write_seconds
        if read is None or write is None:
            raise ConfigurationError(
                f"RateLimit(tier={self.tier!r}) is not one of Kalshi's tiers "
                f"({', '.join(TIERS)}): give read_per_second and write_per_second too."
            )
        figures = {
            "read_per_second": read,
            "write_per_second": write,
            "read_burst": read_cap if self.read_burst is None else self.read_burst,
            "write_burst": write_cap if self.write_burst is None else self.write_burst,
        }
        whole = [_whole(name, value) for name, value in figures.items()]
        return whole[0], whole[1], whole[2], whole[3]

    def limiter(self, clock: Callable[[], float]) -> RateLimiter:
        """The token buckets for these figures, on ``clock`` (the exchange's).

        :raises ConfigurationError: see the class.
        """
        read, write, read_cap, write_cap = self.figures()
        return RateLimiter(
            read_per_second=read,
            write_per_second=write,
            read_burst=read_cap,
            write_burst=write_cap,
            default_cost=self.default_cost,
            costs=dict(self.costs),
            clock=clock,
        )

    def account_limits(self) -> dict[str, Any]:
        """The ``GET /account/limits`` body for these figures."""
        read, write, read_cap, write_cap = self.figures()
        return {
            "usage_tier": self.tier,
            "read": {"refill_rate": read, "bucket_capacity": read_cap},
            "write": {"refill_rate": write, "bucket_capacity": write_cap},
            "grants": [
                {"exchange_instance": "event_contract", "level": self.tier, "source": "default"}
            ],
        }

    def endpoint_costs(self) -> dict[str, Any]:
        """The ``GET /account/endpoint_costs`` body: the costs that differ from the default."""
        entries = []
        for key, cost in self.costs.items():
            method, _, path = key.strip().rpartition(" ")
            if cost != self.default_cost:
                entries.append(
                    {"method": method.upper(), "path": API_PATH + endpoint_path(path), "cost": cost}
                )
        return {"default_cost": self.default_cost, "endpoint_costs": entries}


def _whole(name: str, value: object) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 < value < float("inf")
        or value != int(value)
    ):
        raise ConfigurationError(f"{name} must be a whole number > 0, not {value!r}.")
    return int(value)


def items_billed(method: str, path: str, body: bytes) -> int:
    """How many times a request is billed: the items of a batch, else 1.

    >>> items_billed("POST", "/trade-api/v2/portfolio/events/orders/batched",
    ...              b'{"orders": [{}, {}, {}]}')
    3
    """
    if (method.upper(), endpoint_path(path)) not in PER_ITEM:
        return 1
    try:
        orders = json.loads(body).get("orders") if body else None
    except (ValueError, AttributeError, RecursionError):
        return 1
    return max(1, len(orders)) if isinstance(orders, list) else 1
