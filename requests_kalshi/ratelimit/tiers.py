"""The figures a limiter's buckets get: Kalshi's access tiers, default bursts, margin's pair."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from requests_kalshi.errors import ConfigurationError

__all__ = ["READ_BURST_SECONDS", "TIERS", "TIER_CAPACITIES", "WRITE_BURST_SECONDS"]

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

READ_BURST_SECONDS = 1.0
"""Seconds of budget a read bucket holds when no burst is given."""
WRITE_BURST_SECONDS = 2.0
"""Seconds of budget a write bucket holds when no burst is given."""


def tier_options(name: str) -> dict[str, float]:
    """The budgets and bursts of tier ``name`` (any case), as RateLimiter arguments.

    >>> tier_options("Basic")
    {'read_per_second': 200.0, 'write_per_second': 100.0, 'read_burst': 200.0, 'write_burst': 100.0}

    :raises ConfigurationError: an unknown tier name; the message lists the known ones.
    """
    key = name.strip().lower() if isinstance(name, str) else ""
    if key not in TIERS:
        raise ConfigurationError(
            f"unknown rate-limit tier {name!r}: use one of {', '.join(TIERS)}, "
            "or pass read_per_second= and write_per_second= yourself."
        )
    read, write = TIERS[key]
    read_cap, write_cap = TIER_CAPACITIES[key]
    return {
        "read_per_second": read,
        "write_per_second": write,
        "read_burst": read_cap,
        "write_burst": write_cap,
    }


def margin_options(margin: object, own: Mapping[str, Any]) -> dict[str, Any]:
    """RateLimiter arguments of the margin buckets a ``margin=`` option asks for.

    :param margin: ``None`` or ``True`` (``own``'s figures), or a mapping of RateLimiter
        arguments laid over ``own`` (a budget given there brings its own default burst).
    :param own: the event-contract limiter's figures, with margin's costs.
    :raises ConfigurationError: ``margin`` is none of these.
    """
    options = dict(own)
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
    options.pop("margin", None)
    return options
