"""Reading Kalshi's account rate-limit bodies: ``/account/limits`` and ``/account/endpoint_costs``.

Pure functions of the decoded JSON bodies; :meth:`~requests_kalshi.RateLimiter.from_account`
fetches the bodies and builds the limiter from what these return.

``GET /account/limits`` today (token buckets)::

    {"usage_tier": "basic",
     "read": {"refill_rate": 200, "bucket_capacity": 200},
     "write": {"refill_rate": 100, "bucket_capacity": 100},
     "grants": [...]}

and, in Kalshi's older documentation, a flat shape in *requests* per second::

    {"usage_tier": "basic", "read_limit": 20, "write_limit": 10}

``GET /account/endpoint_costs``::

    {"default_cost": 10, "endpoint_costs": [{"method": "DELETE", "path": "/…", "cost": 2}]}
"""

from __future__ import annotations

import logging
import math
import re
from typing import Any, TypeGuard

from .errors import ConfigurationError

__all__ = ["costs_from_body", "limits_from_body"]

log = logging.getLogger("requests_kalshi")

_METHOD = re.compile(r"^[A-Za-z]+$")
_PATH = re.compile(r"^/\S*$")


def limits_from_body(body: object, default_cost: float) -> dict[str, float]:
    """:class:`~requests_kalshi.RateLimiter` arguments from an ``/account/limits`` body.

    >>> limits_from_body({"usage_tier": "basic", "read": {"refill_rate": 200,
    ...     "bucket_capacity": 200}, "write": {"refill_rate": 100, "bucket_capacity": 100},
    ...     "grants": []}, 10)
    {'read_per_second': 200.0, 'write_per_second': 100.0, 'read_burst': 200.0, 'write_burst': 100.0}
    >>> limits_from_body({"usage_tier": "basic", "read_limit": 20, "write_limit": 10}, 10)
    {'read_per_second': 200.0, 'write_per_second': 100.0}

    :param body: the decoded body: the nested bucket shape (a bucket without
        ``bucket_capacity`` gets the limiter's default burst), or the older flat shape in
        requests per second, converted to tokens at ``default_cost``.
    :param default_cost: the account's default cost, in tokens.
    :raises ConfigurationError: any other body; the message says to pass a tier instead.
    """
    if isinstance(body, dict):
        read, write = body.get("read"), body.get("write")
        if isinstance(read, dict) and isinstance(write, dict):
            read_rate, write_rate = _positive(read, "refill_rate"), _positive(write, "refill_rate")
            if read_rate is not None and write_rate is not None:
                options = {"read_per_second": read_rate, "write_per_second": write_rate}
                for name, bucket in (("read_burst", read), ("write_burst", write)):
                    capacity = _positive(bucket, "bucket_capacity")
                    if capacity is not None:
                        options[name] = capacity
                return options
        read_limit, write_limit = _positive(body, "read_limit"), _positive(body, "write_limit")
        if read_limit is not None and write_limit is not None and default_cost > 0:
            return {
                "read_per_second": read_limit * default_cost,
                "write_per_second": write_limit * default_cost,
            }
    raise _unreadable(body)


def costs_from_body(body: object) -> dict[str, Any]:
    """``default_cost`` and ``costs`` from an ``/account/endpoint_costs`` body.

    They are :class:`~requests_kalshi.RateLimiter` arguments; a body that is not an object
    gives ``{}``. Entries without a method, path (starting with ``/``) and a cost ≥ 0 are skipped.

    >>> costs_from_body({"default_cost": 10, "endpoint_costs": [
    ...     {"method": "delete", "path": "/trade-api/v2/portfolio/events/orders/{id}",
    ...      "cost": 2}]})
    {'default_cost': 10.0, 'costs': {'DELETE /trade-api/v2/portfolio/events/orders/{id}': 2.0}}
    """
    if not isinstance(body, dict):
        log.debug("unreadable GET /account/endpoint_costs body; using the default cost")
        return {}
    options: dict[str, Any] = {}
    default = _positive(body, "default_cost")
    if default is not None:
        options["default_cost"] = default
    entries = body.get("endpoint_costs")
    costs: dict[str, float] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        method, path, cost = entry.get("method"), entry.get("path"), entry.get("cost")
        if (
            isinstance(method, str)
            and _METHOD.match(method)
            and isinstance(path, str)
            and _PATH.match(path)
            and _number(cost)
            and cost >= 0
        ):
            costs[f"{method.upper()} {path}"] = float(cost)
        else:
            log.debug("skipping an unreadable endpoint cost: %.200r", entry)
    if costs:
        options["costs"] = costs
    return options


def _number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _positive(body: dict[str, Any], key: str) -> float | None:
    value = body.get(key)
    return float(value) if _number(value) and value > 0 else None


def _unreadable(body: object) -> ConfigurationError:
    shown = repr(body)
    if len(shown) > 200:
        shown = shown[:200] + "…"
    return ConfigurationError(
        f"cannot understand the rate limits GET /account/limits returned: {shown}. Pass a "
        "tier instead, e.g. rate_limit='basic' (or 'advanced', 'premier', 'paragon', "
        "'prime'), or read_per_second= and write_per_second=."
    )
