"""What a request costs: which bucket it draws from and how many tokens.

Pure rules, no clock: a :class:`CostTable` maps ``"METHOD /path"`` keys (with ``{name}``,
``:name`` or ``*`` wildcards) to tokens, and :func:`endpoint_path` / :func:`is_margin_path`
say how a request's path is matched.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from requests_kalshi.errors import ConfigurationError

__all__ = ["MARGIN_COSTS", "READ_METHODS", "endpoint_path", "is_margin_path"]

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods billed to the read bucket; every other method is a write."""

MARGIN_COSTS: Mapping[str, float] = {"DELETE /margin/orders/{order_id}": 1.0}
"""Known costs of margin endpoints that differ from the default: a cancel costs 1 token.

Unconfirmed: Kalshi's margin documentation, as quoted by third parties, says cancels cost 1
token; no primary source lists margin's endpoint costs. ``/account/endpoint_costs`` entries for
margin paths, and ``costs`` given by hand, take precedence.
"""

_API_PREFIX = re.compile(r"^/trade-api/v\d+(?=/|$)")
_WILDCARD = re.compile(r"^(\{[^/{}]*\}|:[A-Za-z_]\w*|\*)$")
_METHOD = re.compile(r"^[A-Za-z]+$")


def endpoint_path(path: str) -> str:
    """The path relative to the API root, as :class:`~requests_kalshi.RateLimiter` matches costs.

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


def is_read(method: str) -> bool:
    """Whether a ``method`` request draws from the read bucket."""
    return method.upper() in READ_METHODS


def number(name: str, value: object, zero_ok: bool = False) -> float:
    """``value`` as a float, if it is a finite number > 0 (≥ 0 with ``zero_ok``).

    :raises ConfigurationError: anything else, naming ``name``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationError(f"{name} must be a number, not {value!r}.")
    result = float(value)
    if not math.isfinite(result) or result < 0 or (result == 0 and not zero_ok):
        bound = "≥ 0" if zero_ok else "> 0"
        raise ConfigurationError(f"{name} must be a finite number {bound}, not {value!r}.")
    return result


def check_fits(
    name: str, cost: float, method: str | None, read_cap: float, write_cap: float
) -> None:
    """Refuse a cost that a bucket it is charged to (by ``method``; both if None) cannot hold.

    :raises ConfigurationError: ``cost`` is above such a bucket's capacity.
    """
    buckets = []
    if method is None or is_read(method):
        buckets.append(("read", read_cap))
    if method is None or not is_read(method):
        buckets.append(("write", write_cap))
    for which, capacity in buckets:
        if cost > capacity:
            raise ConfigurationError(
                f"{name} is {cost:g} tokens, more than the {which} bucket holds "
                f"({which}_burst={capacity:g}): such a request could never be sent. Lower "
                f"the cost or raise {which}_burst."
            )


def margin_costs(costs: Mapping[str, float]) -> dict[str, float]:
    """The ``costs`` keys under ``/margin/``, then :data:`MARGIN_COSTS` (ties go to the first)."""
    own = {key: cost for key, cost in costs.items() if is_margin_path(key.rpartition(" ")[2])}
    return {**own, **{key: cost for key, cost in MARGIN_COSTS.items() if key not in own}}


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


class CostTable:
    """Per-endpoint costs in tokens, and the default for every other request.

    A key is ``"METHOD /path"`` or ``"/path"`` (any method), matched as
    :class:`~requests_kalshi.RateLimiter` describes; each cost must fit the bucket(s) its
    method draws from.

    >>> table = CostTable({"DELETE /portfolio/orders/{id}": 2}, 10, read_cap=200, write_cap=100)
    >>> table.cost_of("DELETE", "/trade-api/v2/portfolio/orders/abc"), table.cost_of("GET", "/")
    (2.0, 10.0)

    :raises ConfigurationError: a malformed key, a cost that is not a number ≥ 0, or one
        above a bucket it is charged to.
    """

    def __init__(
        self,
        costs: Mapping[str, float] | None,
        default_cost: float,
        *,
        read_cap: float,
        write_cap: float,
    ) -> None:
        self.default_cost = number("default_cost", default_cost, zero_ok=True)
        if costs is not None and not isinstance(costs, Mapping):
            raise ConfigurationError(
                f"costs must be a mapping of 'METHOD /path' to tokens, not {type(costs).__name__}."
            )
        check_fits("default_cost", self.default_cost, None, read_cap, write_cap)
        self._exact: dict[tuple[str | None, str], float] = {}
        self._patterns: list[_CostRule] = []
        for key, value in (costs or {}).items():
            if not isinstance(key, str):
                raise ConfigurationError(f"cost keys must be strings, not {key!r}.")
            rule = _CostRule(key, number(f"costs[{key!r}]", value, zero_ok=True))
            check_fits(f"costs[{key!r}]", rule.cost, rule.method, read_cap, write_cap)
            if rule.literals == len(rule.segments):
                self._exact[(rule.method, "/" + "/".join(map(str, rule.segments)))] = rule.cost
            else:
                self._patterns.append(rule)
        self._patterns.sort(key=lambda rule: rule.rank, reverse=True)

    def cost_of(self, method: str, path: str) -> float:
        """The tokens a ``method`` request to ``path`` costs (most literal segments win)."""
        method = method.upper()
        path = endpoint_path(path)
        for key in ((method, path), (None, path)):
            if key in self._exact:
                return self._exact[key]
        segments = path.split("/")[1:]
        for rule in self._patterns:
            if rule.matches(method, segments):
                return rule.cost
        return self.default_cost
