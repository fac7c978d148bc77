"""What every transport of the simulated exchange offers: its core, and the core's testing API.

The exchange itself is one :class:`~requests_kalshi.testing.SimulatedExchange` (the *core*).
Each transport (:class:`~requests_kalshi.testing.LocalExchange` over HTTP,
:class:`~requests_kalshi.testing.KalshiMock` through ``responses``) *holds* a core and only
moves requests in and answers out. Several transports may hold the same core, so they serve
one account: ``KalshiMock(core=local_exchange.core)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Concatenate, ParamSpec, TypeVar

from requests_kalshi.auth import KalshiAuth
from requests_kalshi.errors import ConfigurationError

from .limits import RateLimit
from .simulator import RecordedRequest, SimulatedExchange
from .state import ExchangeState

__all__ = ["ExchangeFront"]

P = ParamSpec("P")
R = TypeVar("R")


def make_core(core: SimulatedExchange | None, options: Mapping[str, Any]) -> SimulatedExchange:
    """``core`` itself, or a new :class:`SimulatedExchange` made with ``options``.

    :raises ConfigurationError: both a core and options, an option the core does not take,
        or a ``core`` that is not a :class:`SimulatedExchange`.
    """
    if core is None:
        try:
            return SimulatedExchange(**options)
        except TypeError as error:
            raise ConfigurationError(
                f"unknown exchange option ({error}); the options are those of "
                "SimulatedExchange: key_type, markets, balance, timestamp_window, rate_limit, "
                "clock…"
            ) from None
    if not isinstance(core, SimulatedExchange):
        raise ConfigurationError(f"core must be a SimulatedExchange, not {type(core).__name__}.")
    if options:
        raise ConfigurationError(
            f"pass either core= or exchange options ({', '.join(sorted(options))}), not "
            "both: a core given is used as it is."
        )
    return core


def _forward(
    method: Callable[Concatenate[SimulatedExchange, P], R],
) -> Callable[Concatenate[ExchangeFront, P], R]:
    """``method`` of the core as a method of a transport: called on the transport's core.

    It keeps the core method's name, docstring and signature (``functools.wraps``), for
    ``help()``, the API reference and type checkers alike.
    """

    @functools.wraps(method)
    def forwarded(self: ExchangeFront, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return method(self.core, *args, **kwargs)

    return forwarded


class ExchangeFront:
    """The testing API of a transport, each name delegating to :attr:`core`.

    Transports inherit this front, never the core: the core is a separate object they hold.
    Public attributes of the core that are not listed here (testing helpers of the core)
    are reached through the transport as well, by delegation.
    """

    core: SimulatedExchange
    """The exchange this transport serves (shared with any other transport holding it)."""

    def __getattr__(self, name: str) -> Any:
        # Only called for names the transport itself lacks: hand public ones to the core.
        if name.startswith("_") or name == "core":
            raise AttributeError(name)
        return getattr(self.core, name)

    @property
    def key_id(self) -> str:
        """The key id of the core's throwaway key."""
        return self.core.key_id

    @property
    def auth(self) -> KalshiAuth:
        """A :class:`KalshiAuth` signing with the throwaway key, for this transport's URL."""
        return self.core.auth

    @property
    def state(self) -> ExchangeState:
        """The core's markets, orders and balance."""
        return self.core.state

    @property
    def clock_offset(self) -> float:
        """Seconds added to the exchange's clock (its ``Date`` header and timestamp check)."""
        return self.core.clock_offset

    @clock_offset.setter
    def clock_offset(self, seconds: float) -> None:
        self.core.clock_offset = seconds

    @property
    def timestamp_window(self) -> float:
        """Seconds a signed timestamp may differ from the exchange's clock, either way."""
        return self.core.timestamp_window

    @timestamp_window.setter
    def timestamp_window(self, seconds: float) -> None:
        self.core.timestamp_window = seconds

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request the core received so far, oldest first."""
        return self.core.requests

    @property
    def balance(self) -> int:
        """The account balance in cents (what ``GET /portfolio/balance`` reports)."""
        return self.core.balance

    @property
    def rate_limit(self) -> RateLimit | None:
        """The rate limit in force, or ``None``."""
        return self.core.rate_limit

    # The testing methods are the core's own: the same signatures and docstrings, bound to
    # this transport's core, so the two cannot drift apart.
    now = _forward(SimulatedExchange.now)
    register_key = _forward(SimulatedExchange.register_key)
    private_key_pem = _forward(SimulatedExchange.private_key_pem)
    set_rate_limit = _forward(SimulatedExchange.set_rate_limit)
    watch_requests = _forward(SimulatedExchange.watch_requests)
    fail_next = _forward(SimulatedExchange.fail_next)
    delay_next = _forward(SimulatedExchange.delay_next)
    drop_next = _forward(SimulatedExchange.drop_next)
    clear_faults = _forward(SimulatedExchange.clear_faults)
    clear_requests = _forward(SimulatedExchange.clear_requests)
