"""What every transport of the simulated exchange offers: its core, and the core's testing API.

The exchange itself is one :class:`~requests_kalshi.testing.SimulatedExchange` (the *core*).
Each transport (:class:`~requests_kalshi.testing.LocalExchange` over HTTP,
:class:`~requests_kalshi.testing.KalshiMock` through ``responses``) *holds* a core and only
moves requests in and answers out. Several transports may hold the same core, so they serve
one account: ``KalshiMock(core=local_exchange.core)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from requests_kalshi.auth import KalshiAuth
from requests_kalshi.errors import ConfigurationError

from .limits import RateLimit
from .simulator import RecordedRequest, SimulatedExchange
from .state import ExchangeState

__all__ = ["ExchangeFront"]


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

    def now(self) -> float:
        """The exchange's clock; see :meth:`SimulatedExchange.now`."""
        return self.core.now()

    def register_key(self, key_id: str, public_key: Any) -> None:
        """Accept signatures from another key; see :meth:`SimulatedExchange.register_key`."""
        self.core.register_key(key_id, public_key)

    def private_key_pem(self) -> bytes:
        """The throwaway private key as PKCS#8 PEM, for programs in other languages."""
        return self.core.private_key_pem()

    def set_rate_limit(self, limit: RateLimit | str | None) -> None:
        """Refuse requests above ``limit``; see :meth:`SimulatedExchange.set_rate_limit`."""
        self.core.set_rate_limit(limit)

    @property
    def rate_limit(self) -> RateLimit | None:
        """The rate limit in force, or ``None``."""
        return self.core.rate_limit

    def watch_requests(self, listener: Callable[[RecordedRequest], None]) -> Callable[[], None]:
        """Call ``listener`` per request: :meth:`~.SimulatedExchange.watch_requests`."""
        return self.core.watch_requests(listener)

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 500,
        path: str | None = None,
        method: str | None = None,
        body: Any = None,
        after_processing: bool = False,
    ) -> None:
        """Fail the next ``n`` matching requests: :meth:`~.SimulatedExchange.fail_next`."""
        self.core.fail_next(
            n,
            status=status,
            path=path,
            method=method,
            body=body,
            after_processing=after_processing,
        )

    def delay_next(
        self,
        n: int = 1,
        *,
        seconds: float,
        path: str | None = None,
        method: str | None = None,
        after_processing: bool = False,
    ) -> None:
        """Delay the next ``n`` matching requests: :meth:`~.SimulatedExchange.delay_next`."""
        self.core.delay_next(
            n, seconds=seconds, path=path, method=method, after_processing=after_processing
        )

    def drop_next(
        self,
        n: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        after_processing: bool = False,
    ) -> None:
        """Drop the next ``n`` matching requests: :meth:`~.SimulatedExchange.drop_next`."""
        self.core.drop_next(n, path=path, method=method, after_processing=after_processing)

    def clear_faults(self) -> None:
        """Forget every planned fault."""
        self.core.clear_faults()

    def clear_requests(self) -> None:
        """Forget the requests received so far."""
        self.core.clear_requests()
