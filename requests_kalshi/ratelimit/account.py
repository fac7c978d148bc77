"""A limiter's figures read from the account: ``/account/limits``, its costs and margin's.

Fetches the bodies through any client with ``get(path)`` and reads them with
:mod:`requests_kalshi.account_limits`; :meth:`~requests_kalshi.RateLimiter.from_account`
builds the limiter from what :func:`options_from_account` returns.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from requests_kalshi.account_limits import costs_from_body, limits_from_body
from requests_kalshi.errors import ConfigurationError, KalshiError

from .costs import is_read, margin_costs, number
from .tiers import READ_BURST_SECONDS, WRITE_BURST_SECONDS

__all__ = ["Getter", "options_from_account"]

log = logging.getLogger("requests_kalshi")

# requests' exceptions are OSErrors, JSON decoding errors ValueErrors; an httpx client's
# errors reach here as KalshiErrors (see requests_kalshi.httpx).
_FAILURES = (KalshiError, OSError, ValueError)


class Getter(Protocol):
    """What reads the account: ``get(path)`` relative to the API root, like a session's."""

    def get(self, url: str) -> Any:
        """Send ``GET url``; the response has ``raise_for_status()`` and ``json()``."""


def options_from_account(session: Getter, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """RateLimiter arguments from the account's limits and costs, then ``overrides``.

    Sends ``GET /account/limits`` and then ``GET /account/endpoint_costs`` through
    ``session``, and reads them with
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
    burst.

    Margin's buckets come from ``GET /account/limits/perps`` (the same shapes), with
    :data:`~requests_kalshi.ratelimit.costs.MARGIN_COSTS` and the reported costs of ``/margin/``
    paths. When that request fails or cannot be read (an account without margin), margin
    requests get buckets of their own at the event-contract figures.

    :raises ConfigurationError: ``/account/limits`` could not be fetched or understood.
    """
    try:
        body = _body(session, "/account/limits")
    except _FAILURES as error:
        raise ConfigurationError(
            f"could not read GET /account/limits ({error}); pass a tier instead, e.g. "
            "rate_limit='basic'."
        ) from error
    costs = _costs_from(session)
    default_cost = {**costs, **overrides}.get("default_cost", 10)
    limits = limits_from_body(body, number("default_cost", default_cost, zero_ok=True))
    options: dict[str, Any] = {**limits, **_fit(costs, {**limits, **overrides}), **overrides}
    if "margin" not in overrides:
        options["margin"] = _margin_from(session, costs.get("costs", {}), options)
    log.info(
        "rate limit from the account: %g read / %g write tokens per second",
        options["read_per_second"],
        options["write_per_second"],
    )
    return options


def _body(session: Getter, path: str) -> Any:
    response = session.get(path)
    response.raise_for_status()
    return response.json()


def _fit(reported: dict[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
    """The account's reported costs, each lowered to the burst of the bucket(s) it uses."""
    read_rate = number("read_per_second", options["read_per_second"])
    write_rate = number("write_per_second", options["write_per_second"])
    read_cap = number("read_burst", options.get("read_burst", read_rate * READ_BURST_SECONDS))
    write_cap = number("write_burst", options.get("write_burst", write_rate * WRITE_BURST_SECONDS))

    def fit(key: str, cost: float) -> float:
        method = key.rpartition(" ")[0].upper() or None
        caps = [
            cap
            for meth, cap in (("GET", read_cap), ("POST", write_cap))
            if method is None or is_read(method) == is_read(meth)
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


def _margin_from(
    session: Getter, costs: Mapping[str, float], options: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Margin limiter arguments from ``/account/limits/perps``; None when it cannot be read."""
    try:
        limits = limits_from_body(
            _body(session, "/account/limits/perps"), options.get("default_cost", 10)
        )
    except _FAILURES as error:
        log.debug("no margin limits from the account (%s); margin uses the same figures", error)
        return None
    fitted = _fit({"costs": margin_costs(costs)}, limits)
    log.info(
        "margin rate limit from the account: %g read / %g write tokens per second",
        limits["read_per_second"],
        limits["write_per_second"],
    )
    return {**limits, **fitted}


def _costs_from(session: Getter) -> dict[str, Any]:
    """``default_cost`` and ``costs`` from ``/account/endpoint_costs``; ``{}`` on any failure."""
    try:
        body = _body(session, "/account/endpoint_costs")
    except _FAILURES as error:
        log.debug("no endpoint costs from the account (%s); using the default cost", error)
        return {}
    return costs_from_body(body)
